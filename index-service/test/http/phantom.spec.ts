/**
 * Issue 11 item 6: a repository whose first push never completed (I6 without I9) is no "phantom" in search:
 * only its writers see it, marked as a push in progress, and an abandoned one goes away.
 */
import { expect } from 'chai';
import { ADMIN_PASSWORD, client, hex, signup, startTestIndex } from '../support/test-index.js';
import type { RunningIndex } from '../../src/index.js';
import { ABANDONED_PUSH_MS } from '../../src/domain/repository-service.js';

describe('Index: a push in progress is not a phantom repository', () => {
  let index: RunningIndex;
  let call: ReturnType<typeof client>;
  let now = Date.UTC(2026, 11, 1);
  let alice: [string, string];
  const names = async (user?: [string, string]) => ((await call('GET', '/v1/search?q=phantom', user ? { user } : {})).json as { results: { name: string; description: string }[] }).results;

  before(async () => {
    index = await startTestIndex({}, { now: () => now });
    call = client(index.url);
    alice = await signup(call, 'alice');
    await signup(call, 'bobby');
  });
  after(() => index.close());

  it('lists a repository only once a push of it completed; until then only its writers see it, marked', async () => {
    expect((await call('PUT', '/v1/repositories/alice/phantom/', { user: alice, body: [{ id: hex('a'), Tag: 'latest' }] })).status).to.equal(200);
    expect(await names()).to.deep.equal([]);
    expect(await names(['bobby', 'password1'])).to.deep.equal([]);
    expect(await names(alice)).to.deep.equal([{ name: 'alice/phantom', description: '(push in progress)', star_count: 0, is_official: false, is_automated: false, is_trusted: false }]);
    expect((await call('PUT', '/v1/repositories/alice/phantom/images', { user: alice, body: [] })).status).to.equal(204);
    expect((await names()).map((r) => r.name)).to.deep.equal(['alice/phantom']);
  });

  it('removes a repository whose first push was abandoned, once the abandonment time has passed', async () => {
    await call('PUT', '/v1/repositories/alice/phantom2/', { user: alice, body: [{ id: hex('b') }] });
    expect((await names(alice)).map((r) => r.name)).to.include('alice/phantom2');
    now += ABANDONED_PUSH_MS + 1;
    expect((await names(alice)).map((r) => r.name)).not.to.include('alice/phantom2');
    expect((await call('GET', '/v1/repositories/alice/phantom2/info', { user: alice })).status).to.equal(404);
    expect((await call('GET', '/v1/repositories/alice/phantom/info', { user: ['admin', ADMIN_PASSWORD] })).status, 'a completed repository stays').to.equal(200);
  });
});
