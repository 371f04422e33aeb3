/**
 * The Koa wiring both services share: request context → request metrics → the live view's exchange publisher (idle unless
 * watched) → closing connections whose body was refused unread →
 * JSON error rendering → the service's translation of
 * its own backend errors (store down → 503, …) → router → 405 for wrong methods. No global body parser: layer
 * PUTs stream `ctx.req` untouched.
 */
import Koa, { type Middleware } from 'koa';
import type Router from '@koa/router';
import type { Logger } from '../log/logger.js';
import { invalidRequest } from '../errors.js';
import { parseRepoName, type RepoName } from '../protocol/names.js';
import type { ExchangeFeed } from '../events/exchange-feed.js';
import { publishExchanges, type ExchangeDescriber } from '../events/publish-exchanges.js';
import { httpMetrics, type ServiceMetrics } from '../metrics/service-metrics.js';
import { errorMiddleware } from './error-middleware.js';
import { requestContext } from './request-context.js';
import { closeOnUnreadBody } from './unread-body.js';

export function buildServiceApp(opts: { log: Logger; router: Router; translate: (err: unknown) => unknown; beforeRoutes?: readonly Middleware[]; exchanges?: { feed: ExchangeFeed; describe: ExchangeDescriber }; metrics?: ServiceMetrics }): Koa {
  const app = new Koa({ proxy: false });
  // Errors are logged once by the error middleware; Koa's own logger would print them again.
  app.silent = true;
  app.use(requestContext(opts.log));
  if (opts.metrics) app.use(httpMetrics(opts.metrics));
  if (opts.exchanges) app.use(publishExchanges(opts.exchanges.feed, opts.exchanges.describe));
  app.use(closeOnUnreadBody());
  app.use(errorMiddleware());
  app.use(async (_ctx, next) => {
    try {
      await next();
    } catch (err) {
      throw opts.translate(err);
    }
  });
  for (const middleware of opts.beforeRoutes ?? []) app.use(middleware);
  app.use(opts.router.routes());
  app.use(opts.router.allowedMethods());
  return app;
}

/**
 * The repository a route names by the Index's rules (`*repository`: `ns/repo`, or `repo` for the one-segment
 * library form); 400 when invalid.
 */
export function repoFromRouteParams(params: Record<string, string | undefined>): RepoName {
  const name = parseRepoName(params.repository ?? '');
  if (!name.ok) throw invalidRequest(name.error);
  return name.value;
}
