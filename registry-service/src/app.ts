/**
 * buildRegistryApp(deps): the Koa wiring of the Registry — no I/O, no environment. Middleware order:
 * request context → JSON error rendering → storage-failure translation → router → 405 for wrong methods.
 * No global body parser: layer PUTs stream `ctx.req` untouched.
 */
import Koa from 'koa';
import { V1Error, errorMiddleware, requestContext } from '@v1hub/shared';
import type { RegistryDeps } from './deps.js';
import { buildRegistryRouter } from './http/routes.js';
import { InvalidPathError, StorageBackendError } from './storage/layer-storage.js';

export function buildRegistryApp(deps: RegistryDeps): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  const { router } = buildRegistryRouter(deps);
  app.use(requestContext(deps.log));
  app.use(errorMiddleware());
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof StorageBackendError) throw new V1Error('UNAVAILABLE', { message: 'Storage unavailable, try again shortly', cause: err });
      if (err instanceof InvalidPathError) throw new V1Error('INVALID_REQUEST', { message: 'Invalid name', cause: err });
      throw err;
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
