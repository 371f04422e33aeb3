/**
 * Sign up, log in, log out, settings. Credentials are checked by the same user service as `docker login`
 * (so the same wrong-password answer, timing decoy and inactive-account rule); a session starts only after
 * that, with a fresh id (a session id from before sign-in is never kept).
 */
import type { Context } from 'koa';
import { V1Error } from '@v1hub/shared';
import type { IndexDeps } from '../../deps.js';
import type { UserRecord } from '../../store/metadata-store.js';
import { renderPage } from '../web/layout.js';
import { loginPage, logoutPage, settingsPage, signupPage } from '../web/pages/account-pages.js';
import { clearSessionCookie, formField, sessionCookie, setSessionCookie, signedInUser, visitorOf } from '../web/web-session.js';

/**
 * Where to go after logging in: a path on this site only. `//evil.example` and `/\\evil.example` are
 * other sites to a browser, so anything that is not a plain local path goes home.
 */
export function safeNext(next: string): string {
  return /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

export function accountPages(deps: IndexDeps) {
  async function signIn(ctx: Context, user: UserRecord, next: string): Promise<void> {
    await deps.sessions.end(sessionCookie(ctx));
    const { cookie } = await deps.sessions.start(user);
    setSessionCookie(ctx, cookie, deps.sessions.ttlMs);
    ctx.status = 303;
    ctx.redirect(safeNext(next));
  }

  return {
    async webLoginForm(ctx: Context): Promise<void> {
      const visitor = visitorOf(ctx);
      const next = safeNext(typeof ctx.query.next === 'string' ? ctx.query.next : '/');
      if (visitor.user) {
        ctx.status = 303;
        ctx.redirect(next);
        return;
      }
      renderPage(ctx, visitor, { title: 'Log in', body: loginPage(visitor, { next }) });
    },

    async webLogin(ctx: Context): Promise<void> {
      const visitor = visitorOf(ctx);
      const username = formField(ctx, 'username').trim();
      const next = safeNext(formField(ctx, 'next') || '/');
      try {
        const user = await deps.users.authenticate(username, formField(ctx, 'password'));
        await signIn(ctx, user, next);
      } catch (err) {
        if (!(err instanceof V1Error) || (err.status !== 401 && err.status !== 403)) throw err;
        const text = err.status === 401 ? 'Wrong username or password.' : err.message;
        renderPage(ctx, visitor, { title: 'Log in', status: err.status, notice: { kind: 'error', text }, body: loginPage(visitor, { next, username }) });
      }
    },

    async webSignupForm(ctx: Context): Promise<void> {
      const visitor = visitorOf(ctx);
      renderPage(ctx, visitor, { title: 'Sign up', body: signupPage(visitor, {}) });
    },

    async webSignup(ctx: Context): Promise<void> {
      const visitor = visitorOf(ctx);
      const fields = { username: formField(ctx, 'username').trim(), email: formField(ctx, 'email').trim(), password: formField(ctx, 'password') };
      let user: UserRecord;
      try {
        user = await deps.users.register(fields);
      } catch (err) {
        if (!(err instanceof V1Error) || err.status !== 400) throw err;
        const text = err.code === 'USER_EXISTS' ? 'That username or email is taken: choose another, or log in.' : err.message;
        renderPage(ctx, visitor, { title: 'Sign up', status: 400, notice: { kind: 'error', text }, body: signupPage(visitor, { username: fields.username, email: fields.email }) });
        return;
      }
      ctx.state.log.info('account created from the Web UI', { user: user.username });
      if (!user.active) {
        renderPage(ctx, visitor, { title: 'Account created', status: 201, notice: { kind: 'info', text: `Account ${user.username} created. An administrator activates it before it can log in.` }, body: loginPage(visitor, { next: '/', username: user.username }) });
        return;
      }
      await signIn(ctx, user, `/u/${encodeURIComponent(user.username)}`);
    },

    async webLogoutForm(ctx: Context): Promise<void> {
      const visitor = visitorOf(ctx);
      renderPage(ctx, visitor, { title: 'Log out', body: logoutPage(visitor) });
    },

    async webLogout(ctx: Context): Promise<void> {
      await deps.sessions.end(sessionCookie(ctx));
      clearSessionCookie(ctx);
      ctx.status = 303;
      ctx.redirect('/');
    },

    async webSettingsForm(ctx: Context): Promise<void> {
      const visitor = visitorOf(ctx);
      const saved = ctx.query.saved === '1' ? { notice: { kind: 'info' as const, text: 'Saved.' } } : {};
      renderPage(ctx, visitor, { title: 'Settings', ...saved, body: settingsPage(visitor, signedInUser(ctx)) });
    },

    async webSettings(ctx: Context): Promise<void> {
      const visitor = visitorOf(ctx);
      const user = signedInUser(ctx);
      const email = formField(ctx, 'email').trim();
      const password = formField(ctx, 'new_password');
      const fail = (status: number, text: string) => renderPage(ctx, visitor, { title: 'Settings', status, notice: { kind: 'error', text }, body: settingsPage(visitor, user) });
      try {
        await deps.users.authenticate(user.username, formField(ctx, 'current_password'));
      } catch (err) {
        if (!(err instanceof V1Error) || err.status !== 401) throw err;
        fail(403, 'The current password is wrong: nothing was changed.');
        return;
      }
      const change = { ...(email !== '' && email !== user.email ? { email } : {}), ...(password !== '' ? { password } : {}) };
      if (Object.keys(change).length === 0) {
        fail(400, 'Nothing to change: give a new email or a new password.');
        return;
      }
      let updated: UserRecord;
      try {
        updated = await deps.users.update(user, user.username, change);
      } catch (err) {
        if (!(err instanceof V1Error) || err.status >= 500) throw err;
        fail(err.status, err.message);
        return;
      }
      // A new password ends every session (the fingerprint changed), this one too: start a fresh one.
      if (password !== '') await signIn(ctx, updated, '/settings?saved=1');
      else {
        ctx.status = 303;
        ctx.redirect('/settings?saved=1');
      }
    },
  };
}
