/**
 * The first two steps of a pull (v1-protocol.md §6.2 steps 1 and 2a), shared by `pull` and `tags`: ask
 * the Index for the image list, a read token and the endpoints; then take the tag list from the first
 * registry that answers 200.
 */
import { Header } from '../protocol/headers.js';
import { V1ClientError } from './client-error.js';
import { asClientError, attempt, isServerUnavailable, protocolError, responseError, type ClientContext } from './context.js';
import type { PingResult } from './ping.js';
import { basicAuthorization, canonicalRepoParams, hostOf, registryEndpoints, tokenAuthorization, type RemoteRepository } from './remote.js';
import type { StepLog } from './reports.js';

/** What the Index handed out for a read. */
export interface ReadSession {
  /** Registry base URLs in the Index's order. */
  readonly endpoints: readonly string[];
  /** The `Authorization` value for registry calls. */
  readonly authorization: string;
  /** Image ids the Index lists for the repository (checksums ignored, as Docker did). */
  readonly imageIds: readonly string[];
}

/** Step 1: `GET /v1/repositories/<repo>/images` with `X-Docker-Token: true` (+ Basic when logged in). */
export async function openReadSession(ctx: ClientContext, repo: RemoteRepository, operation: string, ping: PingResult, log: StepLog): Promise<ReadSession> {
  const authorization = ctx.credentials ? basicAuthorization(ctx.credentials) : null;
  const res = await attempt(operation, () => ctx.index.getRepositoryImages(repo, { authorization }));
  log.add({ step: '1', action: 'getRepositoryImages', status: res.status, endpoint: hostOf(ctx.indexUrl) });
  if (res.status !== 200) throw await responseError(operation, res);
  const list = await attempt(operation, () => res.json());
  if (!Array.isArray(list)) throw protocolError(operation, res, 'the image list is not a JSON array');
  const imageIds = list.flatMap((entry: unknown) => (entry !== null && typeof entry === 'object' && typeof (entry as { id?: unknown }).id === 'string' ? [(entry as { id: string }).id] : []));
  const tokens = res.headerLines(Header.Token);
  const endpointLines = res.headerLines(Header.Endpoints);
  // §6.2 step 1: without X-Docker-Endpoints the Index is its own registry.
  const endpoints = endpointLines.length > 0 ? registryEndpoints(endpointLines, ctx.indexUrl) : [ctx.indexUrl];
  return {
    endpoints,
    // LEGACY: §5.2 — an https Index that claims to be standalone made Docker 1.5 send Basic everywhere.
    authorization: ping.basicEverywhere ? basicAuthorization(ctx.credentials) : tokenAuthorization(tokens),
    imageIds,
  };
}

/** The tag map of a repository and the registry that served it. */
export interface RemoteTags {
  readonly tags: Readonly<Record<string, string>>;
  /** Base URL of the registry that answered. */
  readonly endpoint: string;
  /** Registries that failed first, with the reason. */
  readonly failed: readonly { readonly endpoint: string; readonly error: string }[];
}

/**
 * Step 2a: `GET /v1/repositories/<ns>/<repo>/tags` (the `library/` form for one-part names, §1.3) on
 * each endpoint in order. 200 ⇒ done; 404 ⇒ stop, the repository is not there; another status ⇒ next
 * endpoint. Unlike Docker 1.x, a connection failure also moves on to the next endpoint (§9).
 */
export async function fetchTags(ctx: ClientContext, repo: RemoteRepository, session: ReadSession, operation: string, log: StepLog): Promise<RemoteTags> {
  const failed: { endpoint: string; error: string }[] = [];
  let last: V1ClientError | null = null;
  for (const endpoint of session.endpoints) {
    try {
      const res = await attempt(operation, () => ctx.registry.getTags(endpoint, canonicalRepoParams(repo), session.authorization));
      log.add({ step: '2a', action: 'getTags', status: res.status, endpoint: hostOf(endpoint) });
      if (res.status === 200) return { tags: parseTagMap(await attempt(operation, () => res.json())), endpoint, failed };
      // LEGACY: §10 Q8 — a 404 stops the pull at once, with no failover.
      if (res.status === 404) throw await responseError(operation, res, { code: 'NOT_FOUND' });
      last = await responseError(operation, res);
    } catch (err) {
      const error = asClientError(operation, err);
      if (error.code === 'NOT_FOUND' || !isServerUnavailable(error)) throw error;
      last = error;
      log.add({ step: '2a', action: 'getTags', endpoint: hostOf(endpoint), note: error.message });
    }
    failed.push({ endpoint: hostOf(endpoint), error: last.message });
  }
  throw new V1ClientError({ operation, detail: `Could not reach any registry endpoint${last ? ` (last error: ${last.reason})` : ''}`, code: 'UNREACHABLE' });
}

/** A tag map `{"tag": "id"}`; the spec's list of `{"name","layer"}` is accepted too (§10 Q16). */
export function parseTagMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const entry of value) {
      const { name, layer } = (entry ?? {}) as { name?: unknown; layer?: unknown };
      if (typeof name === 'string' && typeof layer === 'string') out[name] = layer;
    }
    return out;
  }
  if (value !== null && typeof value === 'object') {
    for (const [tag, id] of Object.entries(value as Record<string, unknown>)) if (typeof id === 'string') out[tag] = id;
  }
  return out;
}
