/**
 * THE route table of the Registry HTTP API V2 as v1hub serves it (`--v2`): the registry mounts its handlers
 * from it by name, and its guard reads the `action` column: which token scope a request needs. A path is
 * written once, as a pattern; `<name>` is a repository name of one or two components (v1's rules, v2.ts).
 */
import type { V2Action } from './v2.js';

/** `none`: anyone; `base`: any valid token (GET /v2/, how `docker login` checks credentials); `catalog`: `registry:catalog:*`. */
export type V2RouteAction = V2Action | 'none' | 'base' | 'catalog';

export interface V2RouteSpec {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  readonly pattern: RegExp;
  readonly action: V2RouteAction;
  readonly summary: string;
}

const NAME = '(?<name>[^/]+(?:/[^/]+)?)';

export const V2_ROUTES = {
  v2Base: { method: 'GET', pattern: /^\/v2\/?$/, action: 'base', summary: 'API version check (and credentials check for docker login)' },
  v2Catalog: { method: 'GET', pattern: /^\/v2\/_catalog$/, action: 'catalog', summary: 'Repositories, paged (n, last)' },
  v2Tags: { method: 'GET', pattern: new RegExp(`^/v2/${NAME}/tags/list$`), action: 'pull', summary: 'Tags, paged (n, last)' },
  v2GetManifest: { method: 'GET', pattern: new RegExp(`^/v2/${NAME}/manifests/(?<reference>[^/]+)$`), action: 'pull', summary: 'Manifest by tag or digest' },
  v2HeadManifest: { method: 'HEAD', pattern: new RegExp(`^/v2/${NAME}/manifests/(?<reference>[^/]+)$`), action: 'pull', summary: 'Manifest existence, digest and size' },
  v2PutManifest: { method: 'PUT', pattern: new RegExp(`^/v2/${NAME}/manifests/(?<reference>[^/]+)$`), action: 'push', summary: 'Store a manifest under a tag or its digest' },
  v2DeleteManifest: { method: 'DELETE', pattern: new RegExp(`^/v2/${NAME}/manifests/(?<reference>[^/]+)$`), action: 'delete', summary: 'Delete a manifest (by digest) or a tag' },
  v2GetBlob: { method: 'GET', pattern: new RegExp(`^/v2/${NAME}/blobs/(?<digest>sha256:[^/]+)$`), action: 'pull', summary: 'Blob bytes (Range too)' },
  v2HeadBlob: { method: 'HEAD', pattern: new RegExp(`^/v2/${NAME}/blobs/(?<digest>sha256:[^/]+)$`), action: 'pull', summary: 'Blob existence and size' },
  v2DeleteBlob: { method: 'DELETE', pattern: new RegExp(`^/v2/${NAME}/blobs/(?<digest>sha256:[^/]+)$`), action: 'delete', summary: 'Unlink a blob from the repository' },
  v2StartUpload: { method: 'POST', pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/?$`), action: 'push', summary: 'Start an upload (monolithic with ?digest=, or a mount with ?mount=&from=)' },
  v2UploadStatus: { method: 'GET', pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/(?<uuid>[^/]+)$`), action: 'push', summary: 'How much of an upload arrived' },
  v2PatchUpload: { method: 'PATCH', pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/(?<uuid>[^/]+)$`), action: 'push', summary: 'Append a chunk' },
  v2PutUpload: { method: 'PUT', pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/(?<uuid>[^/]+)$`), action: 'push', summary: 'Complete an upload with its digest' },
  v2CancelUpload: { method: 'DELETE', pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/(?<uuid>[^/]+)$`), action: 'push', summary: 'Cancel an upload' },
} as const satisfies Record<string, V2RouteSpec>;

export type V2RouteName = keyof typeof V2_ROUTES;

/** The route a request matches, with its path parameters; null when none does. */
export function matchV2Route(method: string, path: string): { name: V2RouteName; params: Record<string, string> } | null {
  for (const [name, spec] of Object.entries(V2_ROUTES) as [V2RouteName, V2RouteSpec][]) {
    if (spec.method !== method) continue;
    const match = spec.pattern.exec(path);
    if (match) return { name, params: { ...match.groups } };
  }
  return null;
}

/** True when some route serves `path` with another method (so the answer is 405, not 404). */
export function v2PathKnown(path: string): boolean {
  return Object.values(V2_ROUTES).some((spec: V2RouteSpec) => spec.pattern.test(path));
}

/** The Index's side of v2 (`--v2`): the token server and the keys its tokens are checked with. */
export const V2_TOKEN_ROUTES = {
  v2Token: { method: 'GET', pattern: /^\/v2\/token\/?$/, action: 'none', summary: 'A JWT for the scopes asked (anonymous, or Basic)' },
  v2TokenKeys: { method: 'GET', pattern: /^\/v2\/token\/jwks$/, action: 'none', summary: 'The public keys (JWKS) registries verify tokens with' },
} as const satisfies Record<string, V2RouteSpec>;

export type V2TokenRouteName = keyof typeof V2_TOKEN_ROUTES;

/** The Index route a request matches, else null. */
export function matchV2TokenRoute(method: string, path: string): V2TokenRouteName | null {
  for (const [name, spec] of Object.entries(V2_TOKEN_ROUTES) as [V2TokenRouteName, V2RouteSpec][]) if (spec.method === method && spec.pattern.test(path)) return name;
  return null;
}
