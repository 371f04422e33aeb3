/**
 * The Registry HTTP API V2 (the distribution spec, docs/spec/api.md, and its token auth, docs/spec/auth/
 * token.md) as v1hub speaks it beside v1: media types, the error codes with their statuses and messages,
 * repository names and the token scopes.
 */
import { parseRepoName, type RepoName } from './names.js';

export const V2_API_VERSION_HEADER = 'Docker-Distribution-API-Version';
export const V2_API_VERSION = 'registry/2.0';
export const CONTENT_DIGEST_HEADER = 'Docker-Content-Digest';
export const UPLOAD_UUID_HEADER = 'Docker-Upload-UUID';

export const MediaType = {
  schema2Manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  manifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  schema2Config: 'application/vnd.docker.container.image.v1+json',
  schema2Layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** The manifest media types a PUT may carry; each is stored and served exactly as given. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [MediaType.schema2Manifest, MediaType.manifestList, MediaType.ociManifest, MediaType.ociIndex];

/** The spec's error codes (api.md "Errors"), with the status and message the reference registry sends. */
export const V2_ERRORS = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: 'blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  TAG_INVALID: { status: 400, message: 'manifest tag did not match URI' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, message: 'The operation is unsupported.' },
  PAGINATION_NUMBER_INVALID: { status: 400, message: 'invalid number of results requested' },
  RANGE_INVALID: { status: 416, message: 'invalid content range' },
  UNAVAILABLE: { status: 503, message: 'service unavailable' },
} as const;

export type V2ErrorCode = keyof typeof V2_ERRORS;

/** A v2 failure: answered as `{"errors": [{"code", "message", "detail"}]}` with the code's status. */
export class V2Error extends Error {
  readonly status: number;
  constructor(
    readonly code: V2ErrorCode,
    readonly detail?: unknown,
    opts: { status?: number; message?: string } = {},
  ) {
    super(opts.message ?? V2_ERRORS[code].message);
    this.status = opts.status ?? V2_ERRORS[code].status;
  }

  body(): { errors: Array<{ code: string; message: string; detail?: unknown }> } {
    return { errors: [{ code: this.code, message: this.message, ...(this.detail === undefined ? {} : { detail: this.detail }) }] };
  }
}

/** `sha256:<64 hex>`: the only digest algorithm v1hub stores. */
export function isSha256Digest(value: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(value);
}

/**
 * A v2 repository name as v1hub stores it: the v1 `namespace/repository` of the same images, under v1's own
 * rules (names.ts). `busybox` (one component, as a client names an image on a registry of its own) is
 * `library/busybox`, as in v1 (§1.3). Null for any name v1 could not hold.
 */
export function parseV2Name(name: string): RepoName | null {
  const parsed = parseRepoName(name);
  return parsed.ok ? parsed.value : null;
}

export type V2Action = 'pull' | 'push' | 'delete';

/** One `repository:<name>:<actions>` scope of a token request or a challenge. */
export interface V2Scope {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/**
 * Parses one `scope` parameter (token.md): `type:name:action,action`. The name may itself hold a colon
 * (`repository:host:5000/foo:pull` is not legal here, but a port in the name would be), so the type is up to
 * the first colon and the actions after the last.
 */
export function parseV2Scope(text: string): V2Scope | null {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last === first) return null;
  const actions = text.slice(last + 1).split(',').filter((a) => a !== '');
  return { type: text.slice(0, first), name: text.slice(first + 1, last), actions };
}

export function formatV2Scope(scope: V2Scope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

/**
 * One entry of the `access` claim of a v1hub v2 token (token.md "JWT"): what the holder may do of one
 * resource. It has a scope's shape: the scope asked, with the actions granted.
 */
export type V2AccessEntry = V2Scope;

/** The token's issuer, which registries check. */
export const V2_TOKEN_ISSUER = 'v1hub-index';
/** The default `service` a registry names in its challenge and a token's audience must equal. */
export const V2_DEFAULT_SERVICE = 'v1hub-registry';
