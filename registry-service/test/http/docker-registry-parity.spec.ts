// docker-registry 0.9.1's own tests (docker/docker-registry tests/*.py), their wire-observable expectations
// restated in our words and replayed over HTTP against a real Index and registry. Each case names the peer
// test it comes from.
import { expect } from 'chai';
import { digestStream, formatBasic } from '@v1hub/shared';
import { buildImageChain, freePort } from '@v1hub/shared/testing';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import type { RunningRegistry } from '../../src/index.js';
import { rawClient, startIndexedRegistry } from '../support/test-registry.js';

const ALICE = formatBasic('alice', 'password1');

describe('docker-registry 0.9.1 parity, Index + registry', function () {
  let index: RunningIndex;
  let registry: RunningRegistry;
  let reg: ReturnType<typeof rawClient>;
  let idx: ReturnType<typeof rawClient>;

  before(async function () {
    const registryPort = await freePort();
    index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: 'admin-pass', endpoints: `127.0.0.1:${registryPort}` } }), { kdf: { N: 1024, r: 8, p: 1 } });
    registry = await startIndexedRegistry(index.url, { port: registryPort });
    reg = rawClient(registry.url);
    idx = rawClient(index.url);
    await idx('POST', '/v1/users/', { body: JSON.stringify({ username: 'alice', password: 'password1', email: 'alice@example.com' }) });
  });
  after(async function () {
    await registry.close();
    await index.close();
  });

  it('workflow.test_workflow: a push and pull with 16-hex image ids, which both services accept (§8)', async function () {
    const [fixture] = await buildImageChain(1, { seed: 'short-ids' });
    const id = (fixture?.id as string).slice(0, 16);
    const json = Buffer.from(JSON.stringify({ id, created: '2015-01-22T12:00:00Z' }));
    const layer = fixture?.layer as Buffer;
    const payload = (await digestStream([layer], { json, tarsumVersions: [] })).payload as string;

    const allocated = await idx('PUT', '/v1/repositories/alice/short/', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: JSON.stringify([{ id }]) });
    expect(allocated.status, allocated.text).to.equal(200);
    const write = { Authorization: `Token ${allocated.headers.get('x-docker-token')}` };
    expect((await reg('PUT', `/v1/images/${id}/json`, { headers: write, body: json })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${id}/layer`, { headers: write, body: layer, chunked: true })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${id}/checksum`, { headers: { ...write, 'X-Docker-Checksum-Payload': payload } })).status).to.equal(200);
    expect((await reg('PUT', '/v1/repositories/alice/short/tags/latest', { headers: write, body: JSON.stringify(id) })).status).to.equal(200);
    const done = await idx('PUT', '/v1/repositories/alice/short/images', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: JSON.stringify([{ id, Tag: 'latest' }]) });
    expect(done.status, done.text).to.equal(204);

    const images = await idx('GET', '/v1/repositories/alice/short/images', { headers: { 'X-Docker-Token': 'true' } });
    expect(images.status).to.equal(200);
    expect((images.json as Array<{ id: string }>).map((e) => e.id)).to.deep.equal([id]);
    const read = { Authorization: `Token ${images.headers.get('x-docker-token')}` };
    expect((await reg('GET', '/v1/repositories/alice/short/tags', { headers: read })).json).to.deep.equal({ latest: id });
    expect((await reg('GET', `/v1/images/${id}/ancestry`, { headers: read })).json).to.deep.equal([id]);
    expect((await reg('GET', `/v1/images/${id}/layer`, { headers: read })).body.equals(layer)).to.equal(true);
  });

  it('workflow.test_workflow: ids of other lengths are still refused by the Index, naming the rule', async function () {
    for (const id of ['a'.repeat(15), 'a'.repeat(17), 'a'.repeat(63), 'A'.repeat(16)]) {
      const r = await idx('PUT', '/v1/repositories/alice/bad/', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: JSON.stringify([{ id }]) });
      expect(r.status, id).to.equal(400);
      expect((r.json as { error: string }).error).to.equal('Image #0: "id" must be 16 or 64 lowercase hex characters');
    }
  });
});
