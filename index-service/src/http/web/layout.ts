/** The frame of every Web UI page: header with search and the signed-in user, main content, footer. */
import type { Context } from 'koa';
import type { SessionRecord, UserRecord } from '../../store/metadata-store.js';
import { html, type Html } from './html.js';

/** Who is looking at a page, as the session guard found out (web-session.ts). */
export interface Visitor {
  readonly user: UserRecord | null;
  readonly session: SessionRecord | null;
  /** The form token every form on the page carries (`_csrf`). */
  readonly csrf: string;
}

export interface PageOptions {
  readonly title: string;
  readonly body: Html;
  /** The search box's text. */
  readonly query?: string;
  readonly status?: number;
  /** A message shown above the content (an error, or what just happened). */
  readonly notice?: { readonly kind: 'error' | 'info'; readonly text: string };
}

/** The hidden field every state-changing form carries. */
export function csrfField(visitor: Visitor): Html {
  return html`<input type="hidden" name="_csrf" value="${visitor.csrf}">`;
}

function accountNav(visitor: Visitor): Html {
  if (!visitor.user) return html`<a href="/login">Log in</a><a href="/signup">Sign up</a>`;
  const name = visitor.user.username;
  return html`<span>Signed in as <a href="/u/${encodeURIComponent(name)}" data-testid="signed-in-user"><strong>${name}</strong></a></span><a href="/settings">Settings</a>
<form method="post" action="/logout">${csrfField(visitor)}<button type="submit">Log out</button></form>`;
}

export function renderPage(ctx: Context, visitor: Visitor, opts: PageOptions): void {
  ctx.status = opts.status ?? 200;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  const notice = opts.notice ? html`<div class="notice ${opts.notice.kind}" role="${opts.notice.kind === 'error' ? 'alert' : 'status'}">${opts.notice.text}</div>` : '';
  ctx.body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${opts.title} · v1hub</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/static/v1hub.css"><script src="/static/v1hub.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="bar"><a class="brand" href="/">v1hub<small>Index</small></a>
<form class="search" method="get" action="/search" role="search"><label for="site-search" class="skip">Search repositories</label><input id="site-search" type="search" name="q" placeholder="Search repositories" value="${opts.query ?? ''}"><button type="submit">Search</button></form>
<nav class="account" aria-label="Account"><a href="/live">Live handshake</a>${accountNav(visitor)}</nav></div></header>
<main id="main" tabindex="-1">${notice}${opts.body}</main>
<footer>v1hub — the Index of the Docker Registry v1 Index / Registry split. Docker clients use <code>/v1/…</code> on this host.</footer>
</body></html>
`.text;
}
