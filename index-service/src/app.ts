/** buildIndexApp(deps): the Koa wiring of the Index — no I/O, no environment. A store outage is a 503. */
import type Koa from 'koa';
import { V1Error, buildServiceApp } from '@v1hub/shared';
import type { IndexDeps } from './deps.js';
import { refuseCrossSiteWrites } from './http/cross-site.js';
import { buildIndexRouter } from './http/routes.js';
import { StoreUnavailableError } from './store/metadata-store.js';

export function buildIndexApp(deps: IndexDeps): Koa {
  return buildServiceApp({
    log: deps.log,
    router: buildIndexRouter(deps).router,
    beforeRoutes: [refuseCrossSiteWrites()],
    translate: (err) => (err instanceof StoreUnavailableError ? new V1Error('UNAVAILABLE', { message: 'Metadata store unavailable, try again shortly', cause: err }) : err),
  });
}
