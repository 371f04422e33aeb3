/**
 * Response conventions shared by both services (v1-protocol.md §2): JSON bodies serialised the way
 * docker-registry did, non-cacheable headers on everything but image reads, long-lived cache headers on
 * image json/layer/ancestry/files, and the unconditional 304 of `If-Modified-Since`.
 */
import type { Context } from 'koa';
import { legacyJson } from '../protocol/legacy-json.js';

export function setNoCache(ctx: Context): void {
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('Pragma', 'no-cache');
  ctx.set('Expires', '-1');
}

/** Sends a JSON body with the non-cacheable headers. */
export function sendJson(ctx: Context, status: number, value: unknown): void {
  ctx.status = status;
  // docker-registry sent exactly `application/json` (§2); Koa's ctx.type would add a charset.
  ctx.set('Content-Type', 'application/json');
  ctx.body = legacyJson(value);
  setNoCache(ctx);
}

/** Sends raw JSON bytes (image json is served exactly as stored: checksums depend on the bytes). */
export function sendRawJson(ctx: Context, bytes: Buffer): void {
  ctx.status = 200;
  // docker-registry sent exactly `application/json` (§2); Koa's ctx.type would add a charset.
  ctx.set('Content-Type', 'application/json');
  ctx.body = bytes;
}

const ONE_YEAR_S = 365 * 24 * 3600;

/**
 * docker-registry's `set_cache_headers` for immutable image data. It replaces the non-cacheable set a JSON
 * body may already carry: docker-registry only added `Pragma: no-cache` beside `Cache-Control: no-cache`.
 */
export function setCacheHeaders(ctx: Context, now = Date.now()): void {
  ctx.remove('Pragma');
  ctx.set('Cache-Control', `public, max-age=${ONE_YEAR_S}`);
  ctx.set('Expires', new Date(now + ONE_YEAR_S * 1000).toUTCString());
  ctx.set('Last-Modified', 'Thu, 01 Jan 1970 00:00:00 GMT');
}

/**
 * LEGACY: §2 / §10 Q13 — any request carrying If-Modified-Since gets 304, with no date comparison: image
 * data never changes once complete. Returns true when the 304 was sent.
 */
export function answerNotModified(ctx: Context): boolean {
  if (ctx.get('If-Modified-Since') === '') return false;
  setCacheHeaders(ctx);
  ctx.status = 304;
  ctx.body = null;
  return true;
}
