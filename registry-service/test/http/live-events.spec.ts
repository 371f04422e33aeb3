/**
 * The live view's two streams against a real Index and registry: the registry's `GET /_events` (read only
 * with the shared key), each registry request carrying the validations it caused with their true/false; the
 * Index's `/live/events` merging them, showing a private repository's exchanges to nobody who may not read it,
 * and never a whole token.
 */
import { expect } from 'chai';
import { formatBasic, readEventStream, type ExchangeEvent } from '@v1hub/shared';
import { freePort, waitUntil } from '@v1hub/shared/testing';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import type { RunningRegistry } from '../../src/index.js';
import { rawClient, startIndexedRegistry } from '../support/test-registry.js';

const KEY = 'live-events-key-0123456789';
const ALICE = formatBasic('alice', 'password1');


describe('Live exchange streams (registry /_events, Index /live/events)', function () {
  this.timeout(30_000);
  let index: RunningIndex;
  let registry: RunningRegistry;
  let idx: ReturnType<typeof rawClient>;
  let reg: ReturnType<typeof rawClient>;

  before(async () => {
    const registryPort = await freePort();
    index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: 'admin-pass', endpoints: `127.0.0.1:${registryPort}`, eventsKey: KEY } }), { kdf: { N: 1024, r: 8, p: 1 } });
    registry = await startIndexedRegistry(index.url, { port: registryPort, eventsKey: KEY });
    idx = rawClient(index.url);
    reg = rawClient(registry.url);
    await idx('POST', '/v1/users/', { body: JSON.stringify({ username: 'alice', password: 'password1', email: 'alice@example.com' }) });
    for (const repo of ['alice/open', 'alice/secret']) {
      const r = await idx('PUT', `/v1/repositories/${repo}/`, { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: '[]' });
      expect(r.status).to.equal(200);
      await idx('PUT', `/v1/repositories/${repo}/images`, { headers: { Authorization: ALICE }, body: '[]' });
    }
    await idx('PATCH', '/v1/repositories/alice/secret/info', { headers: { Authorization: ALICE, 'Content-Type': 'application/json' }, body: JSON.stringify({ private: true }) });
  });
  after(async () => {
    await registry.close();
    await index.close();
  });

  const readToken = async (repo: string, auth?: string) => (await idx('GET', `/v1/repositories/${repo}/images`, { headers: { 'X-Docker-Token': 'true', ...(auth ? { Authorization: auth } : {}) } })).headers.get('x-docker-token') as string;

  it('the registry stream answers only its key: 401 without, 403 with another; a registry without a key has none (404)', async () => {
    const none = await reg('GET', '/_events');
    expect([none.status, none.headers.get('www-authenticate')]).to.deep.equal([401, 'Bearer realm="v1hub events"']);
    expect((await reg('GET', '/_events', { headers: { Authorization: 'Bearer not-the-key-at-all-123' } })).status).to.equal(403);
    expect((await reg('GET', '/_events', { headers: { Authorization: `Token ${KEY}` } })).status).to.equal(401);
    const keyless = await startIndexedRegistry(index.url);
    try {
      const off = await rawClient(keyless.url)('GET', '/_events', { headers: { Authorization: `Bearer ${KEY}` } });
      expect(off.status).to.equal(404);
      expect((off.json as { error: string }).error).to.include('--events-key');
    } finally {
      await keyless.close();
    }
  });

  it('the registry publishes each request with the validations it caused, true and false', async () => {
    const events: ExchangeEvent[] = [];
    const abort = new AbortController();
    let open = false;
    const reading = readEventStream(`${registry.url}/_events`, { Authorization: `Bearer ${KEY}` }, (e) => events.push(e), abort.signal, () => {
      open = true;
    });
    let token: string;
    try {
      await waitUntil(() => open, 'the stream');
      token = await readToken('alice/open');
      // Nothing is tagged yet: a 404 `Repository not found`, answered after the Index said true.
      expect((await reg('GET', '/v1/repositories/alice/open/tags', { headers: { Authorization: `Token ${token}` } })).status).to.equal(404);
      const tampered = token.replace(/signature=(.)/, (_m, c: string) => `signature=${c === 'a' ? 'b' : 'a'}`);
      expect((await reg('GET', '/v1/repositories/alice/open/tags', { headers: { Authorization: `Token ${tampered}` } })).status).to.equal(401);
      await waitUntil(() => events.length >= 2, 'two events');
    } finally {
      abort.abort();
      await reading;
    }
    const [good, bad] = events as [ExchangeEvent, ExchangeEvent];
    expect(good).to.deep.include({ from: 'client', to: 'registry', route: 'getTags', status: 404, repository: 'alice/open', step: 'A3–A5', auth: 'Token' });
    expect(good.validations.map((v) => [v.route, v.status, v.result])).to.deep.equal([['getRepositoryImages', 200, true]]);
    expect(bad.status).to.equal(401);
    expect(bad.validations.map((v) => v.result)).to.deep.equal([false]);
    const signature = /signature=([^,]+)/.exec(token)?.[1] as string;
    expect(JSON.stringify(events)).not.to.include(signature);
  });

  it('the Index merges its registries\' streams while watched, and shows a private repository to nobody who may not read it', async () => {
    const events: ExchangeEvent[] = [];
    const abort = new AbortController();
    let open = false;
    const reading = readEventStream(`${index.url}/live/events`, {}, (e) => events.push(e), abort.signal, () => {
      open = true;
    });
    try {
      await waitUntil(() => open, 'the Index stream');
      // The registry stream opens with the first viewer: wait until the registry has its subscriber.
      await waitUntil(() => registry.deps.exchanges.active, 'the Index reading the registry');
      const open1 = await readToken('alice/open');
      const secret = await readToken('alice/secret', ALICE);
      await reg('GET', '/v1/repositories/alice/open/tags', { headers: { Authorization: `Token ${open1}` } });
      await reg('GET', '/v1/repositories/alice/secret/tags', { headers: { Authorization: `Token ${secret}` } });
      await idx('GET', '/v1/_ping');
      await waitUntil(() => events.some((e) => e.path === '/v1/_ping'), 'the ping');
      await waitUntil(() => events.some((e) => e.source.startsWith('registry ') && e.repository === 'alice/open'), 'the registry event');
    } finally {
      abort.abort();
      await reading;
    }
    expect(events.filter((e) => e.repository === 'alice/secret')).to.deep.equal([]);
    const fromRegistry = events.find((e) => e.source.startsWith('registry ') && e.repository === 'alice/open') as ExchangeEvent;
    expect(fromRegistry.validations.map((v) => v.result)).to.deep.equal([true]);
    // The registry published its validation inside its own event: the Index did not publish it again.
    expect(events.filter((e) => e.from === 'registry')).to.deep.equal([]);
    const issued = events.find((e) => e.repository === 'alice/open' && e.tokenIssued !== null) as ExchangeEvent;
    expect(issued.step).to.equal('A1–A2');
    expect(issued.tokenIssued?.token).to.match(/^[0-9a-f]{6}…$/);
    // The last viewer gone, the Index stops reading the registry.
    await waitUntil(() => !registry.deps.exchanges.active, 'the registry stream to close');
  });

  it('a shutdown ends the viewers\' streams instead of waiting for them', async () => {
    const extra = await startIndexedRegistry(index.url, { eventsKey: KEY });
    let open = false;
    const reading = readEventStream(`${extra.url}/_events`, { Authorization: `Bearer ${KEY}` }, () => undefined, new AbortController().signal, () => {
      open = true;
    });
    await waitUntil(() => open, 'the stream');
    // A grace far beyond this test's timeout: only ending the stream lets close() return in time.
    await extra.close(120_000);
    await reading;
  });
});
