/**
 * The middleware that turns each request into an ExchangeEvent while someone watches (`feed.active`), and
 * does nothing else otherwise. Registry → Index calls made while serving the request are gathered through
 * `validationCalls` (an AsyncLocalStorage, entered only while watched), so the event carries them in order.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Middleware, Next } from 'koa';
import { Header } from '../protocol/headers.js';
import { ROUTES, type RouteName, type RouteSpec } from '../protocol/routes.js';
import { maskSecret } from '../protocol/token.js';
import { workflowStep } from '../protocol/workflow-steps.js';
import type { ExchangeEvent, ValidationCall } from './exchange-event.js';
import type { ExchangeFeed } from './exchange-feed.js';

/**
 * Sent by a v1hub registry on its calls to the Index while its own request is watched: the registry
 * publishes the call inside its own event, so the Index does not publish it a second time.
 */
export const WATCHED_HEADER = 'X-V1hub-Watched';

/** The registry → Index calls of the request being served, when it is watched. */
export const validationCalls = new AsyncLocalStorage<ValidationCall[]>();

/**
 * Records a registry → Index call in the watched request it belongs to. `describe` runs only then: every
 * validation passes here, and while nobody watches nothing is built.
 */
export function recordValidationCall(describe: () => ValidationCall): void {
  validationCalls.getStore()?.push(describe());
}

export interface ExchangeDescriber {
  /** Which lane the request arrived on, and from whom. */
  readonly to: 'index' | 'registry';
  /** `ns/repo` the request concerns, when known (after the route ran). */
  repositoryOf(ctx: Context): string | null;
  /** Who is calling: a client, or a registry validating (the Index tells them apart by the token). */
  callerOf(ctx: Context): 'client' | 'registry';
  /** Requests not to publish (besides Web UI pages and event streams, never published). */
  skip?(ctx: Context): boolean;
}

/** Web UI pages and the event streams themselves are not exchanges of the handshake. */
function isHandshake(ctx: Context): boolean {
  const route = (ctx.state as { routeName?: string }).routeName;
  if (route !== undefined && (ROUTES[route as RouteName] as RouteSpec | undefined)?.row === 'web') return false;
  return !String(ctx.response.type).startsWith('text/event-stream');
}

function tokenIssuedOf(ctx: Context): ExchangeEvent['tokenIssued'] {
  const value = ctx.response.get(Header.Token);
  if (!value) return null;
  const signature = /signature=([^,\s"]+)/.exec(value)?.[1] ?? '';
  const access = /access=(\w+)/.exec(value)?.[1] ?? 'unknown';
  return { access, token: maskSecret(signature) };
}

export function publishExchanges(feed: ExchangeFeed, describe: ExchangeDescriber): Middleware {
  return async function exchangePublisher(ctx: Context, next: Next): Promise<void> {
    if (!feed.active) {
      await next();
      return;
    }
    const time = Date.now();
    const started = process.hrtime.bigint();
    const validations: ValidationCall[] = [];
    let published = false;
    const publish = (aborted: boolean): void => {
      if (published || !feed.active) return;
      published = true;
      if (!isHandshake(ctx) || describe.skip?.(ctx)) return;
      const authorization = ctx.get('Authorization');
      const tokenAuth = /^\s*token\b/i.test(authorization);
      const tokenAsked = ctx.get(Header.Token).toLowerCase().includes('true');
      const route = (ctx.state as { routeName?: string }).routeName ?? null;
      const from = describe.callerOf(ctx);
      feed.publish({
        id: feed.nextId(),
        source: feed.source,
        from,
        to: describe.to,
        time,
        ms: Math.round((Number(process.hrtime.bigint() - started) / 1e6) * 10) / 10,
        method: ctx.method,
        path: ctx.path,
        route,
        status: aborted ? 0 : ctx.status,
        repository: describe.repositoryOf(ctx),
        step: workflowStep(route, { method: ctx.method, tokenAuth, tokenAsked, bearerAuth: /^\s*bearer\b/i.test(authorization) }),
        auth: tokenAuth ? 'Token' : /^\s*basic\b/i.test(authorization) ? 'Basic' : /^\s*bearer\b/i.test(authorization) ? 'Bearer' : null,
        tokenAsked,
        tokenIssued: tokenIssuedOf(ctx),
        verdict: from === 'registry' ? (ctx.status === 200 ? 'true' : 'false') : null,
        validations,
      });
    };
    ctx.res.once('finish', () => publish(false));
    ctx.res.once('close', () => publish(!ctx.res.writableFinished));
    await validationCalls.run(validations, next);
  };
}
