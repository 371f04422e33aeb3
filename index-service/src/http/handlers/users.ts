/** I3–I5: accounts with Docker 1.x login semantics (v1-protocol.md §3.1, §6.1). */
import type { Context } from 'koa';
import { readJsonBody, sendJson } from '@v1hub/shared';
import type { IndexDeps } from '../../deps.js';
import { userOf } from '../guards.js';

export function userHandlers(deps: IndexDeps) {
  return {
    /** I3: 201 "User Created", or the bare-string 400 that sends Docker to the GET fallback. */
    async createUser(ctx: Context): Promise<void> {
      const { value } = await readJsonBody(ctx, 'JSON_DECODE');
      const user = await deps.users.register(value);
      ctx.state.log.info('account created', { username: user.username });
      sendJson(ctx, 201, 'User Created');
    },
    /** I4: 200 "OK" for good credentials; the route's guard answered 401 (wrong) or 403 (inactive) already. */
    async checkLogin(ctx: Context): Promise<void> {
      sendJson(ctx, 200, 'OK');
    },
    /** I5: 204 with an empty body. */
    async updateUser(ctx: Context): Promise<void> {
      const actor = userOf(ctx);
      const { value } = await readJsonBody(ctx, 'JSON_DECODE');
      await deps.users.update(actor, (ctx.params as { username: string }).username, value);
      sendJson(ctx, 204, '');
    },
  };
}
