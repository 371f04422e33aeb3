/**
 * Every change to the store as a plain, JSON-serialisable operation, and `applyOperation`, the one function
 * that performs it on a StoreState. The memory store calls it directly; the file store calls it and then
 * journals the same operation, so replaying the journal through this function rebuilds the state exactly.
 *
 * `applyOperation` is deterministic: it reads no clock (operations that need a time carry it) and either
 * changes the state completely or throws before changing anything.
 */
import { ConflictError, DELIVERY_HISTORY, NotFoundError } from '../metadata-store.js';
import type {
  AuditEvent,
  ImageEntry,
  OrganizationRecord,
  PendingPush,
  RepositoryPatch,
  RepositoryRecord,
  SessionRecord,
  TokenRecord,
  DeliveryAttempt,
  DeliveryRecord,
  WebhookRecord,
  UserPatch,
  UserRecord,
} from '../metadata-store.js';
import { mergeImageLists } from '../image-list-merge.js';
import { pickPatch, REPOSITORY_PATCH_FIELDS, sortedUnique, USER_PATCH_FIELDS } from '../record-patches.js';
import { emailKey, repositoryKey, type RepositoryState, type StoreState } from './store-state.js';

export type Operation =
  | { readonly type: 'createUser'; readonly user: UserRecord }
  | { readonly type: 'updateUser'; readonly username: string; readonly patch: UserPatch }
  | { readonly type: 'createOrganization'; readonly org: OrganizationRecord }
  | { readonly type: 'addMember'; readonly name: string; readonly username: string }
  | { readonly type: 'removeMember'; readonly name: string; readonly username: string }
  | { readonly type: 'createRepository'; readonly record: RepositoryRecord }
  | { readonly type: 'updateRepository'; readonly namespace: string; readonly repository: string; readonly patch: RepositoryPatch; readonly now: number }
  | { readonly type: 'deleteRepository'; readonly namespace: string; readonly repository: string }
  | { readonly type: 'mergeImages'; readonly namespace: string; readonly repository: string; readonly images: readonly ImageEntry[] }
  | { readonly type: 'addPending'; readonly namespace: string; readonly repository: string; readonly images: readonly ImageEntry[]; readonly user: string; readonly now: number; readonly abandonedBefore: number }
  | { readonly type: 'takePending'; readonly namespace: string; readonly repository: string }
  | { readonly type: 'claimImages'; readonly repository: string; readonly ids: readonly string[] }
  | { readonly type: 'star'; readonly namespace: string; readonly repository: string; readonly username: string }
  | { readonly type: 'unstar'; readonly namespace: string; readonly repository: string; readonly username: string }
  | { readonly type: 'saveToken'; readonly token: TokenRecord }
  | { readonly type: 'deleteToken'; readonly repository: string; readonly signature: string }
  /** `now` decides which tokens still counted as live (the returned count). */
  | { readonly type: 'revokeTokens'; readonly repository: string; readonly now: number }
  | { readonly type: 'saveSession'; readonly session: SessionRecord }
  | { readonly type: 'deleteSession'; readonly id: string }
  | { readonly type: 'addWebhook'; readonly hook: WebhookRecord }
  | { readonly type: 'removeWebhook'; readonly repository: string; readonly id: string }
  | { readonly type: 'removeWebhooks'; readonly repository: string }
  | { readonly type: 'enqueueDelivery'; readonly delivery: DeliveryRecord }
  | { readonly type: 'claimDeliveries'; readonly now: number; readonly leaseMs: number; readonly limit: number }
  | { readonly type: 'recordDeliveryAttempt'; readonly id: string; readonly attempt: DeliveryAttempt; readonly next: { readonly state: 'pending'; readonly nextAt: number } | { readonly state: 'delivered' | 'failed' } }
  | { readonly type: 'appendAudit'; readonly event: AuditEvent };

export type OperationType = Operation['type'];

interface OperationResults {
  createUser: void;
  updateUser: UserRecord;
  createOrganization: void;
  addMember: OrganizationRecord;
  removeMember: OrganizationRecord;
  createRepository: { record: RepositoryRecord; created: boolean };
  updateRepository: RepositoryRecord;
  deleteRepository: boolean;
  mergeImages: ImageEntry[];
  addPending: PendingPush;
  takePending: PendingPush | null;
  claimImages: Record<string, string>;
  star: number;
  unstar: number;
  saveToken: void;
  deleteToken: void;
  revokeTokens: number;
  saveSession: void;
  deleteSession: void;
  addWebhook: void;
  removeWebhook: boolean;
  removeWebhooks: void;
  enqueueDelivery: void;
  claimDeliveries: DeliveryRecord[];
  recordDeliveryAttempt: DeliveryRecord | null;
  appendAudit: void;
}

export type OperationResult<T extends OperationType> = OperationResults[T];

/** What an operation returned, and whether it changed anything (unchanged operations need no journal line). */
export interface Applied<T> {
  readonly value: T;
  readonly changed: boolean;
}

export interface ApplyOptions {
  /** How many audit events to keep. */
  readonly auditCapacity: number;
}

type Handler<T extends OperationType> = (state: StoreState, op: Extract<Operation, { type: T }>, options: ApplyOptions) => Applied<OperationResult<T>>;

const changed = <T>(value: T): Applied<T> => ({ value, changed: true });
const unchanged = <T>(value: T): Applied<T> => ({ value, changed: false });

const handlers: { [T in OperationType]: Handler<T> } = {
  createUser(state, { user }) {
    if (state.users.has(user.username) || state.organizations.has(user.username)) throw new ConflictError('username');
    if (state.emails.has(emailKey(user.email))) throw new ConflictError('email');
    state.users.set(user.username, user);
    state.emails.set(emailKey(user.email), user.username);
    return changed(undefined);
  },

  updateUser(state, { username, patch }) {
    const current = state.users.get(username);
    if (current === undefined) throw new NotFoundError('user', username);
    if (patch.email !== undefined) {
      const owner = state.emails.get(emailKey(patch.email));
      if (owner !== undefined && owner !== username) throw new ConflictError('email');
    }
    const next: UserRecord = { ...current, ...pickPatch(patch, USER_PATCH_FIELDS) };
    state.emails.delete(emailKey(current.email));
    state.emails.set(emailKey(next.email), username);
    state.users.set(username, next);
    return changed(next);
  },

  createOrganization(state, { org }) {
    if (state.users.has(org.name) || state.organizations.has(org.name)) throw new ConflictError('username');
    state.organizations.set(org.name, { ...org, members: sortedUnique([...org.members, org.owner]) });
    return changed(undefined);
  },

  addMember(state, { name, username }) {
    const org = organization(state, name);
    if (org.members.includes(username)) return unchanged(org);
    const next = { ...org, members: sortedUnique([...org.members, username]) };
    state.organizations.set(name, next);
    return changed(next);
  },

  removeMember(state, { name, username }) {
    const org = organization(state, name);
    if (!org.members.includes(username)) return unchanged(org);
    const next = { ...org, members: org.members.filter((member) => member !== username) };
    state.organizations.set(name, next);
    return changed(next);
  },

  createRepository(state, { record }) {
    const key = repositoryKey(record.namespace, record.repository);
    const existing = state.repositories.get(key);
    if (existing !== undefined) return unchanged({ record: existing.record, created: false });
    const stored = { ...record, collaborators: sortedUnique(record.collaborators) };
    state.repositories.set(key, { record: stored, images: null, stars: new Set(), tokens: new Map(), pending: null });
    return changed({ record: stored, created: true });
  },

  updateRepository(state, { namespace, repository, patch, now }) {
    const repo = repositoryState(state, namespace, repository);
    const fields = pickPatch(patch, REPOSITORY_PATCH_FIELDS);
    if (fields.collaborators !== undefined) fields.collaborators = sortedUnique(fields.collaborators);
    repo.record = { ...repo.record, ...fields, updatedAt: now };
    return changed(repo.record);
  },

  deleteRepository(state, { namespace, repository }) {
    return state.repositories.delete(repositoryKey(namespace, repository)) ? changed(true) : unchanged(false);
  },

  mergeImages(state, { namespace, repository, images }) {
    const repo = repositoryState(state, namespace, repository);
    repo.images = mergeImageLists(repo.images, images);
    return changed(repo.images);
  },

  addPending(state, { namespace, repository, images, user, now, abandonedBefore }) {
    const repo = repositoryState(state, namespace, repository);
    const running = repo.pending && repo.pending.startedAt >= abandonedBefore ? repo.pending : null;
    repo.pending = { user: running?.user ?? user, startedAt: running?.startedAt ?? now, images: [...(running?.images ?? []), ...images.map((entry) => ({ ...entry }))] };
    return changed(repo.pending);
  },

  takePending(state, { namespace, repository }) {
    const repo = repositoryState(state, namespace, repository);
    const pending = repo.pending;
    if (pending === null) return unchanged(null);
    repo.pending = null;
    return changed(pending);
  },

  claimImages(state, { repository, ids }) {
    const claims: Record<string, string> = {};
    let any = false;
    for (const id of ids) {
      if (!state.claims.has(id)) {
        state.claims.set(id, repository);
        any = true;
      }
      claims[id] = state.claims.get(id) as string;
    }
    return any ? changed(claims) : unchanged(claims);
  },

  star(state, { namespace, repository, username }) {
    const repo = repositoryState(state, namespace, repository);
    if (repo.stars.has(username)) return unchanged(repo.stars.size);
    repo.stars.add(username);
    return changed(repo.stars.size);
  },

  unstar(state, { namespace, repository, username }) {
    const repo = repositoryState(state, namespace, repository);
    return repo.stars.delete(username) ? changed(repo.stars.size) : unchanged(repo.stars.size);
  },

  saveToken(state, { token }) {
    const repo = state.repositories.get(token.repository);
    if (repo === undefined) throw new NotFoundError('repository', token.repository);
    repo.tokens.set(token.signature, token);
    return changed(undefined);
  },

  deleteToken(state, { repository, signature }) {
    const removed = state.repositories.get(repository)?.tokens.delete(signature) ?? false;
    return removed ? changed(undefined) : unchanged(undefined);
  },

  revokeTokens(state, { repository, now }) {
    const tokens = state.repositories.get(repository)?.tokens;
    if (tokens === undefined || tokens.size === 0) return unchanged(0);
    let live = 0;
    for (const token of tokens.values()) if (token.expiresAt > now) live += 1;
    tokens.clear();
    return changed(live);
  },

  saveSession(state, { session }) {
    state.sessions.set(session.id, session);
    return changed(undefined);
  },

  deleteSession(state, { id }) {
    return state.sessions.delete(id) ? changed(undefined) : unchanged(undefined);
  },

  addWebhook(state, { hook }) {
    state.webhooks.set(hook.repository, [...(state.webhooks.get(hook.repository) ?? []), hook]);
    return changed(undefined);
  },

  removeWebhook(state, { repository, id }) {
    const hooks = state.webhooks.get(repository) ?? [];
    const kept = hooks.filter((hook) => hook.id !== id);
    if (kept.length === hooks.length) return unchanged(false);
    if (kept.length === 0) state.webhooks.delete(repository);
    else state.webhooks.set(repository, kept);
    return changed(true);
  },

  removeWebhooks(state, { repository }) {
    return state.webhooks.delete(repository) ? changed(undefined) : unchanged(undefined);
  },

  enqueueDelivery(state, { delivery }) {
    state.deliveries.set(delivery.id, delivery);
    const ids = [...(state.deliveriesByHook.get(delivery.hookId) ?? []), delivery.id];
    // The oldest finished deliveries make room; pending ones are never dropped.
    while (ids.length > DELIVERY_HISTORY) {
      const oldest = ids.findIndex((id) => state.deliveries.get(id)?.state !== 'pending');
      if (oldest === -1) break;
      state.deliveries.delete(ids[oldest] as string);
      ids.splice(oldest, 1);
    }
    state.deliveriesByHook.set(delivery.hookId, ids);
    return changed(undefined);
  },

  claimDeliveries(state, { now, leaseMs, limit }) {
    const due = [...state.deliveries.values()].filter((d) => d.state === 'pending' && d.nextAt <= now).sort((a, b) => a.nextAt - b.nextAt || a.createdAt - b.createdAt).slice(0, limit);
    if (due.length === 0) return unchanged([]);
    const claimed = due.map((d) => ({ ...d, nextAt: now + leaseMs }));
    for (const d of claimed) state.deliveries.set(d.id, d);
    return changed(claimed);
  },

  recordDeliveryAttempt(state, { id, attempt, next }) {
    const delivery = state.deliveries.get(id);
    if (delivery === undefined) return unchanged(null);
    const updated: DeliveryRecord = { ...delivery, attempts: [...delivery.attempts, attempt], state: next.state, nextAt: next.state === 'pending' ? next.nextAt : delivery.nextAt };
    state.deliveries.set(id, updated);
    return changed(updated);
  },

  appendAudit(state, { event }, { auditCapacity }) {
    state.audit.push(event);
    // NOTE: shift() on a 10 000-entry array is a short memmove; simpler than a ring buffer and fast enough.
    while (state.audit.length > auditCapacity) state.audit.shift();
    return changed(undefined);
  },
};

/** Performs `op` on `state`. Throws ConflictError / NotFoundError (leaving `state` untouched) when it cannot. */
export function applyOperation<T extends OperationType>(state: StoreState, op: Extract<Operation, { type: T }>, options: ApplyOptions): Applied<OperationResult<T>> {
  const handler = handlers[op.type] as Handler<T> | undefined;
  if (handler === undefined) throw new TypeError(`unknown store operation ${JSON.stringify(op.type)}`);
  return handler(state, op, options);
}

function organization(state: StoreState, name: string): OrganizationRecord {
  const org = state.organizations.get(name);
  if (org === undefined) throw new NotFoundError('organization', name);
  return org;
}

function repositoryState(state: StoreState, namespace: string, repository: string): RepositoryState {
  const key = repositoryKey(namespace, repository);
  const repo = state.repositories.get(key);
  if (repo === undefined) throw new NotFoundError('repository', key);
  return repo;
}
