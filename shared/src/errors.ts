/**
 * One catalogue of every failure v1hub puts on the wire, with the exact legacy status and message
 * (v1-protocol.md §2, §3.1, §3.3, §4.1). Handlers and domain code throw `V1Error`s made by the factories
 * below; one Koa middleware (http/error-middleware.ts) renders them as `{"error": "<message>"}`.
 *
 * Messages that clients compare byte for byte: `Image already exists` (push skips the image) and the
 * bare JSON string `"Username or email already exists"` (login falls back to GET /v1/users/).
 */

export const ERROR_CODES = {
  // Registry (docker-registry's strings, §4.1)
  REQUIRES_AUTHORIZATION: { status: 401, message: 'Requires authorization' },
  INVALID_IMAGE_ID: { status: 404, message: 'Invalid image ID' },
  IMAGE_NOT_FOUND: { status: 404, message: 'Image not found' },
  IMAGE_IN_PROGRESS: { status: 400, message: 'Image is being uploaded, retry later' },
  IMAGE_EXISTS: { status: 409, message: 'Image already exists' },
  INVALID_JSON: { status: 400, message: 'Invalid JSON' },
  MISSING_JSON_ID: { status: 400, message: "Missing key `id' in JSON" },
  JSON_ID_MISMATCH: { status: 400, message: 'JSON data contains invalid id' },
  IMAGE_NOT_IN_REPOSITORY: { status: 400, message: 'This image does not belong to the repository' },
  PARENT_NOT_FOUND: { status: 400, message: 'Image depends on a non existing parent' },
  PARENT_UNAUTHORIZED: { status: 400, message: 'Image depends on an unauthorized parent' },
  // v1hub: docker-registry accepted `"parent": <its own id>` and grew the ancestry on every re-PUT.
  PARENT_CYCLE: { status: 400, message: 'Image depends on itself (parent cycle)' },
  DAEMON_TOO_OLD: { status: 412, message: 'This endpoint does not support Docker daemons older than 0.10' },
  CHECKSUM_PAYLOAD_NOT_SET: {
    status: 412,
    message: 'X-Docker-Checksum-Payload not set.  If you are using the Docker daemon, you should upgrade to version 0.10 or later',
  },
  CHECKSUM_MISSING: { status: 400, message: "Missing Image's checksum" },
  CHECKSUM_CANNOT_SET: { status: 409, message: 'Cannot set this image checksum' },
  CHECKSUM_MISMATCH: { status: 400, message: 'Checksum mismatch' },
  // LEGACY: §10 Q10 — docker-registry crashed with a 500 HTML page here; we answer a clear 400 instead.
  LAYER_NOT_UPLOADED: { status: 400, message: "Image's layer has not been uploaded" },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'Requested range not satisfiable' },
  REPOSITORY_NOT_FOUND: { status: 404, message: 'Repository not found' },
  TAG_NOT_FOUND: { status: 404, message: 'Tag not found' },
  INVALID_TAG: { status: 400, message: 'Invalid tag name (must match ^[\\w][\\w.-]{0,127}$)' },
  INVALID_DATA: { status: 400, message: 'Invalid data' },
  // docker-registry's fake index (§3.3)
  JSON_DECODE: { status: 400, message: 'Error Decoding JSON' },
  IMAGES_NOT_FOUND: { status: 404, message: 'images not found' },
  // Index (§3.1; the Hub's own wording is unknown, so these are ours unless noted)
  USER_EXISTS: { status: 400, message: 'Username or email already exists', legacyBody: true },
  UNAUTHORIZED: { status: 401, message: 'Authentication required' },
  BAD_CREDENTIALS: { status: 401, message: 'Wrong login/password' },
  ACCOUNT_INACTIVE: { status: 403, message: 'Account is not active' },
  FORBIDDEN: { status: 403, message: 'Access denied' },
  INVALID_TOKEN: { status: 401, message: 'Invalid token' },
  USER_NOT_FOUND: { status: 404, message: 'User not found' },
  ORGANIZATION_NOT_FOUND: { status: 404, message: 'Organization not found' },
  INVALID_REQUEST: { status: 400, message: 'Invalid request' },
  // Framework-level failures, rendered as JSON where docker-registry sent Flask's HTML (§2)
  NOT_FOUND: { status: 404, message: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  BODY_TOO_LARGE: { status: 413, message: 'Request body too large' },
  // Requests Node's HTTP parser refuses before any route runs (answered by malformed-request.ts)
  MALFORMED_REQUEST: { status: 400, message: 'Malformed HTTP request' },
  HEADERS_TOO_LARGE: { status: 431, message: 'Request header fields too large' },
  REQUEST_TIMEOUT: { status: 408, message: 'Request timeout' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported media type' },
  UNAVAILABLE: { status: 503, message: 'Service unavailable' },
  GATEWAY_TIMEOUT: { status: 503, message: 'Upstream did not answer in time' },
  INTERNAL: { status: 500, message: 'Internal server error' },
} as const satisfies Record<string, { status: number; message: string; legacyBody?: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface V1ErrorOptions {
  /** Replaces the catalogue message (e.g. `Tag not found: <tag>`). */
  readonly message?: string;
  /** Extra response headers, e.g. `WWW-Authenticate`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/** A failure with a known place in the catalogue. Status < 500 messages are shown to the client. */
export class V1Error extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly headers: Readonly<Record<string, string>>;
  /** Render the body as a bare JSON string instead of `{"error": …}` (the login quirk, §3.1 I3). */
  readonly legacyBody: boolean;

  constructor(code: ErrorCode, opts: V1ErrorOptions = {}) {
    const entry: { status: number; message: string; legacyBody?: boolean } = ERROR_CODES[code];
    super(opts.message ?? entry.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'V1Error';
    this.code = code;
    this.status = entry.status;
    this.expose = entry.status < 500;
    this.headers = opts.headers ?? {};
    this.legacyBody = entry.legacyBody ?? false;
  }
}

export function v1Error(code: ErrorCode, opts?: V1ErrorOptions): V1Error {
  return new V1Error(code, opts);
}

export function isV1Error(err: unknown): err is V1Error {
  return err instanceof V1Error;
}

/** The registry's 401 (§2): `WWW-Authenticate: Token`, body `Requires authorization`. */
export function requiresAuthorization(): V1Error {
  return new V1Error('REQUIRES_AUTHORIZATION', { headers: { 'WWW-Authenticate': 'Token' } });
}

/** The Index's 401 challenge (§3.2 item 1). */
export const INDEX_CHALLENGE = 'Basic realm="auth required",Token';

export function indexUnauthorized(code: 'UNAUTHORIZED' | 'BAD_CREDENTIALS' | 'INVALID_TOKEN' = 'UNAUTHORIZED', message?: string): V1Error {
  return new V1Error(code, { headers: { 'WWW-Authenticate': INDEX_CHALLENGE }, ...(message ? { message } : {}) });
}

export function invalidRequest(message: string): V1Error {
  return new V1Error('INVALID_REQUEST', { message });
}
