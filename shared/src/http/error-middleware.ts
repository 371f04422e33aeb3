/**
 * Renders every failure as v1 JSON, once, in one place (design §7). Where docker-registry let Flask send
 * HTML (unknown route, wrong method, crashes — §2 "Framework errors"), v1hub sends `{"error": "…"}` with the
 * same status, so clients never print `invalid character '<'`. Stacks go to the log, never the wire.
 */
import type { Context, Next } from 'koa';
import { V1Error, type ErrorCode } from '../errors.js';
import { legacyJson } from '../protocol/legacy-json.js';
import type { Logger } from '../log/logger.js';
import { setNoCache } from './responses.js';

interface HttpLikeError {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  headers?: unknown;
  message?: unknown;
}

const STATUS_CODES: Record<number, ErrorCode> = {
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  503: 'UNAVAILABLE',
};

/** Turns anything thrown into a V1Error: typed errors stay, http errors map by status, the rest is INTERNAL. */
export function toV1Error(err: unknown): V1Error {
  if (err instanceof V1Error) return err;
  const http = (typeof err === 'object' && err !== null ? err : {}) as HttpLikeError;
  const status = typeof http.status === 'number' ? http.status : typeof http.statusCode === 'number' ? http.statusCode : 500;
  const headers = typeof http.headers === 'object' && http.headers !== null ? (http.headers as Record<string, string>) : {};
  if (status >= 400 && status < 500) {
    const code = STATUS_CODES[status] ?? 'INVALID_REQUEST';
    const exposed = http.expose === true && typeof http.message === 'string' && code === 'INVALID_REQUEST';
    return new V1Error(code, { headers, cause: err, ...(exposed ? { message: http.message as string } : {}) });
  }
  if (status === 503) return new V1Error('UNAVAILABLE', { cause: err });
  return new V1Error('INTERNAL', { cause: err });
}

/** Headers that still hold after a failure: the request id, the router's `Allow` on a 405, `Connection`. */
const KEPT_HEADERS = new Set(['x-request-id', 'allow', 'connection']);

/** Koa middleware: must sit right after the request context so every error passes through it. */
export function errorMiddleware() {
  return async function renderErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      // The router answers unmatched paths and methods with a bare status (and `Allow`); give them a body.
      if (ctx.body == null && ctx.status === 404) throw new V1Error('NOT_FOUND');
      if (ctx.body == null && (ctx.status === 405 || ctx.status === 501)) throw new V1Error('METHOD_NOT_ALLOWED');
    } catch (thrown) {
      const err = toV1Error(thrown);
      const log = (ctx.state as { log?: Logger }).log;
      // A client that hangs up mid-body (an interrupted push) is routine, not a server fault to page about.
      const clientGone = ctx.req.destroyed && !ctx.req.complete;
      if (clientGone) log?.warn('client went away before the request ended', { reason: (err.cause as Error | undefined)?.message ?? err.message });
      else if (err.status >= 500) log?.error('request failed', { code: err.code, err: err.cause ?? err });
      else log?.debug('request refused', { code: err.code, error: err.message });
      if (ctx.headerSent || !ctx.writable) return;
      // Headers set by the handler before it failed (content types, lengths) do not describe the error.
      for (const name of Object.keys(ctx.response.headers)) {
        if (!KEPT_HEADERS.has(name.toLowerCase())) ctx.remove(name);
      }
      for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
      ctx.status = err.status;
      // docker-registry sent exactly `application/json` (§2); Koa's ctx.type would add a charset.
      ctx.set('Content-Type', 'application/json');
      ctx.body = err.legacyBody ? legacyJson(err.message) : legacyJson({ error: err.message });
      setNoCache(ctx);
    }
  };
}
