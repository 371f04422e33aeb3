/**
 * The Index's metadata seam (design §5.1). Three implementations — `memory` (volatile), `file:DIR`
 * (embedded, persistent) and Redis (`redis://`, `redis+cluster://`, `redis+sentinel://`) — pass one
 * contract suite (test/contracts/metadata-store.contract.ts).
 *
 * Stores own records and keys only; v1 semantics (who may do what, token expiry decisions, merge rules'
 * callers) live in the domain services. Every method documents what it returns for "absent" and what it
 * rejects with. Any backend failure (Redis down, disk full) rejects with StoreUnavailableError, which the
 * HTTP layer turns into a JSON 503.
 */

/** A user account. `passwordHash` is an opaque KDF string produced by the user service. */
export interface UserRecord {
  readonly username: string;
  readonly email: string;
  readonly passwordHash: string;
  /** Inactive accounts get 403 on login and on token requests (§3.1 I4). */
  readonly active: boolean;
  readonly admin: boolean;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

export type UserPatch = Partial<Pick<UserRecord, 'email' | 'passwordHash' | 'active' | 'admin'>>;

/** An organisation: a namespace owned by users. Its name is taken from the same space as usernames. */
export interface OrganizationRecord {
  readonly name: string;
  readonly owner: string;
  /** Usernames, sorted, owner included. */
  readonly members: readonly string[];
  readonly createdAt: number;
}

/** One entry of a repository's image list (§3.1 I6/I8/I9). `Tag` survives only from the first PUT (§3.2 item 3, Q17). */
export interface ImageEntry {
  readonly id: string;
  readonly checksum?: string;
  readonly Tag?: string;
  /** Any other key of the first list, stored verbatim like the rest of it (§3.2 item 3). */
  readonly [key: string]: unknown;
}

/**
 * A push between its I6 and its I9: who started it, when, and the ids it declared. Those ids are listed only
 * to those who may write the repository until the push completes (then they join the image list).
 */
export interface PendingPush {
  readonly user: string;
  readonly startedAt: number;
  readonly images: readonly ImageEntry[];
}

export interface RepositoryRecord {
  readonly namespace: string;
  readonly repository: string;
  /** The user who created it by pushing. */
  readonly owner: string;
  readonly private: boolean;
  readonly description: string;
  /** Usernames with read and write access besides the namespace owner and organisation members; sorted. */
  readonly collaborators: readonly string[];
  /** True between the first delete call (I7, 202) and the purge (I7b). */
  readonly deletePending: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type RepositoryPatch = Partial<Pick<RepositoryRecord, 'private' | 'description' | 'collaborators' | 'deletePending'>>;

/** A repository as search sees it. */
export interface RepositorySummary {
  readonly namespace: string;
  readonly repository: string;
  readonly description: string;
  readonly private: boolean;
  readonly owner: string;
  readonly collaborators: readonly string[];
  readonly starCount: number;
  /** Epoch milliseconds (the last push, description or privacy change sets `updatedAt`). */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * What `RepositoryStore.search` means by a match, for every store: `ns/repo` or the description contains
 * `lower` (the lower-cased term), each compared lower-cased and on its own ('' matches everything).
 */
export function matchesSearchTerm(record: Pick<RepositoryRecord, 'namespace' | 'repository' | 'description'>, lower: string): boolean {
  return `${record.namespace}/${record.repository}`.toLowerCase().includes(lower) || record.description.toLowerCase().includes(lower);
}

/** The search view of a stored repository. */
export function repositorySummary(record: RepositoryRecord, starCount: number): RepositorySummary {
  return {
    namespace: record.namespace,
    repository: record.repository,
    description: record.description,
    private: record.private,
    owner: record.owner,
    collaborators: record.collaborators,
    starCount,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export type TokenAccess = 'read' | 'write' | 'delete';

export interface TokenRecord {
  /** ≥128 random bits, hex. Unique. */
  readonly signature: string;
  /** `ns/repo`. Tokens are stored under their repository so revoking a repository finds them all by key. */
  readonly repository: string;
  readonly access: TokenAccess;
  /** The user it was issued to; null for anonymous reads of public repositories. */
  readonly user: string | null;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /**
   * A fingerprint of the user's password hash when the token was issued: a password change (which always
   * makes a new salted hash) ends every token issued before it. Absent for anonymous tokens.
   */
  readonly credential?: string;
}

/**
 * A signed-in Web UI session (a browser's, never the Docker wire API's). The browser holds a random cookie
 * value; the store holds only its sha256, so a copy of the store signs nobody in.
 */
export interface SessionRecord {
  /** sha256 of the cookie value, hex. */
  readonly id: string;
  readonly username: string;
  /** The form token every state-changing form of this session carries (CSRF). */
  readonly csrf: string;
  /** The credential fingerprint at sign-in (as TokenRecord.credential): a password change ends the session. */
  readonly credential: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Events a repository's webhooks can subscribe to. */
export type WebhookEvent = 'push' | 'delete' | 'create' | 'tag';

/** A repository's webhook (Docker Hub style): where to POST which events, signed with its secret. */
export interface WebhookRecord {
  /** Random, hex. */
  readonly id: string;
  /** `ns/repo`. */
  readonly repository: string;
  readonly url: string;
  /** HMAC-SHA256 key of the `X-V1hub-Signature` header; shown once, when the hook is added. */
  readonly secret: string;
  readonly events: readonly WebhookEvent[];
  readonly createdBy: string;
  readonly createdAt: number;
}

/** How many deliveries of one hook are kept for its history (pending ones are never dropped). */
export const DELIVERY_HISTORY = 20;

/** One try of a delivery. */
export interface DeliveryAttempt {
  readonly at: number;
  /** HTTP status, 0 when there was no answer. */
  readonly status: number;
  readonly ms: number;
  readonly error?: string;
}

/**
 * A webhook delivery: the exact body and headers to send (signed when it was queued, so the secret is not
 * needed later and a hook removed meanwhile still gets what it was owed), its tries and its state.
 */
export interface DeliveryRecord {
  readonly id: string;
  /** The hook's id, or `global` for a `--webhook` URL. */
  readonly hookId: string;
  readonly repository: string;
  readonly url: string;
  readonly event: WebhookEvent;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly createdAt: number;
  /** `pending` until delivered (a 2xx) or given up (`failed`). */
  readonly state: 'pending' | 'delivered' | 'failed';
  /** When it is due next (pending only). A claim moves it a lease ahead, so a crashed sender's claim runs out. */
  readonly nextAt: number;
  readonly attempts: readonly DeliveryAttempt[];
}

export type AuditKind = 'token-issued' | 'token-validated' | 'token-revoked' | 'layer-access';

export interface AuditEvent {
  readonly time: number;
  readonly kind: AuditKind;
  readonly user: string | null;
  readonly repository: string;
  readonly access: TokenAccess | null;
  /** `granted` or `denied`. */
  readonly result: 'granted' | 'denied';
  /** Why a validation was denied (`expired`, `unknown`, `wrong-access`, …). */
  readonly reason?: string;
  /** Who asked: the registry's address for validations, the client's for issues. */
  readonly peer?: string;
  /** Masked signature (first 6 characters): never the whole token. */
  readonly token?: string;
  readonly ms?: number;
}

export interface UserStore {
  /** Creates the account. Rejects ConflictError('username' | 'email') when either is taken, or the name is an organisation. */
  create(user: UserRecord): Promise<void>;
  /** Null when absent. */
  get(username: string): Promise<UserRecord | null>;
  /** Rejects NotFoundError when absent; ConflictError('email') when the new email belongs to another user. */
  update(username: string, patch: UserPatch): Promise<UserRecord>;
  /** Number of accounts (admin bootstrap needs "is this the first start"). */
  count(): Promise<number>;
}

export interface OrganizationStore {
  /** Rejects ConflictError('username') when the name is taken by a user or an organisation. */
  create(org: OrganizationRecord): Promise<void>;
  get(name: string): Promise<OrganizationRecord | null>;
  /** Rejects NotFoundError when the organisation is absent. Idempotent. Returns the updated record. */
  addMember(name: string, username: string): Promise<OrganizationRecord>;
  removeMember(name: string, username: string): Promise<OrganizationRecord>;
}

export interface RepositoryStore {
  /** Creates the repository if absent; returns the stored record and whether it was created now. */
  create(record: RepositoryRecord): Promise<{ record: RepositoryRecord; created: boolean }>;
  /** Null when absent. */
  get(namespace: string, repository: string): Promise<RepositoryRecord | null>;
  /** Rejects NotFoundError when absent. Sets `updatedAt` to `now`. */
  update(namespace: string, repository: string, patch: RepositoryPatch, now: number): Promise<RepositoryRecord>;
  /**
   * Removes the repository, its image list, its stars and every token issued for it, atomically.
   * Returns false when it did not exist.
   */
  delete(namespace: string, repository: string): Promise<boolean>;
  /**
   * Merges `images` into the repository's list and returns the stored list (§3.2 item 3): when nothing is
   * stored yet the list is stored verbatim (`Tag` keys included); otherwise entries are combined,
   * deduplicated by id keeping only `id` and `checksum`, a stored checksum is never overwritten, and
   * nothing is ever removed. Atomic against concurrent merges. Rejects NotFoundError for an unknown repository.
   */
  mergeImages(namespace: string, repository: string, images: readonly ImageEntry[]): Promise<ImageEntry[]>;
  /** Null when the repository is unknown; [] when it exists with no images. */
  listImages(namespace: string, repository: string): Promise<ImageEntry[] | null>;
  /**
   * Appends `images` (as given) to the repository's push in progress, atomically against concurrent calls;
   * a push started before `abandonedBefore` is dropped first and a new one starts at `now` for `user`.
   * Returns the push in progress. Rejects NotFoundError for an unknown repository.
   */
  addPending(namespace: string, repository: string, images: readonly ImageEntry[], user: string, now: number, abandonedBefore: number): Promise<PendingPush>;
  /** The push in progress (entries in the order added, repeats included), or null. */
  getPending(namespace: string, repository: string): Promise<PendingPush | null>;
  /** Ends the push in progress and returns it (null when none), atomically: two callers never both get it. */
  takePending(namespace: string, repository: string): Promise<PendingPush | null>;
  /**
   * Claims each id nobody claimed yet for `repository` (`ns/repo`): image ids are global, and the first
   * repository to declare an id is the one that may upload it. Returns the claimant of every id given.
   */
  claimImages(repository: string, ids: readonly string[]): Promise<Record<string, string>>;
  /** The claimant of each id that has one. */
  imageClaims(ids: readonly string[]): Promise<Record<string, string>>;
  /** Every repository, sorted by `ns/repo`, with star counts. */
  listAll(): Promise<RepositorySummary[]>;
  /**
   * Every repository whose `ns/repo` or description contains `term`, compared lower-cased ('' matches all),
   * sorted by `ns/repo`, with star counts: what search filters by visibility and pages in the domain.
   */
  search(term: string): Promise<RepositorySummary[]>;
  /** Idempotent; returns the new star count. Rejects NotFoundError for an unknown repository. */
  star(namespace: string, repository: string, username: string): Promise<number>;
  unstar(namespace: string, repository: string, username: string): Promise<number>;
  /** How many users star the repository; 0 for an unknown repository. */
  starCount(namespace: string, repository: string): Promise<number>;
  /** Whether `username` stars the repository; false for an unknown repository. */
  starredBy(namespace: string, repository: string, username: string): Promise<boolean>;
}

export interface TokenStore {
  /**
   * Stores the token until `expiresAt` (the store may forget it any time after; expiry decisions are the
   * token service's). Rejects NotFoundError when its repository does not exist (a token never outlives the
   * repository it is for).
   */
  save(token: TokenRecord): Promise<void>;
  /** Looked up by key — repository and signature — never by scanning. Null when absent or forgotten. */
  get(repository: string, signature: string): Promise<TokenRecord | null>;
  /** Removes one token; no error when absent. */
  delete(repository: string, signature: string): Promise<void>;
  /** Removes every token of a repository; returns how many. */
  revokeAll(repository: string): Promise<number>;
}

export interface SessionStore {
  /** Stores the session until `expiresAt` (the store may forget it any time after). */
  save(session: SessionRecord): Promise<void>;
  /** Null when absent, forgotten or expired. */
  get(id: string): Promise<SessionRecord | null>;
  /** No error when absent. */
  delete(id: string): Promise<void>;
}

export interface WebhookStore {
  add(hook: WebhookRecord): Promise<void>;
  /** The repository's hooks, oldest first; [] when none. */
  list(repository: string): Promise<WebhookRecord[]>;
  /** False when the repository has no such hook. */
  remove(repository: string, id: string): Promise<boolean>;
  /** Every hook of a repository goes (the repository is purged); deliveries already queued stay. */
  removeAll(repository: string): Promise<void>;
  /** Queues a delivery (state pending). Keeps the most recent `historyLimit` deliveries of its hook, dropping older finished ones. */
  enqueue(delivery: DeliveryRecord): Promise<void>;
  /**
   * Claims up to `limit` pending deliveries due at `now`, oldest due first, atomically: each claimed one is
   * moved to `now + leaseMs`, so two senders (two Indexes on one Redis) never claim the same one at once, and
   * a sender that dies mid-try leaves it to be claimed again when the lease runs out.
   */
  claimDue(now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]>;
  /** Records a try: `next` is when to try again (still pending), or the final state. Null when the delivery is gone. */
  recordAttempt(id: string, attempt: DeliveryAttempt, next: { readonly state: 'pending'; readonly nextAt: number } | { readonly state: 'delivered' | 'failed' }): Promise<DeliveryRecord | null>;
  /** A hook's deliveries, most recent first. */
  history(hookId: string, limit: number): Promise<DeliveryRecord[]>;
}

export interface AuditLog {
  /** Appends an event; the log keeps the most recent `capacity` events. */
  append(event: AuditEvent): Promise<void>;
  /** Most recent first. */
  list(limit: number): Promise<AuditEvent[]>;
}

export interface MetadataStore {
  readonly kind: 'memory' | 'file' | 'redis';
  readonly users: UserStore;
  readonly organizations: OrganizationStore;
  readonly repositories: RepositoryStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly webhooks: WebhookStore;
  readonly audit: AuditLog;
  /** Resolves when the backend answers; rejects StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every store operation: whether it writes (a write is acknowledged only once it is as safe as the store was
 * told to make it, see redis/replication-barrier.ts) and what it costs on Redis, in the sizes it depends on.
 * None is a KEYS or SCAN; `listAll` is the only one whose cost grows with the number of repositories.
 */
export type StoreAccess = 'read' | 'write';
export interface StoreOperation {
  readonly access: StoreAccess;
  /** Whether a caller waits on this write (only those get the replication barrier). */
  readonly acknowledged: boolean;
  readonly cost: string;
}
const read = (cost: string): StoreOperation => ({ access: 'read', acknowledged: false, cost });
const write = (cost: string): StoreOperation => ({ access: 'write', acknowledged: true, cost });
/**
 * A write nobody is answered on: the audit trail, whose failures every caller logs and drops (a validation
 * does not even await it). A replication barrier after it would promise nothing and hold the connection.
 */
const unacknowledgedWrite = (cost: string): StoreOperation => ({ access: 'write', acknowledged: false, cost });

export const STORE_OPERATIONS = {
  users: { create: write('O(1)'), get: read('O(1)'), update: write('O(1)'), count: read('O(1), SCARD') } satisfies Record<keyof UserStore, StoreOperation>,
  organizations: { create: write('O(1)'), get: read('O(members)'), addMember: write('O(members)'), removeMember: write('O(members)') } satisfies Record<keyof OrganizationStore, StoreOperation>,
  repositories: {
    create: write('O(log repositories), the {repos} ZADD'),
    get: read('O(1)'),
    update: write('O(1)'),
    delete: write('O(tokens of the repository + log repositories)'),
    mergeImages: write('O(images of the repository)'),
    listImages: read('O(images of the repository)'),
    addPending: write('O(images of the push)'),
    getPending: read('O(images of the push)'),
    takePending: write('O(images of the push)'),
    claimImages: write('O(ids)'),
    imageClaims: read('O(ids)'),
    listAll: read('O(repositories): the Web UI home page and user pages, and gc\'s pending images'),
    search: read('O(repositories matching the term), from the trigram index, for a term of 3 bytes or more; O(repositories) for a shorter one, which matches most of them anyway'),
    star: write('O(1)'),
    unstar: write('O(1)'),
    starCount: read('O(1), SCARD'),
    starredBy: read('O(1)'),
  } satisfies Record<keyof RepositoryStore, StoreOperation>,
  tokens: { save: write('O(log tokens of the repository)'), get: read('O(1), one GET'), delete: write('O(log tokens of the repository)'), revokeAll: write('O(tokens of the repository)') } satisfies Record<keyof TokenStore, StoreOperation>,
  sessions: { save: write('O(1)'), get: read('O(1)'), delete: write('O(1)') } satisfies Record<keyof SessionStore, StoreOperation>,
  webhooks: {
    add: write('O(1)'),
    list: read('O(hooks of the repository)'),
    remove: write('O(1)'),
    removeAll: write('O(hooks of the repository)'),
    enqueue: write('O(history kept per hook)'),
    claimDue: write('O(limit · log due deliveries)'),
    recordAttempt: write('O(1)'),
    history: read('O(limit)'),
  } satisfies Record<keyof WebhookStore, StoreOperation>,
  audit: { append: unacknowledgedWrite('O(1), LPUSH + LTRIM'), list: read('O(limit)') } satisfies Record<keyof AuditLog, StoreOperation>,
} as const;

/** The family of errors a store rejects with. */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ConflictError extends StoreError {
  constructor(readonly field: 'username' | 'email' | 'repository', message = `${field} already exists`) {
    super(message);
  }
}

export class NotFoundError extends StoreError {
  constructor(readonly what: 'user' | 'organization' | 'repository', readonly key: string) {
    super(`${what} not found: ${key}`);
  }
}

/** The backend did not answer (in time): the request gets a 503 and the service keeps running. */
export class StoreUnavailableError extends StoreError {}
