/**
 * The composition root of the Index: opens the metadata store and builds the services from a validated
 * config. Nothing here runs at import time.
 */
import { createLogger, readCa, silentLogger, type Logger } from '@v1hub/shared';
import type { IndexConfig } from './config.js';
import { AccessPolicy } from './domain/access-policy.js';
import { OrganizationService } from './domain/organization-service.js';
import { RepositoryService } from './domain/repository-service.js';
import { SearchService } from './domain/search-service.js';
import { SessionService } from './domain/session-service.js';
import { TokenService } from './domain/token-service.js';
import { UserService } from './domain/user-service.js';
import { DEFAULT_KDF, type KdfParams } from './domain/passwords.js';
import { WebhookDispatcher, type WebhookOptions } from './domain/webhooks.js';
import { LiveFeed } from './live/live-feed.js';
import { IndexMetrics } from './metrics.js';
import { createMetadataStore, parseMetadataUrl } from './store/create-metadata-store.js';
import { V2TokenService } from './domain/v2-token-service.js';
import type { AuditEvent, MetadataStore } from './store/metadata-store.js';

export interface IndexDeps {
  readonly config: IndexConfig;
  readonly log: Logger;
  readonly store: MetadataStore;
  readonly users: UserService;
  readonly organizations: OrganizationService;
  readonly repositories: RepositoryService;
  readonly search: SearchService;
  readonly tokens: TokenService;
  readonly sessions: SessionService;
  readonly webhooks: WebhookDispatcher;
  /** What /live shows: this Index's exchanges and its registries' (read only while someone watches). */
  readonly live: LiveFeed;
  /** What `GET /metrics` shows. */
  readonly metrics: IndexMetrics;
  /** The v2 token server (`--v2`), else null. */
  readonly v2Tokens: V2TokenService | null;
  /** CA certificates trusted for the Index's own outgoing https (`--ca`), besides Node's. */
  readonly ca: Buffer | undefined;
  readonly now: () => number;
  /** Appends to the audit trail; a failure is logged, never thrown. */
  audit(event: Omit<AuditEvent, 'time'>): Promise<void>;
  close(): Promise<void>;
}

export interface IndexDepsOptions {
  readonly log?: Logger;
  readonly now?: () => number;
  /** Cheaper KDF parameters for tests; production uses the default. */
  readonly kdf?: KdfParams;
  /** Webhook timing for tests (fast retries); production uses the defaults. */
  readonly webhooks?: Pick<WebhookOptions, 'backoffMs' | 'pollMs' | 'timeoutMs' | 'maxAttempts'>;
  /** Use this store instead of opening one from `config.metadata` (the caller closes it). */
  readonly store?: MetadataStore;
}

export function createIndexLogger(config: Pick<IndexConfig, 'logLevel' | 'logFormat'>, opts: { color?: boolean } = {}): Logger {
  return createLogger({ level: config.logLevel, ...(config.logFormat === 'auto' ? {} : { format: config.logFormat }), ...opts, bindings: { service: 'index' } });
}

export async function createIndexDeps(config: IndexConfig, opts: IndexDepsOptions = {}): Promise<IndexDeps> {
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? Date.now;
  let store = opts.store;
  if (!store) {
    const parsed = parseMetadataUrl(config.metadata);
    if (!parsed.ok) throw new Error(parsed.error);
    store = await createMetadataStore(parsed.value, { keyPrefix: config.keyPrefix, replicas: config.metadataReplicas, log: log.child({ component: 'store' }), clock: { now } });
  }
  const ownsStore = opts.store === undefined;
  const policy = new AccessPolicy(store);
  const metrics = new IndexMetrics();
  const webhooks = new WebhookDispatcher(store, config.webhook, log.child({ component: 'webhooks' }), {
    now,
    allowPrivateTargets: config.webhookPrivateTargets,
    ...opts.webhooks,
    onOutcome: (outcome) => metrics.webhookDeliveries.inc({ outcome }),
  });
  const theStore = store;
  const ca = readCa(config);
  const live = new LiveFeed(config.endpoints, config.eventsKey, log.child({ component: 'live' }), config.tlsCert === null ? 'http' : 'https', ca);
  const repositories = new RepositoryService(store, policy, now);
  const v2Tokens = config.v2 ? await V2TokenService.create({ keyFile: config.v2Key, repositories, ttlSeconds: config.tokenTtl, now }) : null;
  return {
    config,
    log,
    store,
    users: new UserService(store, now, opts.kdf ?? DEFAULT_KDF, config.activation === 'auto'),
    organizations: new OrganizationService(store, now),
    repositories,
    search: new SearchService(store, policy, now),
    tokens: new TokenService(store, policy, config.tokenTtl * 1000, log.child({ component: 'tokens' }), now, {
      issued: (access) => metrics.tokensIssued.inc({ access }),
      validated: (valid) => metrics.validations.inc({ result: valid ? 'true' : 'false' }),
    }),
    sessions: new SessionService(store, now),
    webhooks,
    live,
    metrics,
    v2Tokens,
    ca,
    now,
    async audit(event) {
      try {
        await theStore.audit.append({ time: now(), ...event });
      } catch (err) {
        log.warn('audit append failed', { err, kind: event.kind });
      }
    },
    async close() {
      live.close();
      await webhooks.stop();
      if (ownsStore) await theStore.close();
    },
  };
}
