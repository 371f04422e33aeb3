/**
 * Gives each request an id (uuid v7, time-ordered), a child logger in `ctx.state.log`, an `X-Request-Id`
 * response header, and exactly one completion line with timing. Runs first, before error rendering.
 */
import { randomFillSync } from 'node:crypto';
import type { Context, Next } from 'koa';
import { v7 as uuidv7 } from 'uuid';
import type { Logger } from '../log/logger.js';

export interface RequestState {
  requestId: string;
  log: Logger;
  /** The route name, once the router matched one (for the completion line). */
  routeName?: string;
}

/** Random bytes for request ids, drawn from the OS in blocks rather than 16 bytes per request. */
const RANDOM_BLOCK = 4096;
let randomPool = Buffer.alloc(0);
let randomAt = RANDOM_BLOCK;

function requestIdRandom(): Uint8Array {
  if (randomAt + 16 > randomPool.length) {
    randomPool = randomFillSync(Buffer.allocUnsafe(RANDOM_BLOCK));
    randomAt = 0;
  }
  randomAt += 16;
  return randomPool.subarray(randomAt - 16, randomAt);
}

export function requestContext(log: Logger) {
  return async function withRequestContext(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = uuidv7({ random: requestIdRandom() });
    const state = ctx.state as RequestState;
    state.requestId = requestId;
    state.log = log.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    let logged = false;
    const done = (aborted: boolean): void => {
      if (logged) return;
      logged = true;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const bytesIn = Number(ctx.get('Content-Length'));
      // Only what is known: no route when none matched, no size for a chunked body, and no status for a
      // request the client gave up on (Koa's default 404 would be a lie).
      const fields = {
        method: ctx.method,
        path: ctx.path,
        ...(state.routeName === undefined ? {} : { route: state.routeName }),
        ...(aborted ? { aborted: true } : { status: ctx.status }),
        ms: Math.round(ms * 10) / 10,
        ...(bytesIn > 0 ? { bytesIn } : {}),
      };
      if (aborted) state.log.info('request aborted by the client', fields);
      else if (ctx.status >= 500) state.log.warn('request completed', fields);
      else state.log.info('request completed', fields);
    };
    ctx.res.once('finish', () => done(false));
    ctx.res.once('close', () => done(!ctx.res.writableFinished));
    await next();
  };
}
