/**
 * Mounts a service's handlers from the shared route table (design §10: registration is data-driven).
 * Every route of the service must have a handler — a forgotten route fails at build time, not in
 * production — and paths are registered in legacy precedence order (routes.ts compareRoutePrecedence).
 */
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { ROUTES, mountedPathsFor, type IndexRouteName, type MountedPath, type RegistryRouteName, type RouteAuth, type RouteName, type RouteSpec, type Service } from '../protocol/routes.js';
import type { RequestState } from './request-context.js';

export type RouteHandlers<N extends RouteName> = { readonly [K in N]: Middleware | readonly Middleware[] };

export interface BuiltRouter {
  readonly router: Router;
  /** Every path mounted, in precedence order (tests check it against the route table). */
  readonly mounted: MountedPath[];
}

/**
 * The guard a service runs for each value of the route table's `auth` column. `none` must be given too
 * (usually `allowAnyone`), so a route is never mounted without a decision about who may call it.
 */
export type RouteGuards = Partial<Readonly<Record<RouteAuth, Middleware>>>;

export interface MountOptions {
  /** Mount the standalone-only routes (the registry's fake index, §3.3). */
  readonly standalone?: boolean;
  /** Mount the mirror-only routes (§9 item 8). */
  readonly mirror?: boolean;
}

/** The explicit guard of `auth: 'none'` routes. */
export const allowAnyone: Middleware = async (_ctx, next) => {
  await next();
};

/**
 * Builds a router with every route of `service`; `ctx.state.routeName` is set,
 * then the guard of the route's `auth` value runs, then the handler. The handler table is checked twice: by
 * the compiler (every route name of the service is a required key) and at run time (for callers that build
 * the table dynamically); a route whose `auth` value has no guard refuses to build.
 */
export function buildRouter(service: 'index', handlers: RouteHandlers<IndexRouteName>, guards: RouteGuards, opts?: MountOptions): BuiltRouter;
export function buildRouter(service: 'registry', handlers: RouteHandlers<RegistryRouteName>, guards: RouteGuards, opts?: MountOptions): BuiltRouter;
export function buildRouter(service: Service, handlers: RouteHandlers<RouteName>, guards: RouteGuards, opts?: MountOptions): BuiltRouter;
export function buildRouter(service: Service, handlers: Partial<RouteHandlers<RouteName>>, guards: RouteGuards, opts: MountOptions = {}): BuiltRouter {
  const router = new Router({ strict: false });
  const mounted = mountedPathsFor(service, opts);
  const table = handlers as Record<string, Middleware | readonly Middleware[] | undefined>;
  const names = [...new Set(mounted.map((m) => m.name))];
  const missing = names.filter((name) => table[name] === undefined);
  if (missing.length > 0) throw new Error(`${service}: no handler for route(s) ${missing.join(', ')}`);
  const unguarded = names.filter((name) => !Object.hasOwn(guards, (ROUTES[name] as RouteSpec).auth));
  if (unguarded.length > 0) throw new Error(`${service}: no guard for the auth value of route(s) ${unguarded.map((n) => `${n} (${(ROUTES[n] as RouteSpec).auth})`).join(', ')}`);
  const register = (m: MountedPath, path: string, strict: boolean): void => {
    const handler = table[m.name] as Middleware | readonly Middleware[];
    const guard = guards[(ROUTES[m.name] as RouteSpec).auth] as Middleware;
    const chain = [guard, ...(Array.isArray(handler) ? handler : [handler as Middleware])];
    const tag: Middleware = async (ctx, next) => {
      (ctx.state as RequestState).routeName = m.name;
      await next();
    };
    router.register(path, [m.method], [tag, ...chain], { name: m.name, strict });
  };
  // A path written with its trailing slash, sent with it, is matched first: `PUT /v1/repositories/alice/images/`
  // creates the repository alice/images (I6, "the trailing slash … is what the client sends", §3); it is not
  // the image list of library/alice (I9, no slash), which would otherwise outrank it.
  for (const m of mounted) if (m.path.length > 1 && m.path.endsWith('/')) register(m, m.path, true);
  // Otherwise trailing slashes are optional, as they were for the legacy services.
  for (const m of mounted) register(m, m.path.length > 1 ? m.path.replace(/\/$/, '') : m.path, false);
  return { router, mounted };
}
