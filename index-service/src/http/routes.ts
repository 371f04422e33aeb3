/**
 * Binds every Index route of the shared table to its handler (a missing one fails at build time) behind
 * the guard its `auth` value names (http/guards.ts).
 */
import { buildRouter } from '@v1hub/shared';
import type { IndexDeps } from '../deps.js';
import { indexGuards } from './guards.js';
import { miscHandlers } from './handlers/misc.js';
import { repositoryHandlers } from './handlers/repositories.js';
import { userHandlers } from './handlers/users.js';
import { webHandlers } from './handlers/web.js';
import { webhookHandlers } from './handlers/webhooks.js';
import { webGuards } from './web/web-session.js';

export function buildIndexRouter(deps: IndexDeps) {
  return buildRouter('index', {
    ...miscHandlers(deps),
    ...userHandlers(deps),
    ...repositoryHandlers(deps),
    ...webHandlers(deps),
    ...webhookHandlers(deps),
  }, { ...indexGuards(deps), ...webGuards(deps) });
}
