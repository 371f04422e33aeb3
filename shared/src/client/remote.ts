/**
 * How the client names a repository on each service, and the token and endpoint rules of a session
 * (v1-protocol.md §1.3, §3.2 item 4, §5.2, §5.6).
 */
import { formatBasic, formatTokenAuthorization } from '../protocol/token.js';
import { headerValues } from '../protocol/headers.js';
import { formatRepoName, parseImageReference, type ImageReference, type RepoName } from '../protocol/names.js';
import type { RouteParams } from '../protocol/routes.js';

/** A repository as one workflow addresses it. */
export interface RemoteRepository {
  /** Canonical `ns/repo` (one-part names already under `library`). */
  readonly name: RepoName;
  /** The name as the user typed it without server and tag: `foo` or `ns/foo`. */
  readonly remoteName: string;
  /** True for a one-part name: the Index and the push tag PUT use the one-segment path form (§1.3). */
  readonly library: boolean;
}

/** Username and password for Basic auth. */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/** Reads `[server/]name[:tag]` (string or parsed) into a reference; throws a one-line Error when invalid. */
export function toImageReference(ref: string | ImageReference): ImageReference {
  if (typeof ref !== 'string') return ref;
  const parsed = parseImageReference(ref);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

/** How a reference's repository is addressed on the wire (one-part names use the library forms). */
export function remoteRepository(ref: ImageReference): RemoteRepository {
  return { name: ref.name, remoteName: ref.remoteName, library: !ref.remoteName.includes('/') };
}

/** Route params of a repository in the form the Index is sent (one segment for one-part names). */
export function indexRepoParams(repo: RemoteRepository): RouteParams {
  return repo.library ? { repo: repo.name.repository } : { ns: repo.name.namespace, repo: repo.name.repository };
}

/** Route params in the canonical two-segment form (`library/foo`), as the tag listing is sent (§1.3). */
export function canonicalRepoParams(repo: RemoteRepository): RouteParams {
  return { ns: repo.name.namespace, repo: repo.name.repository };
}

/** `ns/repo`, for messages and reports. */
export function displayName(repo: RemoteRepository): string {
  return formatRepoName(repo.name);
}

/** LEGACY: §10 Q20 — Docker 1.5 sent `Basic Og==` (empty user and password) when nobody was logged in. */
export const EMPTY_BASIC = 'Basic Og==';

/** The Basic header of a push or delete: the credentials, or the empty pair (§10 Q20). */
export function basicAuthorization(credentials: BasicCredentials | null): string {
  return credentials ? formatBasic(credentials.username, credentials.password) : EMPTY_BASIC;
}

/**
 * `Token <v1>,<v2>`: every `X-Docker-Token` line, joined by commas, as Docker ≤1.6 sent it (§5.2).
 * LEGACY: §10 Q20 — with no token at all this is `Token ` (empty); §10 Q7 — a value that already starts
 * with `Token ` (docker-registry's fake index) is sent as is, giving `Token Token signature=…`.
 */
export function tokenAuthorization(tokens: readonly string[]): string {
  return formatTokenAuthorization(tokens);
}

/**
 * Registry base URLs from `X-Docker-Endpoints` lines: comma-separated and/or repeated, trimmed, each
 * prefixed with the Index's scheme (§3.2 item 4, §9 item 5). Returns `scheme://host[:port]` (route paths
 * carry the `/v1/`).
 */
export function registryEndpoints(lines: readonly string[], indexUrl: string): string[] {
  const scheme = new URL(indexUrl).protocol;
  return headerValues([...lines]).map((host) => `${scheme}//${host}`);
}

/** The full endpoint URL Docker listed in the final `X-Docker-Endpoints` lines: `scheme://host/v1/`. */
export function endpointUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/`;
}

/** `host:port` of an endpoint or index URL, for reports. */
export function hostOf(url: string): string {
  return new URL(url).host;
}

/**
 * Reads `X-Docker-Registry-Standalone` the way Docker 1.x did (§5.6): `true` (any case) or `1` ⇒
 * standalone; another non-empty value ⇒ not; absent ⇒ standalone unless the body says `"standalone": false`.
 */
export function readStandalone(header: string | null, body: unknown): boolean {
  if (header !== null && header.trim() !== '') {
    const value = header.trim().toLowerCase();
    return value === 'true' || value === '1';
  }
  const flag = body !== null && typeof body === 'object' ? (body as { standalone?: unknown }).standalone : undefined;
  return flag !== false;
}
