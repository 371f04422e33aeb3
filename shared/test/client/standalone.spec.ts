import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { RunningRegistry } from '@v1hub/registry-service';
import { V1ClientError, createV1Client, type Exchange, type V1Client } from '@v1hub/shared/client';
import { freePort, makeTempDir, type FixtureImage, type TempDir } from '@v1hub/shared/testing';
import { startStandalone } from './support/stack.js';
import { startTcpProxy } from '@v1hub/shared/testing';
import { CENTOS_TAG, CENTOS_TAR, CENTOS_TOP, fixtureSave, readTarEntries } from '@v1hub/shared/testing';

describe('client against a standalone registry acting as its own Index (§3.3, §9 item 7)', function () {
  let registry: RunningRegistry;
  let dir: TempDir;
  let client: V1Client;
  let host: string;
  const exchanges: Exchange[] = [];

  before(async function () {
    registry = await startStandalone();
    dir = await makeTempDir('v1hub-standalone');
    host = new URL(registry.url).host;
    client = createV1Client({ indexUrl: registry.url, concurrency: 1, onExchange: (e) => exchanges.push(e) });
  });

  after(async function () {
    client.close();
    await registry.close(1000);
    await dir.remove();
  });

  it('pings standalone and "creates" any account (§10 Q5)', async function () {
    expect((await client.ping()).standalone).to.equal(true);
    const login = await client.login({ username: 'anyone', password: 'whatever', email: 'a@example.com' });
    expect(login.outcome).to.equal('created');
  });

  it('pushes with concurrency 1 and pulls back identical layers; tokens carry the fake index prefix (§10 Q7)', async function () {
    const fixture = await fixtureSave(dir.path, 'solo', 3, { extraBytes: 4096 });
    exchanges.length = 0;
    const pushed = await client.push(`${host}/team/solo`, fixture.path);
    expect(pushed.endpoints).to.deep.equal([host]);
    expect(pushed.images.map((i) => [i.id, i.outcome, i.payload])).to.deep.equal(fixture.chain.map((c) => [c.id, 'uploaded', c.payload]));
    expect(pushed.images.map((i) => i.tarsum)).to.deep.equal(fixture.chain.map((c) => c.tarsum));
    // With concurrency 1 the order is exactly Docker's: json, layer, checksum per image, then the tag.
    const registryCalls = exchanges.filter((e) => e.method === 'PUT' && e.url.includes('/v1/images/')).map((e) => e.route);
    expect(registryCalls).to.deep.equal(['putImageJson', 'putImageLayer', 'putImageChecksum', 'putImageJson', 'putImageLayer', 'putImageChecksum', 'putImageJson', 'putImageLayer', 'putImageChecksum']);
    const tokenAuth = exchanges.find((e) => e.route === 'putImageJson')?.requestHeaders.Authorization;
    expect(tokenAuth).to.match(/^Token Token signature=[A-Z0-9]{6}…,repository="team\/solo",access=write$/);

    const out = join(dir.path, 'solo-pulled.tar');
    const pulled = await client.pull(`${host}/team/solo`, { to: out });
    expect(pulled.images.map((i) => i.payload)).to.deep.equal(fixture.chain.map((c) => c.payload));
    const entries = await readTarEntries(out);
    for (const image of fixture.chain) expect(entries.get(`${image.id}/layer.tar`)?.equals(gunzipSync(image.layer))).to.equal(true);
  });

  it('pushes a one-part name in the one-segment form and lists its tags under library/ (§1.3)', async function () {
    exchanges.length = 0;
    const pushed = await client.push(`${host}/centos`, CENTOS_TAR);
    expect(pushed.repository).to.equal('library/centos');
    const paths = exchanges.map((e) => `${e.method} ${new URL(e.url).pathname}`);
    expect(paths).to.include('PUT /v1/repositories/centos/');
    expect(paths).to.include(`PUT /v1/repositories/centos/tags/${CENTOS_TAG}`);
    expect(paths).to.include('PUT /v1/repositories/centos/images');
    exchanges.length = 0;
    const tags = await client.tags(`${host}/centos`);
    expect(tags.tags).to.deep.equal({ [CENTOS_TAG]: CENTOS_TOP });
    expect(exchanges.map((e) => `${e.method} ${new URL(e.url).pathname}`)).to.include.members(['GET /v1/repositories/centos/images', 'GET /v1/repositories/library/centos/tags']);
  });

  it('fails a pull clearly when a layer arrives corrupted (payload checksum verified while streaming)', async function () {
    const proxy = await startTcpProxy(await freePort(), registry.port);
    const viaProxy = createV1Client({ indexUrl: `http://127.0.0.1:${proxy.port}` });
    try {
      const fixture = await fixtureSave(dir.path, 'tamper', 2, { extraBytes: 64 * 1024 });
      await viaProxy.push(`127.0.0.1:${proxy.port}/team/tamper`, fixture.path);
      const top = fixture.chain[1] as FixtureImage;
      proxy.corruptResponse(new RegExp(`^GET /v1/images/${top.id}/layer `), 40_000);
      const out = join(dir.path, 'tamper-pulled.tar');
      const err = (await viaProxy.pull(`127.0.0.1:${proxy.port}/team/tamper`, { to: out }).catch((e: unknown) => e)) as V1ClientError;
      expect(err).to.be.instanceOf(V1ClientError);
      expect(err.code).to.equal('CHECKSUM_MISMATCH');
      expect(err.message).to.match(new RegExp(`^pull team/tamper: checksum mismatch for image ${top.id}: the registry announced ${top.payload}, the bytes received give sha256:[0-9a-f]{64}$`));
      expect(await readdir(dir.path)).not.to.include('tamper-pulled.tar');
      expect((await readdir(dir.path)).filter((f) => f.includes('v1hub-'))).to.deep.equal([]);
    } finally {
      viaProxy.close();
      await proxy.close();
    }
  });

  it('deletes through the registry route the fake index leaves in place (§6.4)', async function () {
    const report = await client.deleteRepository(`${host}/team/solo`);
    expect(report.deletedOn).to.deep.equal([host]);
    const err = await client.pull(`${host}/team/solo`).then(() => null, (e: Error) => e);
    expect(err?.message).to.equal('pull team/solo: GET /v1/repositories/team/solo/images: 404 images not found');
  });
});
