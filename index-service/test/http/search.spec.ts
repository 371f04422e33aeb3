import { expect } from 'chai';
import { ADMIN_PASSWORD, client, signup, startTestIndex } from '../support/test-index.js';
import type { RunningIndex } from '../../src/index.js';

interface Page { query: string; num_results: number; num_pages: number; page: number; page_size: number; results: { name: string; description: string; star_count: number; is_official: boolean; is_automated: boolean; is_trusted: boolean }[] }

describe('Index search (I13)', () => {
  let index: RunningIndex;
  let call: ReturnType<typeof client>;
  let alice: [string, string];
  let bob: [string, string];
  before(async () => {
    index = await startTestIndex();
    call = client(index.url);
    alice = await signup(call, 'alice');
    bob = await signup(call, 'bobby');
    const admin: [string, string] = ['admin', ADMIN_PASSWORD];
    // Each push completed (I6, then I9): a repository with no completed push is not listed (issue 11 item 6).
    const push = async (path: string, user: [string, string]) => {
      await call('PUT', `/v1/repositories/${path}/`, { user, body: [] });
      await call('PUT', `/v1/repositories/${path}/images`, { user, body: [] });
    };
    await push('busybox', admin);
    for (let i = 0; i < 30; i++) await push(`alice/tool${String(i).padStart(2, '0')}`, alice);
    await push('alice/hidden-tool', alice);
    await call('PATCH', '/v1/repositories/alice/hidden-tool/info', { user: alice, body: { private: true } });
    await call('PATCH', '/v1/repositories/alice/tool07/info', { user: alice, body: { description: 'A busy little box' } });
    await call('PUT', '/v1/repositories/alice/tool05/star', { user: bob });
  });
  after(() => index.close());

  it('answers in the Hub shape docker search renders', async () => {
    const r = await call('GET', '/v1/search?q=busy');
    expect(r.status).to.equal(200);
    const page = r.json as Page;
    expect(page).to.include({ query: 'busy', num_results: 2, num_pages: 1, page: 1, page_size: 25 });
    expect(page.results[0]).to.deep.equal({ name: 'busybox', description: '', star_count: 0, is_official: true, is_automated: false, is_trusted: false });
    expect(page.results[1]?.name).to.equal('alice/tool07');
  });

  it('pages with n and page; stars rank first among equals', async () => {
    const first = (await call('GET', '/v1/search?q=tool&n=10')).json as Page;
    expect(first).to.include({ num_results: 30, num_pages: 3, page_size: 10 });
    expect(first.results[0]).to.include({ name: 'alice/tool05', star_count: 1 });
    const third = (await call('GET', '/v1/search?q=tool&n=10&page=3')).json as Page;
    expect(third.results).to.have.length(10);
    expect(third.page).to.equal(3);
  });

  it('shows private repositories only to readers', async () => {
    const anon = (await call('GET', '/v1/search?q=hidden')).json as Page;
    expect(anon.num_results).to.equal(0);
    const other = (await call('GET', '/v1/search?q=hidden', { user: bob })).json as Page;
    expect(other.num_results).to.equal(0);
    const owner = (await call('GET', '/v1/search?q=hidden', { user: alice })).json as Page;
    expect(owner.results.map((r) => r.name)).to.deep.equal(['alice/hidden-tool']);
  });

  it('refuses bad n, page and credentials clearly', async () => {
    for (const q of ['n=0', 'n=101', 'n=abc', 'page=0', 'page=-1']) {
      const r = await call('GET', `/v1/search?q=x&${q}`);
      expect(r.status, q).to.equal(400);
      expect((r.json as { error: string }).error).to.match(/^Invalid (n|page)/);
    }
    expect((await call('GET', '/v1/search?q=x', { user: ['alice', 'wrong'] })).status).to.equal(401);
  });
});
