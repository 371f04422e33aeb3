/**
 * Tag webhooks (issue #15): the registry holds tags and the Index never sees them, so the registry reports a
 * tag set or deleted to the Index with the token the change was made with, and the repository's `tag` hooks
 * hear of it. Nobody else can make a repository's hooks announce a tag change.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { formatBasic } from '@v1hub/shared';
import { buildImageChain, freePort, waitUntil } from '@v1hub/shared/testing';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import type { RunningRegistry } from '../../src/index.js';
import { rawClient, startIndexedRegistry } from '../support/test-registry.js';

const ALICE = formatBasic('alice', 'password1');

describe('Tag events: the registry tells the Index, the Index tells the hooks', function () {
  this.timeout(30_000);
  let index: RunningIndex;
  let registry: RunningRegistry;
  let receiver: http.Server;
  const bodies: Record<string, unknown>[] = [];
  let idx: ReturnType<typeof rawClient>;
  let reg: ReturnType<typeof rawClient>;

  before(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(body) as Record<string, unknown>);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const registryPort = await freePort();
    index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: 'admin-pass', endpoints: `127.0.0.1:${registryPort}`, webhookPrivateTargets: true } }), { kdf: { N: 1024, r: 8, p: 1 }, webhooks: { backoffMs: 30, pollMs: 20 } });
    registry = await startIndexedRegistry(index.url, { port: registryPort });
    idx = rawClient(index.url);
    reg = rawClient(registry.url);
    await idx('POST', '/v1/users/', { body: JSON.stringify({ username: 'alice', password: 'password1', email: 'alice@example.com' }) });
  });
  after(async () => {
    await registry.close();
    await index.close();
    await new Promise((resolve) => receiver.close(resolve));
  });


  it('announces a tag set and a tag deleted to the repository\'s tag hooks', async () => {
    const [image] = await buildImageChain(1, { seed: 'tag-events' });
    if (!image) throw new Error('no image');
    const alloc = await idx('PUT', '/v1/repositories/alice/app/', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' }, body: JSON.stringify([{ id: image.id, Tag: 'latest' }]) });
    const write = { Authorization: `Token ${alloc.headers.get('x-docker-token')}` };
    const hook = await idx('POST', '/v1/repositories/alice/app/webhooks', { headers: { Authorization: ALICE, 'Content-Type': 'application/json' }, body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, events: ['tag'] }) });
    expect(hook.status, hook.text).to.equal(201);
    expect((await reg('PUT', `/v1/images/${image.id}/json`, { headers: write, body: image.json })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${image.id}/layer`, { headers: write, body: image.layer, chunked: true })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${image.id}/checksum`, { headers: { ...write, 'X-Docker-Checksum-Payload': image.payload } })).status).to.equal(200);
    expect((await reg('PUT', '/v1/repositories/alice/app/tags/latest', { headers: write, body: JSON.stringify(image.id) })).status).to.equal(200);
    await waitUntil(() => bodies.length === 1, 'the tag set event');
    expect(bodies[0]).to.deep.include({ event: 'tag', repository: 'alice/app', user: 'alice', tag: 'latest', image: image.id, action: 'set' });

    const del = await idx('DELETE', '/v1/repositories/alice/app/', { headers: { Authorization: ALICE, 'X-Docker-Token': 'true' } });
    expect((await reg('DELETE', '/v1/repositories/alice/app/tags/latest', { headers: { Authorization: `Token ${del.headers.get('x-docker-token')}` } })).status).to.equal(200);
    await waitUntil(() => bodies.length === 2, 'the tag delete event');
    expect(bodies[1]).to.deep.include({ event: 'tag', tag: 'latest', image: null, action: 'delete' });
  });

  it('refuses a tag report without a write or delete token for the repository', async () => {
    const body = JSON.stringify({ tag: 'latest', image: null, action: 'delete' });
    await idx('PUT', '/v1/repositories/alice/other/', { headers: { Authorization: ALICE }, body: '[]' });
    await idx('PUT', '/v1/repositories/alice/other/images', { headers: { Authorization: ALICE }, body: '[]' });
    const read = (await idx('GET', '/v1/repositories/alice/other/images', { headers: { 'X-Docker-Token': 'true' } })).headers.get('x-docker-token');
    const before = bodies.length;
    for (const headers of [{}, { Authorization: ALICE }, { Authorization: `Token ${read}` }, { Authorization: 'Token signature=abc,repository="alice/other",access=write' }] as Record<string, string>[]) {
      const r = await idx('POST', '/v1/repositories/alice/other/tag-events', { headers: { ...headers, 'Content-Type': 'application/json' }, body });
      expect([401, 403], JSON.stringify(headers)).to.include(r.status);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bodies.length).to.equal(before);
  });
});
