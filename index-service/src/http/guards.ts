/**
 * The Index's guards, one per value of the route table's `auth` column (shared/src/protocol/routes.ts).
 * `buildRouter` runs the one a route names before its handler; a handler reads the caller the guard
 * established (`callerOf`) and never parses credentials itself. What a caller may then do to a
 * repository is the access policy's decision (domain/access-policy.ts), asked by the domain services.
 */
import type { Context, Middleware, Next } from 'koa';
import { V1Error, allowAnyone, indexUnauthorized, type RouteGuards } from '@v1hub/shared';
import type { IndexDeps } from '../deps.js';
import type { TokenRecord, UserRecord } from '../store/metadata-store.js';
import { hasTokenAuthorization, optionalUser, peerOf, repoFromParams } from './request-helpers.js';

/** Who is calling, as the route's guard established it. */
export interface Caller {
  /**
   * The caller's account: from valid Basic credentials, or the one a validated token was issued to (as the
   * validation found it, active and allowed); null for anonymous callers and anonymous tokens.
   */
  readonly user: UserRecord | null;
  /** The one token validated for the URL's repository (token-accepting routes only). */
  readonly token: TokenRecord | null;
}

const ANONYMOUS: Caller = { user: null, token: null };

export function callerOf(ctx: Context): Caller {
  return (ctx.state as { caller?: Caller }).caller ?? ANONYMOUS;
}

/** The signed-in account of a `basic` or `admin` route. */
export function userOf(ctx: Context): UserRecord {
  const user = callerOf(ctx).user;
  // A route whose guard guarantees an account reached its handler without one: a wiring bug, never the caller's.
  if (!user) throw new Error(`route ${String((ctx.state as { routeName?: string }).routeName)} has no signed-in caller: check its auth value`);
  return user;
}

function setCaller(ctx: Context, caller: Caller): void {
  (ctx.state as { caller?: Caller }).caller = caller;
}

export function indexGuards(deps: IndexDeps): RouteGuards {
  const requireUser = async (ctx: Context): Promise<UserRecord> => {
    const user = await optionalUser(ctx, deps);
    if (!user) throw indexUnauthorized('UNAUTHORIZED');
    return user;
  };

  /** Validates the request's token for the URL's repository; `need` is the access the route requires. */
  const validToken = async (ctx: Context, need?: 'delete'): Promise<Caller | null> => {
    const result = await deps.tokens.validate(ctx.get('Authorization'), repoFromParams(ctx), { peer: peerOf(ctx), ...(need ? { need } : {}) });
    return result.valid ? { user: result.user, token: result.token } : null;
  };

  const guard = (decide: (ctx: Context) => Promise<Caller>): Middleware =>
    async function routeGuard(ctx: Context, next: Next): Promise<void> {
      setCaller(ctx, await decide(ctx));
      await next();
    };

  return {
    none: allowAnyone,
    basic: guard(async (ctx) => ({ user: await requireUser(ctx), token: null })),
    'basic-optional': guard(async (ctx) => ({ user: await optionalUser(ctx, deps), token: null })),
    admin: guard(async (ctx) => {
      const user = await requireUser(ctx);
      if (!user.admin) throw new V1Error('FORBIDDEN', { message: 'Administrators only' });
      return { user, token: null };
    }),
    'token-or-basic-optional': guard(async (ctx) => {
      if (!hasTokenAuthorization(ctx)) return { user: await optionalUser(ctx, deps), token: null };
      const caller = await validToken(ctx);
      if (!caller) throw indexUnauthorized('INVALID_TOKEN');
      return caller;
    }),
    // I11 answers 404 for an unknown repository and 403 `Permission denied` for any token that is not a
    // valid delete token for it (§3.1 I11 errors), in that order.
    'delete-token-or-basic': guard(async (ctx) => {
      if (!hasTokenAuthorization(ctx)) return { user: await requireUser(ctx), token: null };
      await deps.repositories.require(repoFromParams(ctx));
      const caller = await validToken(ctx, 'delete');
      if (!caller) throw new V1Error('FORBIDDEN', { message: 'Permission denied' });
      return caller;
    }),
  };
}
