/**
 * The Web UI over the wire (issue #14), against a real `v1hub up`: every page at its URL, and what an attacker
 * tries — forms without or with another visitor's token, forms from another site, script in a description, a
 * redirect after login to another site, a private repository seen by a stranger, settings posted by someone
 * who is not the owner, a session that outlives its password.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { startWebStack, type WebStack } from './web-stack.js';

/** A browser's worth of state: one cookie jar, following no redirects (tests read them). */
class Browser {
  private readonly cookies = new Map<string, string>();
  readonly setCookies: string[] = [];
  constructor(private readonly base: string) {}

  async get(path: string, headers: Record<string, string> = {}) {
    return this.send('GET', path, undefined, headers);
  }

  /** Fields as an object, or an already encoded form (repeated names). */
  async post(path: string, fields: Record<string, string> | string, headers: Record<string, string> = {}) {
    const body = typeof fields === 'string' ? fields : new URLSearchParams(fields).toString();
    return this.send('POST', path, body, { 'Content-Type': 'application/x-www-form-urlencoded', Origin: this.base, ...headers });
  }

  /** The `_csrf` value of the first form on a page. */
  async formToken(path: string): Promise<string> {
    const page = await this.get(path);
    const match = /name="_csrf" value="([^"]+)"/.exec(page.text);
    if (!match) throw new Error(`no form token on ${path}`);
    return match[1] as string;
  }

  async login(username: string, password: string) {
    const token = await this.formToken('/login');
    return this.post('/login', { _csrf: token, username, password, next: '/' });
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private async send(method: string, path: string, body: string | undefined, headers: Record<string, string>) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(this.base + path, { method, redirect: 'manual', headers: { Accept: 'text/html', ...(cookie ? { Cookie: cookie } : {}), ...headers }, ...(body !== undefined ? { body } : {}) });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair] = line.split(';');
      const [name, ...value] = (pair as string).split('=');
      if (value.join('=') === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name as string);
      else this.cookies.set(name as string, value.join('='));
    }
    return { status: res.status, text: await res.text(), headers: res.headers };
  }
}

describe('Web UI pages and forms (real v1hub up)', function () {
  this.timeout(120_000);
  let stack: WebStack;
  let alice: Browser;

  before(async () => {
    stack = await startWebStack();
    expect((await stack.cli(['login', stack.server, '-u', 'alice', '-p', 'password1', '-e', 'alice@example.com'])).code).to.equal(0);
    const push = await stack.cli(['push', `${stack.server}/alice/example:latest`, '--from', stack.exampleImage]);
    expect(push.code, push.stderr).to.equal(0);
    alice = new Browser(stack.indexUrl);
    expect((await alice.login('alice', 'password1')).status).to.equal(303);
  });
  after(() => stack?.stop());

  it('serves every page at its URL, with the signed-in user on each, and keeps the JSON banner for clients', async () => {
    for (const path of ['/', '/search?q=example', '/r/alice/example', '/u/alice', '/settings', '/logout']) {
      const page = await alice.get(path);
      expect(page.status, path).to.equal(200);
      expect(page.headers.get('content-type'), path).to.equal('text/html; charset=utf-8');
      expect(page.text, path).to.include('data-testid="signed-in-user"><strong>alice</strong>');
      expect(page.headers.get('content-security-policy'), path).to.include("default-src 'none'");
    }
    const anonymous = new Browser(stack.indexUrl);
    for (const path of ['/login', '/signup']) expect((await anonymous.get(path)).status, path).to.equal(200);
    const banner = await fetch(`${stack.indexUrl}/`);
    expect(await banner.json()).to.equal('v1hub index server');
    expect((await anonymous.get('/ui/')).headers.get('location')).to.equal('/');
    expect((await anonymous.get('/settings')).headers.get('location')).to.equal('/login?next=%2Fsettings');
  });

  it('shows the repository page with tags from the registry, the chain, sizes and the pull command for this Index', async () => {
    const page = await alice.get('/r/alice/example');
    expect(page.text).to.include('<strong>latest</strong>');
    expect(page.text).to.match(/latest: 2 layers, \d+ B/);
    expect(page.text).to.include(`npx v1hub pull ${stack.server}/alice/example:latest --to example.tar`);
    expect(page.text).to.include(`docker pull ${stack.server}/alice/example:latest`);
    expect(page.text).to.match(/sha256:[0-9a-f]{64}/);
    expect(page.text).to.include(stack.registryUrl.replace('http://', ''));
  });

  it('sets the session cookie HttpOnly and SameSite=Lax, and stores no password or token in it', async () => {
    const line = alice.setCookies.find((c) => c.startsWith('v1hub_session=') && !/expires=Thu, 01 Jan 1970/i.test(c)) as string;
    expect(line).to.match(/httponly/i).and.match(/samesite=lax/i).and.match(/path=\//i);
    expect(alice.cookie('v1hub_session')).to.match(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a form without the form token, with another visitor\'s token, or from another site', async () => {
    const before = await alice.get('/r/alice/example');
    expect(before.text).to.include('No description.');
    const missing = await alice.post('/r/alice/example/settings', { description: 'pwned', visibility: 'public' });
    expect(missing.status).to.equal(403);
    const mallory = new Browser(stack.indexUrl);
    const foreignToken = await mallory.formToken('/login');
    const foreign = await alice.post('/r/alice/example/settings', { _csrf: foreignToken, description: 'pwned', visibility: 'public' });
    expect(foreign.status).to.equal(403);
    const token = await alice.formToken('/r/alice/example');
    const crossSite = await alice.post('/r/alice/example/settings', { _csrf: token, description: 'pwned' }, { Origin: 'http://evil.example' });
    expect(crossSite.status).to.equal(403);
    expect((await alice.get('/r/alice/example')).text).not.to.include('pwned');
  });

  it('shows a <script> description as text, on the repository page and in search', async () => {
    const token = await alice.formToken('/r/alice/example');
    const saved = await alice.post('/r/alice/example/settings', { _csrf: token, description: '<script>alert(1)</script> & "quotes"', visibility: 'public' });
    expect(saved.status).to.equal(303);
    for (const path of ['/r/alice/example', '/search?q=example', '/u/alice', '/']) {
      const page = await alice.get(path);
      expect(page.text, path).not.to.include('<script>alert(1)');
      expect(page.text, path).to.include('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    }
  });

  it('lets nobody but the owner change settings, collaborators or delete', async () => {
    const bobCli = await stack.cli(['login', stack.server, '-u', 'bobby', '-p', 'password2', '-e', 'bob@example.com'], 'bobby');
    expect(bobCli.code).to.equal(0);
    const bob = new Browser(stack.indexUrl);
    await bob.login('bobby', 'password2');
    const page = await bob.get('/r/alice/example');
    expect(page.text).not.to.include('Delete this repository');
    const token = await bob.formToken('/r/alice/example');
    for (const [action, fields] of [['settings', { description: 'bob was here', visibility: 'private' }], ['collaborators', { action: 'add', username: 'bobby' }], ['delete', { confirm: 'alice/example' }]] as const) {
      const r = await bob.post(`/r/alice/example/${action}`, { _csrf: token, ...fields });
      expect(r.status, action).to.equal(403);
    }
    const after = await alice.get('/r/alice/example');
    expect(after.text).not.to.include('bob was here');
    expect(after.text).to.include('<span class="badge">public</span>');
  });

  it('hides a private repository from an anonymous visitor everywhere, and shows it to its owner', async () => {
    const token = await alice.formToken('/r/alice/example');
    expect((await alice.post('/r/alice/example/settings', { _csrf: token, description: 'now private', visibility: 'private' })).status).to.equal(303);
    const stranger = new Browser(stack.indexUrl);
    expect((await stranger.get('/r/alice/example')).status).to.equal(404);
    for (const path of ['/', '/search?q=example', '/u/alice']) expect((await stranger.get(path)).text, path).not.to.include('alice/example');
    expect((await alice.get('/r/alice/example')).text).to.include('<span class="badge private">private</span>');
    expect((await alice.get('/search?q=example')).text).to.include('alice/example');
    const back = await alice.formToken('/r/alice/example');
    await alice.post('/r/alice/example/settings', { _csrf: back, description: 'public again', visibility: 'public' });
  });

  it('stars and unstars for a signed-in visitor; an anonymous one is sent to log in', async () => {
    const token = await alice.formToken('/r/alice/example');
    expect((await alice.post('/r/alice/example/star', { _csrf: token, starred: '1' })).status).to.equal(303);
    expect((await alice.get('/r/alice/example')).text).to.include('data-testid="star-count">1</span>');
    await alice.post('/r/alice/example/star', { _csrf: token, starred: '0' });
    expect((await alice.get('/r/alice/example')).text).to.include('data-testid="star-count">0</span>');
    const stranger = new Browser(stack.indexUrl);
    const anonymousToken = await stranger.formToken('/login');
    const r = await stranger.post('/r/alice/example/star', { _csrf: anonymousToken, starred: '1' });
    expect([r.status, r.headers.get('location')]).to.deep.equal([303, '/login?next=%2Fr%2Falice%2Fexample%2Fstar']);
  });

  it('never redirects after login to another site', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)']) {
      const b = new Browser(stack.indexUrl);
      const token = await b.formToken('/login');
      const r = await b.post('/login', { _csrf: token, username: 'alice', password: 'password1', next });
      expect([r.status, r.headers.get('location')], next).to.deep.equal([303, '/']);
    }
    const b = new Browser(stack.indexUrl);
    const token = await b.formToken('/login');
    const local = await b.post('/login', { _csrf: token, username: 'alice', password: 'password1', next: '/u/alice' });
    expect(local.headers.get('location')).to.equal('/u/alice');
  });

  it('answers a wrong password with the form again (401) and starts no session', async () => {
    const b = new Browser(stack.indexUrl);
    const r = await b.login('alice', 'wrong-password');
    expect(r.status).to.equal(401);
    expect(r.text).to.include('Wrong username or password.');
    expect(b.cookie('v1hub_session')).to.equal(undefined);
  });

  it('signs up, shows the new user, and refuses a taken name with the form again', async () => {
    const b = new Browser(stack.indexUrl);
    const token = await b.formToken('/signup');
    const r = await b.post('/signup', { _csrf: token, username: 'carol', email: 'carol@example.com', password: 'password3' });
    expect([r.status, r.headers.get('location')]).to.deep.equal([303, '/u/carol']);
    expect((await b.get('/u/carol')).text).to.include('data-testid="signed-in-user"><strong>carol</strong>');
    const again = new Browser(stack.indexUrl);
    const t2 = await again.formToken('/signup');
    const taken = await again.post('/signup', { _csrf: t2, username: 'carol', email: 'other@example.com', password: 'password3' });
    expect(taken.status).to.equal(400);
    expect(taken.text).to.include('That username or email is taken');
    // The account works on the wire too: the same user service.
    expect((await stack.cli(['login', stack.server, '-u', 'carol', '-p', 'password3'], 'carol')).code).to.equal(0);
  });

  it('a password change in settings ends every other session of that user and keeps this one', async () => {
    const first = new Browser(stack.indexUrl);
    const second = new Browser(stack.indexUrl);
    await first.login('carol', 'password3');
    await second.login('carol', 'password3');
    const token = await first.formToken('/settings');
    const wrong = await first.post('/settings', { _csrf: token, email: '', new_password: 'password4', current_password: 'nope-nope' });
    expect(wrong.status).to.equal(403);
    const changed = await first.post('/settings', { _csrf: token, email: '', new_password: 'password4', current_password: 'password3' });
    expect(changed.status).to.equal(303);
    expect((await first.get('/settings')).status).to.equal(200);
    expect((await second.get('/settings')).status).to.equal(303);
    expect((await stack.cli(['login', stack.server, '-u', 'carol', '-p', 'password4'], 'carol')).code).to.equal(0);
  });

  it('log out ends the session on the server: the old cookie no longer signs in', async () => {
    const b = new Browser(stack.indexUrl);
    await b.login('alice', 'password1');
    const stolen = b.cookie('v1hub_session') as string;
    const token = await b.formToken('/settings');
    expect((await b.post('/logout', { _csrf: token })).status).to.equal(303);
    const replay = await fetch(`${stack.indexUrl}/settings`, { redirect: 'manual', headers: { Cookie: `v1hub_session=${stolen}` } });
    expect(replay.status).to.equal(303);
  });

  it('the wire API ignores sessions: a session cookie does not stand in for Basic credentials', async () => {
    const r = await fetch(`${stack.indexUrl}/v1/repositories/alice/example/`, { method: 'PUT', headers: { Cookie: `v1hub_session=${alice.cookie('v1hub_session')}`, 'Content-Type': 'application/json', 'X-Docker-Token': 'true' }, body: '[]' });
    expect(r.status).to.equal(401);
  });

  it('pages search results and says what to try when nothing matches', async () => {
    const none = await alice.get('/search?q=zzznothing');
    expect(none.text).to.include('Nothing matches “zzznothing”');
    const bad = await alice.get('/search?q=x&page=0');
    expect(bad.status).to.equal(400);
    expect(bad.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect((await alice.get('/u/nobody_at_all')).status).to.equal(404);
    expect((await alice.get('/r/a/b/c')).status).to.equal(400);
  });

  it('adds a webhook from the repository page (its secret shown once), lists it, and removes it; the CLI does the same', async () => {
    const received: string[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(body);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const token = await alice.formToken('/r/alice/example');
      const added = await alice.post('/r/alice/example/webhooks', `_csrf=${token}&action=add&url=${encodeURIComponent(url)}&events=push&events=tag`);
      expect(added.status).to.equal(201);
      const secret = /data-testid="webhook-secret">([^<]+)</.exec(added.text)?.[1];
      expect(secret).to.match(/^[A-Za-z0-9_-]{32}$/);
      const page = await alice.get('/r/alice/example');
      expect(page.text).to.include(url).and.include('push, tag');
      expect(page.text).not.to.include(secret as string);
      const push = await stack.cli(['push', `${stack.server}/alice/example:latest`, '--from', stack.exampleImage]);
      expect(push.code, push.stderr).to.equal(0);
      const deadline = Date.now() + 10_000;
      while (!received.some((b) => b.includes('"event":"push"')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received.some((b) => b.includes('"event":"push"'))).to.equal(true);
      const listed = await stack.cli(['repo', 'webhooks', 'list', `${stack.server}/alice/example`]);
      const id = listed.stdout.split(/\s+/)[0] as string;
      expect(listed.stdout).to.include(url);
      const deliveries = await stack.cli(['repo', 'webhooks', 'deliveries', `${stack.server}/alice/example`, id]);
      expect(deliveries.stdout).to.match(/push {2}delivered {2}tries: 200/);
      const bob = new Browser(stack.indexUrl);
      await bob.login('bobby', 'password2');
      const bobToken = await bob.formToken('/r/alice/example');
      expect((await bob.post('/r/alice/example/webhooks', { _csrf: bobToken, action: 'remove', id })).status).to.equal(403);
      const t2 = await alice.formToken('/r/alice/example');
      expect((await alice.post('/r/alice/example/webhooks', { _csrf: t2, action: 'remove', id })).status).to.equal(303);
      expect((await stack.cli(['repo', 'webhooks', 'list', `${stack.server}/alice/example`])).stdout.trim()).to.equal('no webhooks on alice/example');
      const viaCli = await stack.cli(['repo', 'webhooks', 'add', `${stack.server}/alice/example`, url, '--events', 'delete']);
      expect(viaCli.stdout).to.match(/^added webhook [0-9a-f]{16} on alice\/example for delete; its secret \(shown this once\): \S{32}\n$/);
      const refused = await stack.cli(['repo', 'webhooks', 'add', `${stack.server}/alice/example`, 'ftp://example.com/x']);
      expect([refused.code, refused.stderr.trim().split('\n').length]).to.deep.equal([1, 1]);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('deletes a repository from its page: the registry\'s tags, then the Index records', async () => {
    const push = await stack.cli(['push', `${stack.server}/alice/doomed:latest`, '--from', stack.exampleImage]);
    expect(push.code, push.stderr).to.equal(0);
    const token = await alice.formToken('/r/alice/doomed');
    const wrong = await alice.post('/r/alice/doomed/delete', { _csrf: token, confirm: 'alice/other' });
    expect(wrong.status).to.equal(400);
    const r = await alice.post('/r/alice/doomed/delete', { _csrf: token, confirm: 'alice/doomed' });
    expect([r.status, r.headers.get('location')]).to.deep.equal([303, '/u/alice']);
    expect((await alice.get('/r/alice/doomed')).status).to.equal(404);
    const tags = await stack.cli(['tags', `${stack.server}/alice/doomed`]);
    expect(tags.code).to.not.equal(0);
  });
});
