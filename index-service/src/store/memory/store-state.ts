/**
 * The whole metadata store as one plain object. The memory store keeps it in memory; the file store keeps
 * the same object and makes it durable with a journal of the operations applied to it (operations.ts) and
 * a periodic snapshot (toSnapshot / fromSnapshot). Records held here are private copies: nothing that
 * leaves the store points into this object.
 */
import type { AuditEvent, DeliveryRecord, ImageEntry, OrganizationRecord, PendingPush, RepositoryRecord, SessionRecord, TokenRecord, UserRecord, WebhookRecord } from '../metadata-store.js';

export interface RepositoryState {
  record: RepositoryRecord;
  /** Null until the first image list is stored (the first PUT is stored verbatim, later ones merge). */
  images: ImageEntry[] | null;
  stars: Set<string>;
  /** Signature → token. Tokens live under their repository, so deleting it drops them all by key. */
  tokens: Map<string, TokenRecord>;
  /** The push in progress (I6 → I9), or null. */
  pending: PendingPush | null;
}

export interface StoreState {
  users: Map<string, UserRecord>;
  /** Lower-cased email → username: the uniqueness index for addresses. */
  emails: Map<string, string>;
  organizations: Map<string, OrganizationRecord>;
  /** `ns/repo` → repository. */
  repositories: Map<string, RepositoryState>;
  /** Oldest first; may briefly hold more than the capacity (trimmed in batches, see operations.ts). */
  audit: AuditEvent[];
  /** Image id → `ns/repo` that declared it first. */
  claims: Map<string, string>;
  /** Session id (the cookie's sha256) → Web UI session. */
  sessions: Map<string, SessionRecord>;
  /** `ns/repo` → its webhooks, oldest first. */
  webhooks: Map<string, WebhookRecord[]>;
  /** Delivery id → delivery, in the order queued. */
  deliveries: Map<string, DeliveryRecord>;
  /** Hook id → its delivery ids, oldest first. */
  deliveriesByHook: Map<string, string[]>;
}

/** The snapshot file's JSON shape (sets and maps as arrays). */
export interface StateSnapshot {
  readonly users: UserRecord[];
  readonly organizations: OrganizationRecord[];
  readonly repositories: {
    readonly record: RepositoryRecord;
    readonly images: ImageEntry[] | null;
    readonly stars: string[];
    readonly tokens: TokenRecord[];
    /** Absent in snapshots written before v1hub tracked pushes in progress. */
    readonly pending?: PendingPush | null;
  }[];
  readonly audit: AuditEvent[];
  /** `[id, ns/repo]` pairs; absent in older snapshots. */
  readonly claims?: [string, string][];
  /** Absent in snapshots written before the Web UI had sessions. */
  readonly sessions?: SessionRecord[];
  /** Absent in snapshots written before repositories had webhooks. */
  readonly webhooks?: WebhookRecord[];
  /** In the order queued. */
  readonly deliveries?: DeliveryRecord[];
}

export function emptyState(): StoreState {
  return { users: new Map(), emails: new Map(), organizations: new Map(), repositories: new Map(), audit: [], claims: new Map(), sessions: new Map(), webhooks: new Map(), deliveries: new Map(), deliveriesByHook: new Map() };
}

/** Lower-cased, so `Alice@Example.com` and `alice@example.com` are one address. */
export function emailKey(email: string): string {
  return email.toLowerCase();
}

export function repositoryKey(namespace: string, repository: string): string {
  return `${namespace}/${repository}`;
}

/** Tokens that have expired by `now` are left out: a snapshot is also a garbage collection. */
export function toSnapshot(state: StoreState, now: number): StateSnapshot {
  return {
    users: [...state.users.values()],
    organizations: [...state.organizations.values()],
    repositories: [...state.repositories.values()].map((repo) => ({
      record: repo.record,
      images: repo.images,
      stars: [...repo.stars],
      tokens: [...repo.tokens.values()].filter((token) => token.expiresAt > now),
      pending: repo.pending,
    })),
    audit: state.audit,
    claims: [...state.claims],
    sessions: [...state.sessions.values()].filter((session) => session.expiresAt > now),
    webhooks: [...state.webhooks.values()].flat(),
    deliveries: [...state.deliveries.values()],
  };
}

export function fromSnapshot(snapshot: StateSnapshot): StoreState {
  const state = emptyState();
  for (const user of snapshot.users) {
    state.users.set(user.username, user);
    state.emails.set(emailKey(user.email), user.username);
  }
  for (const org of snapshot.organizations) state.organizations.set(org.name, org);
  for (const repo of snapshot.repositories) {
    state.repositories.set(repositoryKey(repo.record.namespace, repo.record.repository), {
      record: repo.record,
      images: repo.images,
      stars: new Set(repo.stars),
      tokens: new Map(repo.tokens.map((token) => [token.signature, token])),
      pending: repo.pending ?? null,
    });
  }
  state.audit = [...snapshot.audit];
  state.claims = new Map(snapshot.claims ?? []);
  state.sessions = new Map((snapshot.sessions ?? []).map((session) => [session.id, session]));
  for (const hook of snapshot.webhooks ?? []) state.webhooks.set(hook.repository, [...(state.webhooks.get(hook.repository) ?? []), hook]);
  for (const delivery of snapshot.deliveries ?? []) {
    state.deliveries.set(delivery.id, delivery);
    state.deliveriesByHook.set(delivery.hookId, [...(state.deliveriesByHook.get(delivery.hookId) ?? []), delivery.id]);
  }
  return state;
}

/** Drops every expired token and session; returns how many. */
export function sweepExpiredTokens(state: StoreState, now: number): number {
  let dropped = 0;
  for (const [id, session] of state.sessions) {
    if (session.expiresAt <= now) {
      state.sessions.delete(id);
      dropped += 1;
    }
  }
  for (const repo of state.repositories.values()) {
    for (const [signature, token] of repo.tokens) {
      if (token.expiresAt <= now) {
        repo.tokens.delete(signature);
        dropped += 1;
      }
    }
  }
  return dropped;
}
