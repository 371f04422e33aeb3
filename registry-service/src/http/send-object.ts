/**
 * Sends an opened storage object as the response body through its `writeTo`, which lets the local driver
 * reuse its buffers (storage/local/opened-file.ts) where a stream piped by Koa would allocate one per chunk.
 * Status and headers must be set before the call.
 */
import type { Context } from 'koa';
import type { RequestState } from '@v1hub/shared';
import type { OpenedObject } from '../storage/layer-storage.js';

export async function sendObject(ctx: Context, opened: OpenedObject): Promise<void> {
  // Koa sets status and headers on `ctx.res` as they are assigned; the body is written here instead of by
  // Koa's respond step, which is why it is turned off.
  ctx.respond = false;
  const res = ctx.res;
  try {
    await opened.writeTo(res);
    res.end();
  } catch (err) {
    // The head is out, so there is no error response left to give. Cutting the connection is what tells
    // the client the body is incomplete (its Content-Length is not met); a client that went away needs
    // nothing, and the completion line records the abort.
    if (!res.destroyed) (ctx.state as RequestState).log.warn('response body failed after its head was sent', { error: (err as Error).message });
    res.destroy();
  }
}
