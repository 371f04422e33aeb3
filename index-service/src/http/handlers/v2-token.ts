/**
 * The Index's v2 endpoints (`--v2`), from V2_TOKEN_ROUTES: `GET /v2/token` and `GET /v2/token/jwks`. Mounted
 * in front of the v1 routes; any other `/v2` path is v1's 404. Errors are v2's JSON (`{"errors": […]}`), which
 * Docker reads at `docker login`.
 */
import type { Context, Middleware, Next } from 'koa';
import { V2_DEFAULT_SERVICE, V2Error, matchV2TokenRoute, type RequestState } from '@v1hub/shared';
import type { IndexDeps } from '../../deps.js';
import { V2TokenService } from '../../domain/v2-token-service.js';
import { optionalUser } from '../request-helpers.js';

export function v2TokenEndpoints(deps: IndexDeps, tokens: V2TokenService): Middleware {
  return async (ctx: Context, next: Next) => {
    const route = matchV2TokenRoute(ctx.method, ctx.path);
    if (route === null) return next();
    (ctx.state as RequestState & { routeName?: string }).routeName = route;
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'application/json; charset=utf-8';
    if (route === 'v2TokenKeys') {
      ctx.body = JSON.stringify(tokens.jwks());
      return;
    }
    let user;
    try {
      user = await optionalUser(ctx, deps);
    } catch (err) {
      const message = err instanceof Error ? err.message : 'authentication required';
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Basic realm="v1hub"');
      ctx.body = JSON.stringify(new V2Error('UNAUTHORIZED', undefined, { message }).body());
      return;
    }
    const service = typeof ctx.query.service === 'string' && ctx.query.service !== '' ? ctx.query.service : V2_DEFAULT_SERVICE;
    const access = await tokens.grant(user, V2TokenService.readScopes(ctx.query));
    const issued = await tokens.issue(user, service, access);
    (ctx.state as RequestState).log.info('v2 token issued', { user: user?.username ?? '(anonymous)', service, access: access.map((a) => `${a.type}:${a.name}:${a.actions.join(',')}`) });
    ctx.status = 200;
    ctx.body = JSON.stringify(issued);
  };
}
