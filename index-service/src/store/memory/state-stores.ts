/**
 * The six MetadataStore parts over a StateEngine: reads are queries on the state, changes are operations.
 * Shared by the memory store and the file store, which differ only in what the engine does with an
 * operation after applying it.
 */
import {
  matchesSearchTerm,
  repositorySummary,
  type AuditEvent,
  type AuditLog,
  type ImageEntry,
  type OrganizationStore,
  type RepositoryStore,
  type SessionRecord,
  type SessionStore,
  type DeliveryRecord,
  type WebhookStore,
  type TokenRecord,
  type TokenStore,
  type UserStore,
} from '../metadata-store.js';
import type { StateEngine } from './state-engine.js';
import { repositoryKey } from './store-state.js';

export interface StateStores {
  readonly users: UserStore;
  readonly organizations: OrganizationStore;
  readonly repositories: RepositoryStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly webhooks: WebhookStore;
  readonly audit: AuditLog;
}

export function createStateStores(engine: StateEngine, auditCapacity: number): StateStores {
  const users: UserStore = {
    create: (user) => engine.write({ type: 'createUser', user }),
    get: (username) => engine.read((state) => state.users.get(username) ?? null),
    update: (username, patch) => engine.write({ type: 'updateUser', username, patch }),
    count: () => engine.read((state) => state.users.size),
  };

  const organizations: OrganizationStore = {
    create: (org) => engine.write({ type: 'createOrganization', org }),
    get: (name) => engine.read((state) => state.organizations.get(name) ?? null),
    addMember: (name, username) => engine.write({ type: 'addMember', name, username }),
    removeMember: (name, username) => engine.write({ type: 'removeMember', name, username }),
  };

  const repositories: RepositoryStore = {
    create: (record) => engine.write({ type: 'createRepository', record }),
    get: (namespace, repository) => engine.read((state) => state.repositories.get(repositoryKey(namespace, repository))?.record ?? null),
    update: (namespace, repository, patch, now) => engine.write({ type: 'updateRepository', namespace, repository, patch, now }),
    delete: (namespace, repository) => engine.write({ type: 'deleteRepository', namespace, repository }),
    mergeImages: (namespace, repository, images) => engine.write({ type: 'mergeImages', namespace, repository, images }),
    listImages: (namespace, repository) =>
      engine.read((state): ImageEntry[] | null => {
        const repo = state.repositories.get(repositoryKey(namespace, repository));
        return repo === undefined ? null : (repo.images ?? []);
      }),
    addPending: (namespace, repository, images, user, now, abandonedBefore) => engine.write({ type: 'addPending', namespace, repository, images, user, now, abandonedBefore }),
    getPending: (namespace, repository) => engine.read((state) => state.repositories.get(repositoryKey(namespace, repository))?.pending ?? null),
    takePending: (namespace, repository) => engine.write({ type: 'takePending', namespace, repository }),
    claimImages: (repository, ids) => engine.write({ type: 'claimImages', repository, ids }),
    imageClaims: (ids) =>
      engine.read((state) => {
        const claims: Record<string, string> = {};
        for (const id of ids) {
          const claimant = state.claims.get(id);
          if (claimant !== undefined) claims[id] = claimant;
        }
        return claims;
      }),
    listAll: () =>
      engine.read((state) =>
        [...state.repositories.entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([, repo]) => repositorySummary(repo.record, repo.stars.size)),
      ),
    // In-process, a pass over the records costs microseconds per repository: no index to keep.
    search: (term) =>
      engine.read((state) => {
        const lower = term.toLowerCase();
        return [...state.repositories.entries()]
          .filter(([, repo]) => matchesSearchTerm(repo.record, lower))
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([, repo]) => repositorySummary(repo.record, repo.stars.size));
      }),
    star: (namespace, repository, username) => engine.write({ type: 'star', namespace, repository, username }),
    unstar: (namespace, repository, username) => engine.write({ type: 'unstar', namespace, repository, username }),
    starCount: (namespace, repository) => engine.read((state) => state.repositories.get(repositoryKey(namespace, repository))?.stars.size ?? 0),
    starredBy: (namespace, repository, username) => engine.read((state) => state.repositories.get(repositoryKey(namespace, repository))?.stars.has(username) ?? false),
  };

  const tokens: TokenStore = {
    save: (token) => engine.write({ type: 'saveToken', token }),
    get: (repository, signature) =>
      engine.read((state): TokenRecord | null => {
        const stored = state.repositories.get(repository)?.tokens;
        const token = stored?.get(signature);
        if (stored === undefined || token === undefined) return null;
        if (token.expiresAt > engine.now()) return token;
        // Forgotten on access: the token service would refuse it anyway, and replay plus sweep agree.
        stored.delete(signature);
        return null;
      }),
    delete: (repository, signature) => engine.write({ type: 'deleteToken', repository, signature }),
    revokeAll: (repository) => engine.write({ type: 'revokeTokens', repository, now: engine.now() }),
  };

  const sessions: SessionStore = {
    save: (session) => engine.write({ type: 'saveSession', session }),
    get: (id) =>
      engine.read((state): SessionRecord | null => {
        const session = state.sessions.get(id);
        return session !== undefined && session.expiresAt > engine.now() ? session : null;
      }),
    delete: (id) => engine.write({ type: 'deleteSession', id }),
  };

  const webhooks: WebhookStore = {
    add: (hook) => engine.write({ type: 'addWebhook', hook }),
    list: (repository) => engine.read((state) => state.webhooks.get(repository) ?? []),
    remove: (repository, id) => engine.write({ type: 'removeWebhook', repository, id }),
    removeAll: (repository) => engine.write({ type: 'removeWebhooks', repository }),
    enqueue: (delivery) => engine.write({ type: 'enqueueDelivery', delivery }),
    claimDue: (now, leaseMs, limit) => engine.write({ type: 'claimDeliveries', now, leaseMs, limit }),
    recordAttempt: (id, attempt, next) => engine.write({ type: 'recordDeliveryAttempt', id, attempt, next }),
    history: (hookId, limit) =>
      engine.read((state): DeliveryRecord[] =>
        (state.deliveriesByHook.get(hookId) ?? []).slice(-Math.max(0, limit)).reverse().flatMap((id) => {
          const delivery = state.deliveries.get(id);
          return delivery ? [delivery] : [];
        }),
      ),
  };

  const audit: AuditLog = {
    append: (event) => engine.write({ type: 'appendAudit', event }),
    list: (limit) =>
      engine.read((state): AuditEvent[] => {
        const count = Math.min(Math.max(0, Math.floor(limit)), auditCapacity, state.audit.length);
        return count === 0 ? [] : state.audit.slice(-count).reverse();
      }),
  };

  return { users, organizations, repositories, tokens, sessions, webhooks, audit };
}
