/** Binds every Registry route of the shared table behind the guard its `auth` value names. */
import type { Middleware } from 'koa';
import { allowAnyone, buildRouter, eventsKeyGuard, type RegistryRouteName } from '@v1hub/shared';
import type { RegistryDeps } from '../deps.js';
import { adminHandlers } from './handlers/admin.js';
import { imageHandlers } from './handlers/images.js';
import { mirrorHandlers } from './handlers/mirror.js';
import { pingHandlers } from './handlers/ping.js';
import { repositoryHandlers } from './handlers/repositories.js';
import { standaloneIndexHandlers } from './handlers/standalone-index.js';
import { requireIndexAdmin, requireToken } from './request-helpers.js';

export function buildRegistryRouter(deps: RegistryDeps) {
  const local: Record<Exclude<RegistryRouteName, 'mirrorGetRepositoryImages' | 'mirrorSearch'>, Middleware> = {
    ...pingHandlers(deps),
    ...imageHandlers(deps),
    ...repositoryHandlers(deps),
    ...standaloneIndexHandlers(deps),
    ...adminHandlers(deps),
  };
  // The mirror's own routes exist only in mirror mode, where it is mounted; buildRouter checks at run time
  // that every mounted route has its handler.
  const handlers = (deps.mirror === null ? local : { ...local, ...mirrorHandlers(deps, deps.mirror, local) }) as Record<RegistryRouteName, Middleware>;
  return buildRouter('registry', handlers, { none: allowAnyone, token: requireToken(deps), 'events-key': eventsKeyGuard(deps.config.eventsKey), 'index-admin': requireIndexAdmin(deps) }, { standalone: deps.access.mode === 'standalone', mirror: deps.mirror !== null });
}
