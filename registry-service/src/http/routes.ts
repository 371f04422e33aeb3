/** Binds every Registry route of the shared table; routes marked `token` get the access guard first. */
import type { Middleware } from 'koa';
import { ROUTES, buildRouter, type RegistryRouteName } from '@v1hub/shared';
import type { RegistryDeps } from '../deps.js';
import { imageHandlers } from './handlers/images.js';
import { pingHandlers } from './handlers/ping.js';
import { repositoryHandlers } from './handlers/repositories.js';
import { standaloneIndexHandlers } from './handlers/standalone-index.js';
import { requireToken } from './request-helpers.js';

export function buildRegistryRouter(deps: RegistryDeps) {
  const handlers: Record<RegistryRouteName, Middleware> = {
    ...pingHandlers(deps),
    ...imageHandlers(deps),
    ...repositoryHandlers(deps),
    ...standaloneIndexHandlers(deps),
  };
  const guard = requireToken(deps);
  const guarded = Object.fromEntries(
    (Object.keys(handlers) as RegistryRouteName[]).map((name) => [name, ROUTES[name].auth === 'token' ? [guard, handlers[name]] : handlers[name]]),
  ) as Record<RegistryRouteName, Middleware | Middleware[]>;
  return buildRouter('registry', guarded, { standalone: deps.access.mode === 'standalone' });
}
