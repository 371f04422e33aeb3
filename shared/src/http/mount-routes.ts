/**
 * Mounts a service's handlers from the shared route table (design §10: registration is data-driven).
 * Every route of the service must have a handler — a forgotten route fails at build time, not in
 * production — and paths are registered in legacy precedence order (routes.ts compareRoutePrecedence).
 */
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { mountedPathsFor, type IndexRouteName, type MountedPath, type RegistryRouteName, type RouteName, type Service } from '../protocol/routes.js';
import type { RequestState } from './request-context.js';

export type RouteHandlers<N extends RouteName> = { readonly [K in N]: Middleware | readonly Middleware[] };

export interface BuiltRouter {
  readonly router: Router;
  /** Every path mounted, in precedence order (tests check it against the route table). */
  readonly mounted: MountedPath[];
}

export interface MountOptions {
  /** Mount the standalone-only routes (the registry's fake index, §3.3). */
  readonly standalone?: boolean;
}

/**
 * Builds a router with every route of `service`; `ctx.state.routeName` and `ctx.state.libraryForm` are set.
 * The handler table is checked twice: by the compiler (every route name of the service is a required key)
 * and at run time (for callers that build the table dynamically).
 */
export function buildRouter(service: 'index', handlers: RouteHandlers<IndexRouteName>, opts?: MountOptions): BuiltRouter;
export function buildRouter(service: 'registry', handlers: RouteHandlers<RegistryRouteName>, opts?: MountOptions): BuiltRouter;
export function buildRouter(service: Service, handlers: RouteHandlers<RouteName>, opts?: MountOptions): BuiltRouter;
export function buildRouter(service: Service, handlers: Partial<RouteHandlers<RouteName>>, opts: MountOptions = {}): BuiltRouter {
  const router = new Router({ strict: false });
  const mounted = mountedPathsFor(service, opts);
  const table = handlers as Record<string, Middleware | readonly Middleware[] | undefined>;
  const missing = [...new Set(mounted.map((m) => m.name))].filter((name) => table[name] === undefined);
  if (missing.length > 0) throw new Error(`${service}: no handler for route(s) ${missing.join(', ')}`);
  const register = (m: MountedPath, path: string, strict: boolean): void => {
    const handler = table[m.name] as Middleware | readonly Middleware[];
    const chain = Array.isArray(handler) ? handler : [handler as Middleware];
    const tag: Middleware = async (ctx, next) => {
      const state = ctx.state as RequestState & { libraryForm?: boolean };
      state.routeName = m.name;
      state.libraryForm = m.library;
      await next();
    };
    router.register(path, [m.method], [tag, ...chain], { name: `${m.name}${m.library ? ':library' : ''}`, strict });
  };
  // A path written with its trailing slash, sent with it, is matched first: `PUT /v1/repositories/alice/images/`
  // creates the repository alice/images (I6, "the trailing slash … is what the client sends", §3); it is not
  // the image list of library/alice (I9, no slash), which would otherwise outrank it.
  for (const m of mounted) if (m.path.length > 1 && m.path.endsWith('/')) register(m, m.path, true);
  // Otherwise trailing slashes are optional, as they were for the legacy services.
  for (const m of mounted) register(m, m.path.length > 1 ? m.path.replace(/\/$/, '') : m.path, false);
  return { router, mounted };
}
