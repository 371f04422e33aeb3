/**
 * The Web UI in a real browser (issue #14): Debian's Chromium, headless, driven by playwright-core (no browser
 * download), against a real `v1hub up`, with the CLI pushing and pulling beside it. Each page's screenshot is
 * saved under docs/screenshots/ for the README.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, requireChromium } from '@v1hub/shared/testing';
import { startWebStack, type WebStack } from './web-stack.js';

// The page.evaluate callbacks run in the browser, not in Node: the DOM names they use, loosely typed here so
// the Node test project needs no DOM library (which would clash with Node's fetch types).
/* eslint-disable @typescript-eslint/no-explicit-any -- browser globals seen from Node */
declare const document: any;
declare const window: any;
declare function getComputedStyle(element: any): any;
type HTMLElement = any;
type HTMLInputElement = any;
type Element = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../docs/screenshots');

describe('Web UI in headless Chromium (real v1hub up, real CLI)', function () {
  this.timeout(180_000);
  let stack: WebStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  const url = (p: string) => stack.indexUrl + p;
  const shot = async (name: string, target: Page = page) => {
    await target.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };
  const watch = (p: Page) => {
    p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  };

  before(async function () {
    requireChromium(this);
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startWebStack();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    watch(page);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });
  afterEach(function () {
    // No page may log an error: a CSP violation or a script failure is a defect even when the test passed.
    expect(problems.splice(0), this.currentTest?.title).to.deep.equal([]);
  });

  it('signs up, logs out and logs in again, the user shown in the header', async () => {
    await page.goto(url('/signup'));
    await shot('signup');
    await page.fill('#username', 'dora');
    await page.fill('#email', 'dora@example.com');
    await page.fill('#password', 'password1');
    await page.click('button[type=submit]:has-text("Create account")');
    await page.waitForURL(url('/u/dora'));
    expect(await page.textContent('[data-testid=signed-in-user]')).to.equal('dora');
    await page.click('nav.account button:has-text("Log out")');
    await page.waitForURL(url('/'));
    expect(await page.locator('[data-testid=signed-in-user]').count()).to.equal(0);
    await page.goto(url('/login'));
    await shot('login');
    await page.fill('#username', 'dora');
    await page.fill('#password', 'password1');
    await page.click('form.stack button[type=submit]');
    await page.waitForURL(url('/'));
    expect(await page.textContent('[data-testid=signed-in-user]')).to.equal('dora');
  });

  it('shows a repository pushed with the CLI: its tags, image chain and pull command', async () => {
    expect((await stack.cli(['login', stack.server, '-u', 'dora', '-p', 'password1'], 'dora')).code).to.equal(0);
    const push = await stack.cli(['push', `${stack.server}/dora/hello:latest`, '--from', stack.exampleImage], 'dora');
    expect(push.code, push.stderr).to.equal(0);
    await page.goto(url('/r/dora/hello'));
    expect(await page.textContent('[data-testid=repository-name]')).to.include('dora/hello');
    expect(await page.textContent('[data-testid=tags]')).to.include('latest');
    expect(await page.textContent('[data-testid=pull-command]')).to.equal(`npx v1hub pull ${stack.server}/dora/hello:latest --to hello.tar`);
    await page.click('details summary');
    expect(await page.locator('details table tbody tr').count()).to.equal(2);
    // The repository title is not smaller than body text.
    const [title, body] = await page.evaluate(() => [parseFloat(getComputedStyle(document.querySelector('h1') as Element).fontSize), parseFloat(getComputedStyle(document.body).fontSize)]);
    expect(title).to.be.at.least(body as number);
    // The page script wrote the dates in the reader's local time.
    expect(await page.getAttribute('time[datetime]', 'title')).not.to.match(/UTC$/);
    await shot('repository');
  });

  it('stars the repository, and finds it by search', async () => {
    await page.click('button:has-text("Star")');
    await page.waitForURL(url('/r/dora/hello'));
    expect(await page.textContent('[data-testid=star-count]')).to.equal('1');
    expect(await page.getAttribute('button[aria-pressed]', 'aria-pressed')).to.equal('true');
    await page.fill('#site-search', 'hello');
    await page.press('#site-search', 'Enter');
    await page.waitForURL(/\/search\?q=hello/);
    expect(await page.textContent('[data-testid=result-count]')).to.equal('1 repository');
    expect(await page.locator('a.repo-card:has-text("dora/hello")').count()).to.equal(1);
    await shot('search');
    await page.goto(url('/'));
    await shot('home');
    await page.goto(url('/u/dora'));
    await shot('user');
    await page.goto(url('/settings'));
    await shot('settings');
  });

  it('makes it private: it vanishes for an anonymous visitor and stays for its owner', async () => {
    await page.goto(url('/r/dora/hello'));
    await page.fill('#description', 'Hello from the browser test <script>window.pwned=1</script>');
    await page.check('input[name=visibility][value=private]');
    await page.click('form.stack button:has-text("Save")');
    await page.waitForURL(/\/r\/dora\/hello\?done=/);
    expect(await page.textContent('[data-testid=description]')).to.include('<script>window.pwned=1</script>');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).to.equal(undefined);
    const stranger = await browser.newContext();
    const anonymous = await stranger.newPage();
    const gone = await anonymous.goto(url('/r/dora/hello'));
    expect(gone?.status()).to.equal(404);
    await anonymous.goto(url('/search?q=hello'));
    expect(await anonymous.textContent('[data-testid=result-count]')).to.equal('0 repositories');
    await anonymous.goto(url('/'));
    expect(await anonymous.locator('a.repo-card:has-text("dora/hello")').count()).to.equal(0);
    await stranger.close();
    await page.goto(url('/search?q=hello'));
    expect(await page.locator('a.repo-card:has-text("dora/hello")').count()).to.equal(1);
  });

  it('draws a pull\'s registry → Index validations live, true in green, with their workflow step', async () => {
    await page.goto(url('/live'));
    await page.waitForSelector('body[data-live="connected"]');
    const pull = await stack.cli(['pull', `${stack.server}/dora/hello:latest`, '--to', path.join(stack.dir.path, 'hello.tar')], 'dora');
    expect(pull.code, pull.stderr).to.equal(0);
    await page.waitForFunction(() => document.querySelectorAll('#live-log li').length >= 5 && document.querySelector('#live-diagram svg') !== null);
    const log = await page.textContent('[data-testid=live-log]');
    expect(log).to.include('A1–A2').and.include('A3–A5').and.include('validations: true');
    expect(await page.locator('#live-diagram svg g.arrow.true').count()).to.be.greaterThan(0);
    expect(await page.textContent('#live-diagram svg')).to.include('= true').and.include('+token read');
    // No token appears whole: only masked signatures reach the page.
    expect(await page.content()).not.to.match(/signature=[0-9a-f]{40}/);
    // Filter, pause and clear.
    await page.fill('#live-filter', 'nothing/matches');
    expect(await page.locator('#live-log li').count()).to.equal(0);
    await page.fill('#live-filter', 'dora/hello');
    expect(await page.locator('#live-log li').count()).to.be.greaterThan(0);
    await shot('live');
    await page.click('#live-pause');
    expect(await page.getAttribute('#live-pause', 'aria-pressed')).to.equal('true');
    await page.click('#live-clear');
    expect(await page.locator('#live-log li').count()).to.equal(0);
  });

  it('shows a scenario replayed against the running services live, the tampered token\'s false included', async () => {
    await page.goto(url('/live'));
    await page.waitForSelector('body[data-live="connected"]');
    const replay = await stack.cli(['scenario', 'pull', '--index', stack.indexUrl, '--registry', stack.registryUrl]);
    expect(replay.code, replay.stdout + replay.stderr).to.equal(0);
    await page.waitForFunction(() => (document.querySelector('#live-log')?.textContent ?? '').includes('validations: false'));
    const log = await page.textContent('[data-testid=live-log]');
    expect(log).to.include('B3–B4').and.include('A1–A2').and.include('validations: true');
    expect(await page.locator('#live-diagram svg g.arrow.false').count()).to.be.greaterThan(0);
  });

  it('the live view shows an anonymous visitor no exchange of a private repository', async () => {
    const stranger = await browser.newContext();
    const anonymous = await stranger.newPage();
    watch(anonymous);
    await anonymous.goto(url('/live'));
    await anonymous.waitForSelector('body[data-live="connected"]');
    expect((await stack.cli(['pull', `${stack.server}/dora/hello:latest`, '--to', path.join(stack.dir.path, 'again.tar')], 'dora')).code).to.equal(0);
    // A public exchange after it proves the stream is flowing; the private pull before it must not be there.
    await fetch(url('/v1/_ping'));
    await anonymous.waitForFunction(() => (document.querySelector('#live-log')?.textContent ?? '').includes('/v1/_ping'));
    expect(await anonymous.textContent('[data-testid=live-log]')).not.to.include('dora/hello');
    await stranger.close();
  });

  it('reaches every action of the home page by keyboard alone, with a visible focus', async () => {
    await page.goto(url('/'));
    const seen: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        return { text: (el.getAttribute('aria-label') ?? el.textContent ?? (el as HTMLInputElement).placeholder ?? '').trim().slice(0, 40), tag: el.tagName, href: el.getAttribute('href'), outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 };
      });
      if (!focused) continue;
      expect(focused.outline, `focus ring on ${focused.tag} ${focused.text}`).to.equal(true);
      seen.push(focused.href ?? focused.tag);
    }
    expect(seen[0]).to.equal('#main');
    expect(seen).to.include('/live').and.include('/settings').and.include('INPUT').and.include('/r/dora/hello');
    // Enter on the focused card opens the repository.
    await page.focus('a.repo-card[href="/r/dora/hello"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(url('/r/dora/hello'));
  });

  it('reads at 360 px: nothing wider than the screen on any page', async () => {
    const narrow = await context.newPage();
    watch(narrow);
    await narrow.setViewportSize({ width: 360, height: 780 });
    for (const p of ['/', '/search?q=hello', '/r/dora/hello', '/u/dora', '/login', '/live', '/settings']) {
      await narrow.goto(url(p));
      const width = await narrow.evaluate(() => document.documentElement.scrollWidth);
      expect(width, p).to.be.at.most(360);
    }
    await narrow.goto(url('/r/dora/hello'));
    await shot('repository-360px', narrow);
    await narrow.close();
  });
});
