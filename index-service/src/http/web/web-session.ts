/**
 * The Web UI's two guards (route table `auth` values `session-optional` and `session`) and its cookies.
 *
 * - A signed-in browser holds `v1hub_session` (HttpOnly, SameSite=Lax, Secure over https); the store holds
 *   only its sha256 (domain/session-service.ts).
 * - Every state-changing form carries `_csrf`: the session's form token when signed in, else the value of
 *   the `v1hub_form` cookie (double submit), so a login or sign-up form cannot be posted from another site
 *   either. This is on top of the Origin check every write gets (cross-site.ts).
 * - Form bodies are parsed with koa-body (urlencoded only, 64 KiB). Docker wire routes never see any of it.
 */
import type { Context, Middleware, Next } from 'koa';
import { HttpMethodEnum, koaBody } from 'koa-body';
import { V1Error } from '@v1hub/shared';
import type { IndexDeps } from '../../deps.js';
import { sameSecret } from '../../domain/session-service.js';
import { html } from './html.js';
import { renderPage, type Visitor } from './layout.js';

export const SESSION_COOKIE = 'v1hub_session';
export const FORM_COOKIE = 'v1hub_form';
const FORM_LIMIT = 64 * 1024;

const parseForm = koaBody({
  urlencoded: true,
  json: false,
  text: false,
  multipart: false,
  formLimit: FORM_LIMIT,
  parsedMethods: [HttpMethodEnum.POST],
  onError: (err) => {
    const status = (err as { status?: number }).status;
    throw status === 413 ? new V1Error('BODY_TOO_LARGE') : new V1Error('INVALID_REQUEST', { message: 'Unreadable form body' });
  },
});

export function visitorOf(ctx: Context): Visitor {
  const visitor = (ctx.state as { visitor?: Visitor }).visitor;
  if (!visitor) throw new Error(`route ${String((ctx.state as { routeName?: string }).routeName)} has no visitor: check its auth value`);
  return visitor;
}

/** The signed-in account of a `session` route. */
export function signedInUser(ctx: Context): NonNullable<Visitor['user']> {
  const user = visitorOf(ctx).user;
  if (!user) throw new Error('session route reached without a signed-in visitor');
  return user;
}

/** A form field as one string ('' when absent; the first of repeated values). */
export function formField(ctx: Context, name: string): string {
  const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
  const value = body[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return '';
}

function cookieOptions(ctx: Context, maxAge?: number) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: '/', overwrite: true, ...(maxAge !== undefined ? { maxAge } : {}) };
}

export function setSessionCookie(ctx: Context, value: string, maxAgeMs: number): void {
  ctx.cookies.set(SESSION_COOKIE, value, cookieOptions(ctx, maxAgeMs));
}

export function clearSessionCookie(ctx: Context): void {
  ctx.cookies.set(SESSION_COOKIE, '', { ...cookieOptions(ctx), expires: new Date(0) });
}

export function sessionCookie(ctx: Context): string {
  return ctx.cookies.get(SESSION_COOKIE) ?? '';
}

export function webGuards(deps: IndexDeps): { 'session-optional': Middleware; session: Middleware } {
  async function establish(ctx: Context): Promise<Visitor> {
    const active = await deps.sessions.resolve(sessionCookie(ctx));
    if (active) return { user: active.user, session: active.session, csrf: active.session.csrf };
    // Anonymous: the form token lives in its own cookie, made on first sight.
    let formToken = ctx.cookies.get(FORM_COOKIE) ?? '';
    if (!/^[A-Za-z0-9_-]{43}$/.test(formToken)) {
      formToken = deps.sessions.newFormToken();
      ctx.cookies.set(FORM_COOKIE, formToken, cookieOptions(ctx));
    }
    if (sessionCookie(ctx) !== '') clearSessionCookie(ctx);
    return { user: null, session: null, csrf: formToken };
  }

  async function checkForm(ctx: Context, visitor: Visitor): Promise<void> {
    if (ctx.method !== 'POST') return;
    if (!ctx.is('application/x-www-form-urlencoded')) throw new V1Error('UNSUPPORTED_MEDIA_TYPE', { message: 'Forms are sent as application/x-www-form-urlencoded' });
    await parseForm(ctx, async () => {});
    if (!sameSecret(formField(ctx, '_csrf'), visitor.csrf)) {
      throw new V1Error('FORBIDDEN', { message: 'The form has expired or did not come from this site: reload the page and try again' });
    }
  }

  const guard = (required: boolean): Middleware =>
    async function webGuard(ctx: Context, next: Next): Promise<void> {
      const visitor = await establish(ctx);
      (ctx.state as { visitor?: Visitor }).visitor = visitor;
      if (required && !visitor.user) {
        ctx.redirect(`/login?next=${encodeURIComponent(ctx.originalUrl)}`);
        ctx.status = 303;
        return;
      }
      try {
        await checkForm(ctx, visitor);
        await next();
      } catch (err) {
        // A person gets a page with the same status and message a program would get as JSON.
        if (!(err instanceof V1Error) || err.status >= 500 || !ctx.accepts('html')) throw err;
        renderPage(ctx, visitor, { title: `Error ${err.status}`, status: err.status, notice: { kind: 'error', text: err.message }, body: html`<p><a href="/">Back to the home page</a></p>` });
      }
    };

  return { 'session-optional': guard(false), session: guard(true) };
}
