import { expect } from 'chai';
import { formatBasic } from '@v1hub/shared';
import { buildImageChain, freePort, spawnCli, type CliProcess, type FixtureImage } from '@v1hub/shared/testing';
import type { IndexCall, RunningRegistry } from '../../src/index.js';
import { errorOf, rawClient, startIndexedRegistry } from '../support/test-registry.js';

describe('Registry in index mode against a separate `v1hub index` process', function () {
  this.timeout(30_000);
  let indexProc: CliProcess;
  let registry: RunningRegistry;
  const calls: IndexCall[] = [];

  before(async () => {
    const registryPort = await freePort();
    indexProc = spawnCli(['index', '--port', '0', '--endpoints', `127.0.0.1:${registryPort}`, '--log-level', 'warn'], { env: { V1HUB_ADMIN_PASSWORD: 'admin-pass' } });
    const [, indexUrl] = (await indexProc.waitFor(/listening on (http:\/\/\S+)/)) as RegExpMatchArray;
    registry = await startIndexedRegistry(indexUrl as string, { port: registryPort }, (c) => calls.push(c));
  });
  after(async () => {
    await registry.close();
    expect(await indexProc.stop('SIGTERM')).to.equal(0);
  });

  it('pushes through the handshake, then refuses a tampered token', async () => {
    const url = new URL(registry.deps.config.index as string).toString().replace(/\/$/, '');
    const idx = rawClient(url);
    const reg = rawClient(registry.url);
    const [img] = (await buildImageChain(1, { seed: 'process' })) as FixtureImage[];
    const image = img as FixtureImage;
    expect((await idx('POST', '/v1/users/', { body: '{"username": "alice", "password": "password1", "email": "a@example.com"}' })).status).to.equal(201);
    const alloc = await idx('PUT', '/v1/repositories/alice/app/', { headers: { Authorization: formatBasic('alice', 'password1'), 'X-Docker-Token': 'true' }, body: JSON.stringify([{ id: image.id, Tag: 'latest' }]) });
    expect(alloc.headers.get('x-docker-endpoints')).to.equal(registry.url.replace('http://', ''));
    const auth = { Authorization: `Token ${alloc.headers.get('x-docker-token')}` };
    expect((await reg('PUT', `/v1/images/${image.id}/json`, { headers: auth, body: image.json })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${image.id}/layer`, { headers: auth, body: image.layer, chunked: true })).status).to.equal(200);
    expect((await reg('PUT', `/v1/images/${image.id}/checksum`, { headers: { ...auth, 'X-Docker-Checksum-Payload': image.payload } })).status).to.equal(200);
    expect(calls.filter((c) => c.result)).to.have.length(3);
    const tampered = { Authorization: auth.Authorization.replace('access=write', 'access=read') };
    const r = await reg('GET', `/v1/images/${image.id}/json`, { headers: tampered });
    expect(r.status).to.equal(401);
    expect(errorOf(r)).to.equal('Requires authorization');
    expect(calls.at(-1)).to.include({ status: 401, result: false });
  });
});
