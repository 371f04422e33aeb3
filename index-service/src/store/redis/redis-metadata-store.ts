/**
 * The MetadataStore on Redis (`redis://`, `redis+cluster://`, `redis+sentinel://`) through ioredis. The key
 * layout is drawn in keys.ts; connection behaviour (fail fast while Redis is away, reconnect by itself) is
 * in redis-connection.ts. Every failure to reach Redis rejects with StoreUnavailableError.
 */
import type { Logger } from '@v1hub/shared';
import { STORE_OPERATIONS, type AuditLog, type MetadataStore, type OrganizationStore, type RepositoryStore, type SessionStore, type TokenStore, type UserStore, type WebhookStore } from '../metadata-store.js';
import type { RedisTarget } from '../metadata-url.js';
import { DEFAULT_AUDIT_CAPACITY, type CommonStoreOptions } from '../store-options.js';
import { DEFAULT_KEY_PREFIX, RedisKeys } from './keys.js';
import { connectRedis } from './redis-connection.js';
import { guard, type RedisContext } from './redis-support.js';
import { acknowledgedWrites, replicationBarrier } from './replication-barrier.js';
import { createRedisRepositoryStore, ensureSearchIndex } from './redis-repository-store.js';
import { createRedisAuditLog, createRedisSessionStore, createRedisTokenStore } from './redis-token-store.js';
import { createRedisOrganizationStore, createRedisUserStore } from './redis-user-stores.js';
import { createRedisWebhookStore } from './redis-webhook-store.js';
import type { RedisClient } from './scripts.js';

export interface RedisMetadataStoreOptions extends CommonStoreOptions {
  /** Prepended to every key; defaults to DEFAULT_KEY_PREFIX (`v1hub:`). Must not contain `{` or `}`. */
  readonly keyPrefix?: string;
  /** How long opening waits for Redis to answer; defaults to READY_WAIT_MS (5 s). */
  readonly readyWaitMs?: number;
  /** Acknowledge a write once this many replicas have it (replication-barrier.ts); default 0. */
  readonly replicas?: number;
}

/** Connects (waiting up to READY_WAIT_MS for Redis) and returns the store; rejects StoreUnavailableError when Redis does not answer. */
export async function openRedisMetadataStore(target: RedisTarget, options: RedisMetadataStoreOptions = {}): Promise<RedisMetadataStore> {
  const keys = new RedisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
  const client = await connectRedis(target, { log: options.log, readyWaitMs: options.readyWaitMs });
  try {
    await guard(() => ensureSearchIndex({ client, keys }));
  } catch (err) {
    client.disconnect();
    throw err;
  }
  return new RedisMetadataStore(client, keys, options);
}

export class RedisMetadataStore implements MetadataStore {
  readonly kind = 'redis';
  readonly users: UserStore;
  readonly organizations: OrganizationStore;
  readonly repositories: RepositoryStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly webhooks: WebhookStore;
  readonly audit: AuditLog;
  private readonly log: Logger | undefined;

  /** Use openRedisMetadataStore(); the store owns `client` and closes it. */
  constructor(
    private readonly client: RedisClient,
    readonly keys: RedisKeys,
    options: RedisMetadataStoreOptions = {},
  ) {
    const context: RedisContext = { client, keys };
    this.log = options.log;
    const barrier = replicationBarrier(client, options.replicas ?? 0);
    this.users = acknowledgedWrites(createRedisUserStore(context), STORE_OPERATIONS.users, barrier);
    this.organizations = acknowledgedWrites(createRedisOrganizationStore(context), STORE_OPERATIONS.organizations, barrier);
    this.repositories = acknowledgedWrites(createRedisRepositoryStore(context), STORE_OPERATIONS.repositories, barrier);
    this.tokens = acknowledgedWrites(createRedisTokenStore(context), STORE_OPERATIONS.tokens, barrier);
    this.sessions = acknowledgedWrites(createRedisSessionStore(context), STORE_OPERATIONS.sessions, barrier);
    this.webhooks = acknowledgedWrites(createRedisWebhookStore(context), STORE_OPERATIONS.webhooks, barrier);
    this.audit = acknowledgedWrites(createRedisAuditLog(context, options.auditCapacity ?? DEFAULT_AUDIT_CAPACITY), STORE_OPERATIONS.audit, barrier);
  }

  ping(): Promise<void> {
    return guard(async () => {
      await this.client.ping();
    });
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch (err) {
      // Redis is away: QUIT cannot be sent, so just drop the connection (and stop reconnecting).
      this.log?.debug('Redis QUIT failed; disconnecting', { err: (err as Error).message });
      this.client.disconnect();
    }
  }
}
