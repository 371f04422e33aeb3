/** Log in, sign up, log out and account settings: plain forms, each with the page's form token. */
import type { UserRecord } from '../../../store/metadata-store.js';
import { html, type Html } from '../html.js';
import { csrfField, type Visitor } from '../layout.js';

export function loginPage(visitor: Visitor, opts: { next: string; username?: string }): Html {
  return html`<h1>Log in</h1>
<form method="post" action="/login" class="stack card">${csrfField(visitor)}<input type="hidden" name="next" value="${opts.next}">
<label for="username">Username</label><input id="username" type="text" name="username" autocomplete="username" required value="${opts.username ?? ''}" autofocus>
<label for="password">Password</label><input id="password" type="password" name="password" autocomplete="current-password" required>
<button type="submit">Log in</button></form>
<p>No account? <a href="/signup">Sign up</a>. The same account logs in with <code>npx v1hub login</code> and <code>docker login</code>.</p>`;
}

export function signupPage(visitor: Visitor, opts: { username?: string; email?: string }): Html {
  return html`<h1>Sign up</h1>
<form method="post" action="/signup" class="stack card">${csrfField(visitor)}
<label for="username">Username</label><input id="username" type="text" name="username" autocomplete="username" required value="${opts.username ?? ''}" aria-describedby="username-rule" autofocus>
<p id="username-rule" class="meta">4 to 30 characters: lower-case letters, digits and <code>_</code>. It becomes your namespace.</p>
<label for="email">Email</label><input id="email" type="email" name="email" autocomplete="email" required value="${opts.email ?? ''}">
<label for="password">Password</label><input id="password" type="password" name="password" autocomplete="new-password" required minlength="5" aria-describedby="password-rule">
<p id="password-rule" class="meta">At least 5 characters.</p>
<button type="submit">Create account</button></form>
<p>Have an account? <a href="/login">Log in</a>.</p>`;
}

export function logoutPage(visitor: Visitor): Html {
  if (!visitor.user) return html`<h1>Log out</h1><p>You are not signed in. <a href="/login">Log in</a>.</p>`;
  return html`<h1>Log out</h1><form method="post" action="/logout" class="stack card">${csrfField(visitor)}<p>Signed in as <strong>${visitor.user.username}</strong>.</p><button type="submit">Log out</button></form>`;
}

export function settingsPage(visitor: Visitor, user: UserRecord): Html {
  return html`<h1>Account settings</h1>
<form method="post" action="/settings" class="stack card">${csrfField(visitor)}
<p class="meta">Signed in as <strong>${user.username}</strong>. Changing the password signs out every other browser and ends every token issued before.</p>
<label for="email">Email</label><input id="email" type="email" name="email" autocomplete="email" value="${user.email}">
<label for="new-password">New password <span class="meta">(leave empty to keep it)</span></label><input id="new-password" type="password" name="new_password" autocomplete="new-password" minlength="5">
<label for="current-password">Current password</label><input id="current-password" type="password" name="current_password" autocomplete="current-password" required>
<button type="submit">Save changes</button></form>`;
}
