/**
 * What happens to a request body the handler never read: a 401 before a layer upload, a 413, a 404 for an
 * image PUT. Node keeps a keep-alive connection usable by reading and discarding the rest of such a body, so
 * an anonymous client declaring 2 GiB made the server read 2 GiB. Here the answer goes out with
 * `Connection: close`; once it is written the server stops reading: it sends its FIN, discards at most
 * LINGER_BYTES more (so the answer is not lost to a reset while the client is still sending), and then cuts
 * the connection, or after LINGER_MS, whichever comes first.
 */
import type { Context, Next } from 'koa';

export const LINGER_BYTES = 256 * 1024;
export const LINGER_MS = 2_000;

/** True when the request announced a body (a length or chunked framing) that was not read to its end. */
function bodyLeftUnread(ctx: Context): boolean {
  const req = ctx.req;
  if (req.complete) return false;
  const length = Number(req.headers['content-length'] ?? '0');
  return length > 0 || req.headers['transfer-encoding'] !== undefined;
}

export function closeOnUnreadBody() {
  return async function unreadBody(ctx: Context, next: Next): Promise<void> {
    await next();
    if (!bodyLeftUnread(ctx)) return;
    ctx.set('Connection', 'close');
    const socket = ctx.req.socket;
    ctx.res.once('finish', () => {
      if (ctx.req.complete || socket.destroyed) return;
      let discarded = 0;
      const cut = () => socket.destroy();
      const timer = setTimeout(cut, LINGER_MS);
      timer.unref();
      socket.on('data', (chunk: Buffer) => {
        discarded += chunk.length;
        if (discarded > LINGER_BYTES) cut();
      });
      socket.once('close', () => clearTimeout(timer));
      socket.end();
    });
  };
}
