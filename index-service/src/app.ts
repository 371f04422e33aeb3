/** buildIndexApp(deps): the Koa wiring of the Index — no I/O, no environment. A store outage is a 503. */
import type Koa from 'koa';
import { V1Error, WATCHED_HEADER, buildServiceApp, formatRepoName, parseRepoName, parseV2Name } from '@v1hub/shared';
import { V2TokenService } from './domain/v2-token-service.js';
import type { IndexDeps } from './deps.js';
import { refuseCrossSiteWrites } from './http/cross-site.js';
import { buildIndexRouter } from './http/routes.js';
import { v2TokenEndpoints } from './http/handlers/v2-token.js';
import { StoreUnavailableError } from './store/metadata-store.js';

const REGISTRY_QUESTIONS = new Set(['getRepositoryImages', 'getLayerAccess', 'putRepositoryAuth', 'registryTagEvent']);

export function buildIndexApp(deps: IndexDeps): Koa {
  return buildServiceApp({
    log: deps.log,
    router: buildIndexRouter(deps).router,
    beforeRoutes: [refuseCrossSiteWrites(), ...(deps.v2Tokens ? [v2TokenEndpoints(deps, deps.v2Tokens)] : [])],
    exchanges: {
      feed: deps.live.feed,
      describe: {
        to: 'index',
        // A token on these routes is a registry asking whether it is good (§5.3 step 5, I11, I12).
        callerOf: (ctx) => (/^\s*token\b/i.test(ctx.get('Authorization')) && REGISTRY_QUESTIONS.has(String((ctx.state as { routeName?: string }).routeName)) ? 'registry' : 'client'),
        repositoryOf: (ctx) => {
          // A v2 token request names its repository in its scope.
          const scope = ctx.path.startsWith('/v2/token') ? V2TokenService.readScopes(ctx.query).find((s) => s.type === 'repository') : undefined;
          if (scope !== undefined) {
            const name = parseV2Name(scope.name);
            return name ? formatRepoName(name) : null;
          }
          const parsed = parseRepoName((ctx.params as { repository?: string } | undefined)?.repository ?? '');
          return parsed.ok ? formatRepoName(parsed.value) : null;
        },
        // A v1hub registry watched by someone publishes its own calls to the Index, inside its own exchange.
        skip: (ctx) => ctx.get(WATCHED_HEADER) === '1',
      },
    },
    metrics: deps.metrics,
    translate: (err) => {
      if (!(err instanceof StoreUnavailableError)) return err;
      deps.metrics.storeErrors.inc({ store: 'metadata' });
      return new V1Error('UNAVAILABLE', { message: 'Metadata store unavailable, try again shortly', cause: err });
    },
  });
}
