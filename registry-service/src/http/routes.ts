/** Binds every Registry route of the shared table behind the guard its `auth` value names. */
import type { Middleware } from 'koa';
import { allowAnyone, buildRouter, type RegistryRouteName } from '@v1hub/shared';
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
  return buildRouter('registry', handlers, { none: allowAnyone, token: requireToken(deps) }, { standalone: deps.access.mode === 'standalone' });
}
