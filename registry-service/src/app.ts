/** buildRegistryApp(deps): the Koa wiring of the Registry — no I/O, no environment. A storage failure is a 503. */
import type Koa from 'koa';
import { V1Error, buildServiceApp } from '@v1hub/shared';
import type { RegistryDeps } from './deps.js';
import { buildRegistryRouter } from './http/routes.js';
import { InvalidPathError, StorageBackendError } from './storage/layer-storage.js';

export function buildRegistryApp(deps: RegistryDeps): Koa {
  return buildServiceApp({
    log: deps.log,
    router: buildRegistryRouter(deps).router,
    translate: (err) => {
      if (err instanceof StorageBackendError) return new V1Error('UNAVAILABLE', { message: 'Storage unavailable, try again shortly', cause: err });
      if (err instanceof InvalidPathError) return new V1Error('INVALID_REQUEST', { message: 'Invalid name', cause: err });
      return err;
    },
  });
}
