/**
 * Reads small request bodies (JSON documents) as raw bytes with a size limit. Not koa-body: the registry
 * must keep image json byte for byte (checksums cover the exact bytes, §7.1), and the legacy services
 * parsed bodies whatever their Content-Type. Layer bodies never come here: they stream.
 */
import type { Context } from 'koa';
import { V1Error, type ErrorCode } from '../errors.js';

export const DEFAULT_JSON_LIMIT = 1024 * 1024;

/** Reads the whole body; rejects BODY_TOO_LARGE as soon as it passes `limit` bytes. */
export async function readRawBody(ctx: Context, limit = DEFAULT_JSON_LIMIT): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || '0');
  if (declared > limit) throw new V1Error('BODY_TOO_LARGE');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      // NOTE: stop reading; the connection is closed after the 413 so the rest is not drained.
      ctx.set('Connection', 'close');
      throw new V1Error('BODY_TOO_LARGE');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads and parses a JSON body. A body that is not JSON rejects with `invalid` (the message the legacy
 * service used for that route, e.g. `Invalid JSON` or `Error Decoding JSON`).
 */
export async function readJsonBody(ctx: Context, invalid: ErrorCode = 'INVALID_JSON', limit = DEFAULT_JSON_LIMIT): Promise<{ raw: Buffer; value: unknown }> {
  const raw = await readRawBody(ctx, limit);
  try {
    return { raw, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    throw new V1Error(invalid);
  }
}
