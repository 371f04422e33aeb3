/**
 * The one error type of the client shim. Its message is a single line that says which operation failed,
 * which HTTP call did it and what the server said, e.g.
 * `push alice/app: PUT /v1/images/<id>/layer: 401 Requires authorization` — the way the Docker 1.x CLI
 * printed the server's message on one line (cli.md: "the server's error message is printed on one line").
 */

/** What is known about a failure. Only `operation` and `detail` are always present. */
export interface V1ClientErrorInit {
  /** The workflow and its subject: `push alice/app`, `login 127.0.0.1:5000`. */
  readonly operation: string;
  /** The failing call, when an HTTP call failed: method and path (no host, no query). */
  readonly method?: string;
  readonly path?: string;
  /** The HTTP status, when a response arrived. */
  readonly status?: number;
  /** The message the server sent (`{"error": …}`, a bare JSON string, or the first text line). */
  readonly serverMessage?: string;
  /** The rest of the line when no server message applies (a network error, a checksum mismatch…). */
  readonly detail?: string;
  /** A stable word for programs (`WRONG_PASSWORD`, `NOT_FOUND`, `CHECKSUM_MISMATCH`…). */
  readonly code?: V1ClientErrorCode;
  readonly cause?: unknown;
}

/** Stable failure kinds a caller may branch on; anything else is `FAILED`. */
export type V1ClientErrorCode =
  | 'FAILED'
  | 'UNAUTHORIZED'
  | 'WRONG_PASSWORD'
  | 'ACCOUNT_INACTIVE'
  | 'NOT_FOUND'
  | 'TAG_NOT_FOUND'
  | 'CHECKSUM_MISMATCH'
  | 'UNREACHABLE'
  | 'PROTOCOL'
  | 'SOURCE';

/** A failed client operation; `message` is one line. */
export class V1ClientError extends Error {
  readonly operation: string;
  readonly method: string | null;
  readonly path: string | null;
  readonly status: number | null;
  readonly serverMessage: string | null;
  readonly code: V1ClientErrorCode;

  constructor(init: V1ClientErrorInit) {
    super(formatMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'V1ClientError';
    this.operation = init.operation;
    this.method = init.method ?? null;
    this.path = init.path ?? null;
    this.status = init.status ?? null;
    this.serverMessage = init.serverMessage ?? null;
    this.code = init.code ?? defaultCode(init.status);
  }

  /** The message without its leading `<operation>: `, for quoting inside another error of the same operation. */
  get reason(): string {
    return this.message.startsWith(`${this.operation}: `) ? this.message.slice(this.operation.length + 2) : this.message;
  }
}

function defaultCode(status: number | undefined): V1ClientErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 404) return 'NOT_FOUND';
  return 'FAILED';
}

function formatMessage(init: V1ClientErrorInit): string {
  const parts = [init.operation];
  if (init.method && init.path) parts.push(`${init.method} ${init.path}`);
  const tail = [init.status === undefined ? '' : String(init.status), init.serverMessage ?? '', init.detail ?? '']
    .filter((s) => s.length > 0)
    .join(' ');
  if (tail.length > 0) parts.push(tail);
  return oneLine(parts.join(': '));
}

/** Collapses whitespace runs (newlines included) so a message always fits on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const MAX_SERVER_MESSAGE = 300;

/**
 * The human part of an error body: `{"error": "…"}` (docker-registry), `{"message": "…"}`, a bare JSON
 * string (`"Username or email already exists"`), or else the trimmed text (an HTML page is reduced to
 * its title or first line). Empty string when there is nothing.
 */
export function serverMessageOf(body: string): string {
  const text = body.trim();
  if (text === '') return '';
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string') return clip(value);
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key of ['error', 'message', 'detail']) {
        if (typeof record[key] === 'string') return clip(record[key] as string);
      }
    }
    return clip(text);
  } catch {
    const title = /<title>([^<]*)<\/title>/i.exec(text);
    return clip(title?.[1] ?? text.split('\n')[0] ?? '');
  }
}

function clip(text: string): string {
  const line = oneLine(text);
  return line.length > MAX_SERVER_MESSAGE ? `${line.slice(0, MAX_SERVER_MESSAGE)}…` : line;
}
