/**
 * THE Redis key layout of the Index's metadata (design §6.2). Every key the Redis store touches is built
 * here; nothing else spells a key.
 *
 *   <p> = key prefix, default "v1hub:" (configurable so parallel runs can share one Redis)
 *
 *   Names: users and organisations share one namespace, so both live in the name's slot and "is the name
 *   free" is one atomic check.
 *   <p>{ns:<name>}:user                 hash    username email passwordHash active admin createdAt
 *   <p>{ns:<name>}:org                  hash    name owner createdAt
 *   <p>{ns:<name>}:members              set     member usernames (owner included)
 *   <p>{email:<lower-cased address>}    string  username that owns the address (uniqueness claim)
 *   <p>{users}                          set     every username (count)
 *
 *   Repositories: everything of one repository shares the hash tag {repo:<ns>/<name>}, hence one slot, so
 *   each multi-key operation (create, merge, delete with all tokens, token save) is one MULTI or Lua call
 *   and works on Redis Cluster.
 *   <p>{repo:<ns>/<name>}:meta          hash    namespace repository owner private description
 *                                               collaborators(JSON) deletePending createdAt updatedAt
 *   <p>{repo:<ns>/<name>}:images        string  the image list, JSON (absent until the first PUT)
 *   <p>{repo:<ns>/<name>}:stars         set     usernames
 *   <p>{repo:<ns>/<name>}:token:<sig>   string  TokenRecord JSON, expiring at expiresAt (SET … PXAT)
 *   <p>{repo:<ns>/<name>}:tokens        zset    signature → expiresAt; lets delete/revoke find the
 *                                               repository's tokens by key (never KEYS or SCAN); expires
 *                                               with its last token
 *   <p>{repo:<ns>/<name>}:pending       list    ImageEntry JSON of the push in progress (I6 → I9), appended
 *   <p>{repo:<ns>/<name>}:pendingPush   string  {"user","startedAt"} of that push
 *   <p>{claims}                         hash    image id → "<ns>/<name>" that declared it first (HSETNX)
 *   <p>{repos}                          zset    "<ns>/<name>", all scores 0 (listAll)
 *
 *   Search: one slot, so a query intersects its trigram sets in one script.
 *   <p>{search}:text                    hash    "<ns>/<name>" → lower-cased "<ns>/<name>\n<description>"
 *   <p>{search}:tri:<3 bytes>           set     "<ns>/<name>" of every repository whose text contains them
 *   <p>{search}:built                   string  set once the index holds every repository (first start)
 *
 *   <p>{audit}                          list    AuditEvent JSON, newest first, trimmed to capacity
 *   <p>{session:<id>}                   string  SessionRecord JSON, expiring at expiresAt (SET … PXAT);
 *                                               <id> is the cookie's sha256, never the cookie
 *
 *   Webhooks: one slot, so claiming due deliveries is one atomic script whichever Index runs it.
 *   <p>{webhooks}:hooks:<ns>/<name>     hash    hook id → WebhookRecord JSON
 *   <p>{webhooks}:delivery:<id>         string  DeliveryRecord JSON
 *   <p>{webhooks}:due                   zset    pending delivery id → when it is due (a claim moves it a lease ahead)
 *   <p>{webhooks}:hook:<hookId>         list    the hook's delivery ids, oldest first (its history)
 *
 * Operations that span slots (a user and their email claim; a repository and the {repos} index) run as
 * claim-then-create with rollback, each step atomic in its slot; see redis-metadata-store.ts.
 */

export const DEFAULT_KEY_PREFIX = 'v1hub:';

export class RedisKeys {
  /** Rejects a prefix with `{` or `}`: it would become the hash tag and put every key in one slot. */
  constructor(readonly prefix: string = DEFAULT_KEY_PREFIX) {
    if (/[{}]/.test(prefix)) throw new RangeError(`Redis key prefix must not contain "{" or "}": ${JSON.stringify(prefix)}`);
  }

  user(username: string): string {
    return `${this.prefix}{ns:${username}}:user`;
  }

  organization(name: string): string {
    return `${this.prefix}{ns:${name}}:org`;
  }

  members(name: string): string {
    return `${this.prefix}{ns:${name}}:members`;
  }

  email(email: string): string {
    return `${this.prefix}{email:${email.toLowerCase()}}`;
  }

  users(): string {
    return `${this.prefix}{users}`;
  }

  /** `repository` is `ns/name`. */
  repository(repository: string): RepositoryKeys {
    const base = `${this.prefix}{repo:${repository}}`;
    return {
      meta: `${base}:meta`,
      images: `${base}:images`,
      stars: `${base}:stars`,
      tokens: `${base}:tokens`,
      pending: `${base}:pending`,
      pendingPush: `${base}:pendingPush`,
      tokenPrefix: `${base}:token:`,
      token: (signature) => `${base}:token:${signature}`,
    };
  }

  claims(): string {
    return `${this.prefix}{claims}`;
  }

  repositories(): string {
    return `${this.prefix}{repos}`;
  }

  searchText(): string {
    return `${this.prefix}{search}:text`;
  }

  /** `searchTrigram(t)` is this plus the trigram; the search scripts build those keys from it. */
  searchTrigramPrefix(): string {
    return `${this.prefix}{search}:tri:`;
  }

  searchBuilt(): string {
    return `${this.prefix}{search}:built`;
  }

  audit(): string {
    return `${this.prefix}{audit}`;
  }

  session(id: string): string {
    return `${this.prefix}{session:${id}}`;
  }

  webhooks(repository: string): string {
    return `${this.prefix}{webhooks}:hooks:${repository}`;
  }

  /** `delivery(id)` is this plus the id; the claim script builds delivery keys from it. */
  deliveryPrefix(): string {
    return `${this.prefix}{webhooks}:delivery:`;
  }

  delivery(id: string): string {
    return `${this.deliveryPrefix()}${id}`;
  }

  deliveriesDue(): string {
    return `${this.prefix}{webhooks}:due`;
  }

  hookDeliveries(hookId: string): string {
    return `${this.prefix}{webhooks}:hook:${hookId}`;
  }
}

export interface RepositoryKeys {
  readonly meta: string;
  readonly images: string;
  readonly stars: string;
  readonly pending: string;
  readonly pendingPush: string;
  readonly tokens: string;
  /** `token(sig)` is this plus the signature; Lua scripts build token keys from it. */
  readonly tokenPrefix: string;
  token(signature: string): string;
}

/**
 * The part of a key Redis Cluster hashes: the text between the first `{` and the next `}` when non-empty,
 * else the whole key. Keys with equal hash tags share a slot.
 */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close === -1 || close === open + 1 ? key : key.slice(open + 1, close);
}
