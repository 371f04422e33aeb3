/**
 * buildIndexApp(deps): the Koa wiring of the Index — no I/O, no environment. Middleware order: request
 * context → JSON error rendering → store-outage translation → router → 405 for wrong methods.
 */
import Koa from 'koa';
import { V1Error, errorMiddleware, requestContext } from '@v1hub/shared';
import type { IndexDeps } from './deps.js';
import { buildIndexRouter } from './http/routes.js';
import { StoreUnavailableError } from './store/metadata-store.js';

export function buildIndexApp(deps: IndexDeps): Koa {
  const app = new Koa({ proxy: false });
  // Errors are logged once by the error middleware; Koa's own logger would print them again.
  app.silent = true;
  const { router } = buildIndexRouter(deps);
  app.use(requestContext(deps.log));
  app.use(errorMiddleware());
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw new V1Error('UNAVAILABLE', { message: 'Metadata store unavailable, try again shortly', cause: err });
      throw err;
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
