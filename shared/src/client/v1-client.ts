/**
 * The v1 client shim: what a Docker 1.5 daemon did against an Index and its registries, one method per
 * workflow (v1-protocol.md §6), plus the improvements listed in each workflow's file (concurrent and
 * resumable transfers, checksum verification on pull, retries, endpoint failover).
 */
import type { ImageReference } from '../protocol/names.js';
import { V1ClientError } from './client-error.js';
import type { ClientContext } from './context.js';
import { deleteRepository } from './delete.js';
import { openDockerSave } from './docker-save.js';
import { DEFAULT_COMPRESSION_LEVEL } from './parallel-gzip.js';
import type { ExchangeHook } from './exchange.js';
import type { LocalImageSet } from './image-source.js';
import { IndexApi } from './index-api.js';
import { listTags, type TagsResult } from './list-tags.js';
import { login, type LoginInput, type LoginResult } from './login.js';
import { pingIndex, type PingResult } from './ping.js';
import type { LayerProgressHook } from './progress.js';
import { pull, type PullOptions } from './pull.js';
import { push } from './push.js';
import { RegistryApi } from './registry-api.js';
import { displayName, remoteRepository, toImageReference, type BasicCredentials } from './remote.js';
import type { DeleteReport, PullReport, PushReport } from './reports.js';
import type { RetryPolicy } from './retry.js';
import { search, type SearchResult } from './search.js';
import { Transport, type RetryNotice } from './transport.js';
import { manage } from './manage.js';

/** Options of {@link createV1Client}. */
export interface V1ClientOptions {
  /** `scheme://host[:port]` of the Index (or of a standalone registry acting as its own Index). */
  readonly indexUrl: string;
  /** Who is logged in; null or absent for nobody. */
  readonly credentials?: BasicCredentials | null;
  /** Layers transferred at once, push and pull (default 3, at least 1). */
  readonly concurrency?: number;
  /** gzip level of pushed layers, 1–9 (default 6, as Docker). */
  readonly compressionLevel?: number;
  /** Backoff for idempotent calls and layer resumes (default 3 retries from 200 ms). */
  readonly retry?: Partial<RetryPolicy>;
  /** Milliseconds without any byte moving before a call is abandoned (default 30 000). */
  readonly timeoutMs?: number;
  /** Overrides the Docker 1.5 User-Agent. */
  readonly userAgent?: string;
  /** CA certificates (PEM) trusted for https besides Node's (`--ca FILE`). */
  readonly ca?: string | Buffer;
  /** Receives every HTTP exchange, credentials masked. */
  /** Told before each retry of a call (which service, which host, why). */
  readonly onRetry?: (retry: RetryNotice) => void;
  readonly onExchange?: ExchangeHook;
  /** Receives the byte progress of every layer pushed or pulled, while it streams. */
  readonly onLayerProgress?: LayerProgressHook;
}

/** A v1 client bound to one Index. Call close() when done to release its connections. */
export interface V1Client {
  /** The Index this client talks to. */
  readonly indexUrl: string;
  /** Who is logged in (set by a successful login), or null. */
  readonly credentials: BasicCredentials | null;
  /** `GET /v2/` then `GET /v1/_ping` (§6.1 step 1). */
  ping(): Promise<PingResult>;
  /** Creates the account or checks the password (§6.1); on success later calls use these credentials. */
  login(input: LoginInput): Promise<LoginResult>;
  /** Pushes a `docker save` tarball (path) or any {@link LocalImageSet} to `ref` (§6.3). */
  push(ref: string | ImageReference, source: string | LocalImageSet): Promise<PushReport>;
  /** Pulls `ref`, verifying every layer; writes a `docker save` tarball when `to` is given (§6.2). */
  pull(ref: string | ImageReference, opts?: PullOptions): Promise<PullReport>;
  /** The delete flow of §6.4. */
  deleteRepository(ref: string | ImageReference): Promise<DeleteReport>;
  /** Searches the Index (§6.5). */
  search(term: string, opts?: { limit?: number }): Promise<SearchResult>;
  /** The tags of a repository (§6.2 steps 1–2a). */
  tags(ref: string | ImageReference): Promise<TagsResult>;
  /** v1hub's JSON endpoints (README "The Index beyond v1"): each resolves the Index's JSON answer. */
  repositoryInfo(ref: string | ImageReference): Promise<unknown>;
  updateRepository(ref: string | ImageReference, patch: { description?: string; private?: boolean }): Promise<unknown>;
  setCollaborator(ref: string | ImageReference, username: string, present: boolean): Promise<unknown>;
  /** The repository's webhooks (managers only; secrets are never listed). */
  webhooks(ref: string | ImageReference): Promise<unknown>;
  /** Adds a webhook; the answer carries its secret, this once. */
  addWebhook(ref: string | ImageReference, hook: { url: string; events?: readonly string[]; secret?: string }): Promise<unknown>;
  removeWebhook(ref: string | ImageReference, hookId: string): Promise<unknown>;
  webhookDeliveries(ref: string | ImageReference, hookId: string): Promise<unknown>;
  setStar(ref: string | ImageReference, starred: boolean): Promise<unknown>;
  createOrganization(name: string): Promise<unknown>;
  organization(name: string): Promise<unknown>;
  setOrganizationMember(org: string, username: string, present: boolean): Promise<unknown>;
  /** Closes idle connections. */
  close(): void;
}

/** Creates a client. Nothing is sent until a method is called. */
export function createV1Client(options: V1ClientOptions): V1Client {
  const indexUrl = new URL(options.indexUrl).origin;
  const transport = new Transport({
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.onExchange ? { onExchange: options.onExchange } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    ...(options.ca ? { ca: options.ca } : {}),
  });
  let credentials: BasicCredentials | null = options.credentials ?? null;
  const context = (): ClientContext => ({
    transport,
    index: new IndexApi(transport, indexUrl),
    registry: new RegistryApi(transport),
    indexUrl,
    credentials,
    concurrency: Math.max(1, Math.floor(options.concurrency ?? 3)),
    compressionLevel: Math.min(9, Math.max(1, Math.floor(options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL))),
    ...(options.onLayerProgress ? { onLayerProgress: options.onLayerProgress } : {}),
  });

  return {
    indexUrl,
    get credentials() {
      return credentials;
    },
    ping: () => pingIndex(context(), `ping ${new URL(indexUrl).host}`),
    async login(input) {
      const result = await login(context(), input);
      credentials = { username: input.username, password: input.password };
      return result;
    },
    async push(ref, source) {
      if (typeof source !== 'string') return push(context(), ref, source);
      const parsed = toImageReference(ref);
      try {
        const archive = await openDockerSave(source);
        return push(context(), parsed, archive.select(parsed));
      } catch (err) {
        if (err instanceof V1ClientError) throw err;
        throw new V1ClientError({ operation: `push ${displayName(remoteRepository(parsed))}`, detail: (err as Error).message, code: 'SOURCE', cause: err });
      }
    },
    pull: (ref, opts) => pull(context(), ref, opts),
    deleteRepository: (ref) => deleteRepository(context(), ref),
    search: (term, opts) => search(context(), term, opts),
    tags: (ref) => listTags(context(), ref),
    repositoryInfo: (ref) => manage.repositoryInfo(context(), toImageReference(ref)),
    updateRepository: (ref, patch) => manage.updateRepository(context(), toImageReference(ref), patch),
    setCollaborator: (ref, username, present) => manage.setCollaborator(context(), toImageReference(ref), username, present),
    webhooks: (ref) => manage.webhooks(context(), toImageReference(ref)),
    addWebhook: (ref, hook) => manage.addWebhook(context(), toImageReference(ref), hook),
    removeWebhook: (ref, hookId) => manage.removeWebhook(context(), toImageReference(ref), hookId),
    webhookDeliveries: (ref, hookId) => manage.webhookDeliveries(context(), toImageReference(ref), hookId),
    setStar: (ref, starred) => manage.setStar(context(), toImageReference(ref), starred),
    createOrganization: (name) => manage.createOrganization(context(), name),
    organization: (name) => manage.organization(context(), name),
    setOrganizationMember: (org, username, present) => manage.setOrganizationMember(context(), org, username, present),
    close: () => transport.close(),
  };
}
