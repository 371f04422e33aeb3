/** The guard of `auth: 'events-key'` routes (routes.ts): a service's live exchange stream is read only with its key. */
import type { Context, Middleware, Next } from 'koa';
import { V1Error } from '../errors.js';
import { timingSafeEqual } from 'node:crypto';

export function eventsKeyGuard(key: string | null): Middleware {
  return async function requireEventsKey(ctx: Context, next: Next): Promise<void> {
    if (key === null) throw new V1Error('NOT_FOUND', { message: 'The event stream is off: start the service with --events-key KEY (v1hub up sets one)' });
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'));
    if (!match) throw new V1Error('UNAUTHORIZED', { message: 'The event stream needs Authorization: Bearer <events key>', headers: { 'WWW-Authenticate': 'Bearer realm="v1hub events"' } });
    const given = Buffer.from(match[1] as string);
    const wanted = Buffer.from(key);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new V1Error('FORBIDDEN', { message: 'Wrong events key' });
    await next();
  };
}
