/**
 * The volatile MetadataStore: everything in one process's memory, lost on exit. The test double for every
 * service test, and proven faithful by the shared contract suite.
 *
 * Records are copied in and out, so a caller can never change stored state by mutating an object. Expired
 * tokens are forgotten when looked up and by a background sweep (unref'd: it never keeps the process up).
 */
import { systemClock } from '@v1hub/shared';
import { StoreUnavailableError, type AuditLog, type MetadataStore, type OrganizationStore, type RepositoryStore, type SessionStore, type TokenStore, type WebhookStore, type UserStore } from '../metadata-store.js';
import { DEFAULT_AUDIT_CAPACITY, type CommonStoreOptions } from '../store-options.js';
import { StateEngine } from './state-engine.js';
import { createStateStores } from './state-stores.js';
import { emptyState } from './store-state.js';

/** How often expired tokens are swept from memory. */
export const TOKEN_SWEEP_INTERVAL_MS = 60_000;

export type MemoryMetadataStoreOptions = CommonStoreOptions;

export class MemoryMetadataStore implements MetadataStore {
  readonly kind = 'memory';
  readonly users: UserStore;
  readonly organizations: OrganizationStore;
  readonly repositories: RepositoryStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly webhooks: WebhookStore;
  readonly audit: AuditLog;
  private readonly engine: StateEngine;
  private closed = false;

  constructor(options: MemoryMetadataStoreOptions = {}) {
    const auditCapacity = options.auditCapacity ?? DEFAULT_AUDIT_CAPACITY;
    this.engine = new StateEngine(emptyState(), {
      clock: options.clock ?? systemClock,
      auditCapacity,
      checkAvailable: () => {
        if (this.closed) throw new StoreUnavailableError('memory metadata store is closed');
      },
      sweepIntervalMs: TOKEN_SWEEP_INTERVAL_MS,
    });
    ({ users: this.users, organizations: this.organizations, repositories: this.repositories, tokens: this.tokens, sessions: this.sessions, webhooks: this.webhooks, audit: this.audit } =
      createStateStores(this.engine, auditCapacity));
  }

  ping(): Promise<void> {
    return this.closed ? Promise.reject(new StoreUnavailableError('memory metadata store is closed')) : Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.engine.stop();
    return Promise.resolve();
  }
}
