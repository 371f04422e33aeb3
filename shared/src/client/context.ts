/**
 * What every workflow shares: the APIs, the Index URL, the credentials, the concurrency, and the
 * helpers that turn a bad response or a network failure into a one-line {@link V1ClientError}.
 */
import { V1ClientError, oneLine, type V1ClientErrorCode } from './client-error.js';
import type { IndexApi } from './index-api.js';
import type { LayerProgressHook } from './progress.js';
import type { RegistryApi } from './registry-api.js';
import type { BasicCredentials } from './remote.js';
import { TransportError, networkReason, type Transport } from './transport.js';
import type { TransportResponse } from './transport-response.js';

/** The state a workflow runs with. */
export interface ClientContext {
  readonly transport: Transport;
  readonly index: IndexApi;
  readonly registry: RegistryApi;
  /** `scheme://host[:port]` of the Index. */
  readonly indexUrl: string;
  /** Who is logged in, or null. */
  readonly credentials: BasicCredentials | null;
  /** How many layers move at once (≥ 1). */
  readonly concurrency: number;
  /** gzip level of pushed layers (1–9; Docker's 6). */
  readonly compressionLevel: number;
  /** Receives byte progress of every layer transfer. */
  readonly onLayerProgress?: LayerProgressHook;
}

/** An error for a response with an unexpected status, carrying the server's message. */
export async function responseError(operation: string, res: TransportResponse, opts: { detail?: string; code?: V1ClientErrorCode } = {}): Promise<V1ClientError> {
  const serverMessage = await res.serverMessage();
  return new V1ClientError({
    operation,
    method: res.method,
    path: res.path,
    status: res.status,
    ...(serverMessage ? { serverMessage } : {}),
    ...(opts.detail ? { detail: serverMessage ? `(${opts.detail})` : opts.detail } : {}),
    ...(opts.code ? { code: opts.code } : {}),
  });
}

/** An error about a response that arrived but cannot be used (bad JSON, missing header…). */
export function protocolError(operation: string, res: TransportResponse, detail: string, code: V1ClientErrorCode = 'PROTOCOL'): V1ClientError {
  return new V1ClientError({ operation, method: res.method, path: res.path, status: res.status, detail, code });
}

/**
 * Runs one call and turns a network failure into a {@link V1ClientError} for `operation`; a
 * V1ClientError passes through untouched, anything else is wrapped with its message.
 */
export async function attempt<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw asClientError(operation, err);
  }
}

/** Any error as a {@link V1ClientError} of `operation` (already-converted errors pass through). */
export function asClientError(operation: string, err: unknown): V1ClientError {
  if (err instanceof V1ClientError) return err;
  if (err instanceof TransportError) {
    // Name the server the way a person would: which service, where, and what happened.
    const detail = `${err.service === 'index' ? 'Index' : 'registry'} ${new URL(err.url).host} ${networkReason(err.cause)}`;
    return new V1ClientError({ operation, method: err.method, path: err.path, detail: oneLine(detail), code: 'UNREACHABLE', cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new V1ClientError({ operation, detail: oneLine(message), cause: err });
}

/** True when a failure means "this server could not answer" (no response, or a 5xx): worth another endpoint. */
export function isServerUnavailable(err: unknown): boolean {
  if (err instanceof TransportError) return true;
  if (err instanceof V1ClientError) return err.code === 'UNREACHABLE' || (err.status !== null && err.status >= 500);
  return false;
}
