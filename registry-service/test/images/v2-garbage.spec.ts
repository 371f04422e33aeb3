// `v1hub gc` on the v2 side: blobs no manifest names go (with the links repositories kept to them); blobs a
// manifest names, and blobs younger than the grace period, stay; abandoned uploads go. The dry run removes
// nothing.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import { makeTempDir, type TempDir } from '@v1hub/shared/testing';
import { collectGarbageAt, type RunningRegistry } from '../../src/index.js';
import { rawClient, startStandaloneRegistry } from '../support/test-registry.js';

const digestOf = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('gc of v2 blobs and uploads', function () {
  let dir: TempDir;
  let registry: RunningRegistry;
  let storage: string;
  let reg: ReturnType<typeof rawClient>;

  before(async () => {
    dir = await makeTempDir('v1hub-v2-gc-');
    storage = `local:${path.join(dir.path, 'registry')}`;
    registry = await startStandaloneRegistry({ v2: true, storage });
    reg = rawClient(registry.url);
  });
  after(async () => {
    await registry.close();
    await dir.remove();
  });

  it('frees what no manifest names, keeps what one does, and keeps everything younger than the grace period', async () => {
    const layer = Buffer.from('a layer a manifest names');
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    const orphan = Buffer.from('a layer nothing names');
    for (const blob of [layer, config, orphan]) expect((await reg('POST', `/v2/alice/app/blobs/uploads/?digest=${digestOf(blob)}`, { body: blob })).status).to.equal(201);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: digestOf(config) }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: digestOf(layer) }] });
    expect((await reg('PUT', '/v2/alice/app/manifests/latest', { headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: manifest })).status).to.equal(201);
    const abandoned = await reg('POST', '/v2/alice/app/blobs/uploads/');
    expect(abandoned.status).to.equal(202);

    const young = await collectGarbageAt(storage, { dryRun: false, graceMs: 60 * 60 * 1000 });
    expect(young.v2.freed, 'everything is younger than an hour').to.deep.equal([]);
    expect(young.v2.keptRecent).to.equal(1);
    expect(young.v2.abandonedUploads).to.equal(0);

    const planned = await collectGarbageAt(storage, { dryRun: true, graceMs: 0 });
    expect(planned.v2.freed.map((f) => f.digest)).to.deep.equal([digestOf(orphan)]);
    expect((await reg('HEAD', `/v2/alice/app/blobs/${digestOf(orphan)}`)).status, 'the dry run removed nothing').to.equal(200);

    const done = await collectGarbageAt(storage, { dryRun: false, graceMs: 0 });
    expect(done.v2.freed.map((f) => f.digest)).to.deep.equal([digestOf(orphan)]);
    expect(done.v2.freedBytes).to.equal(orphan.length);
    expect(done.v2.abandonedUploads).to.equal(1);
    expect((await reg('HEAD', `/v2/alice/app/blobs/${digestOf(orphan)}`)).status).to.equal(404);
    expect((await reg('GET', `/v2/alice/app/blobs/${digestOf(layer)}`)).body.equals(layer), 'a named blob stays').to.equal(true);
    expect((await reg('GET', '/v2/alice/app/manifests/latest')).text).to.equal(manifest);
    expect((await reg('GET', abandoned.headers.get('location') as string)).status, 'the abandoned upload is gone').to.equal(404);

    expect((await reg('DELETE', `/v2/alice/app/manifests/${digestOf(manifest)}`)).status).to.equal(202);
    const after = await collectGarbageAt(storage, { dryRun: false, graceMs: 0 });
    expect(after.v2.freed.map((f) => f.digest).sort(), 'once its manifest is deleted, all of it').to.deep.equal([digestOf(layer), digestOf(config), digestOf(manifest)].sort());
  });
});
