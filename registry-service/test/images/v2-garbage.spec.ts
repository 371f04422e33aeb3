// `v1hub gc` on the v2 side: blobs no manifest names go (with the links repositories kept to them); blobs a
// manifest names, and blobs younger than the grace period, stay; abandoned uploads go. The dry run removes
// nothing.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import { makeTempDir, type TempDir } from '@v1hub/shared/testing';
import { collectGarbageAt, type RunningRegistry } from '../../src/index.js';
import { StorageBackendError, type LayerStorage } from '../../src/storage/layer-storage.js';
import { MemoryLayerStorage } from '../../src/storage/memory/memory-layer-storage.js';
import { collectV2Garbage } from '../../src/v2/v2-garbage.js';
import * as v2Paths from '../../src/v2/v2-paths.js';
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

  describe('a mount while the collection runs', () => {
    const HOUR = 60 * 60 * 1000;
    const blob = Buffer.from('a blob nothing names, about to be mounted');
    const digest = digestOf(blob);

    /**
     * Real memory storage holding one blob, linked from alice/app, both written an hour ago (stat says so),
     * and nothing naming it. When `mountDuringRun`, the first walk of the repositories after the collection
     * looked at the blob is preceded by a mount of it into a repository that did not exist before (bob/new),
     * as a push running alongside gc would do before putting its manifest.
     */
    async function storageWithOldBlob(mountDuringRun: boolean): Promise<{ storage: LayerStorage; memory: MemoryLayerStorage; mounted: () => boolean }> {
      const memory = new MemoryLayerStorage();
      const old = new Set([v2Paths.blob(digest), v2Paths.layerLink({ namespace: 'alice', repository: 'app' }, digest)]);
      for (const path of old) await memory.putContent(path, path === v2Paths.blob(digest) ? blob : '');
      let blobLookedAt = false;
      let mounted = false;
      const storage = new Proxy(memory, {
        get(target, property) {
          if (property === 'stat') {
            return async (path: string) => {
              const stat = await target.stat(path);
              if (path === v2Paths.blob(digest)) blobLookedAt = true;
              return old.has(path) ? { ...stat, modifiedAt: new Date(Date.now() - HOUR) } : stat;
            };
          }
          if (property === 'list') {
            return async (path: string) => {
              if (mountDuringRun && path === v2Paths.v2RepositoriesRoot && blobLookedAt && !mounted) {
                mounted = true;
                await target.putContent(v2Paths.layerLink({ namespace: 'bob', repository: 'new' }, digest), '');
              }
              return target.list(path);
            };
          }
          const value: unknown = Reflect.get(target, property);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      return { storage, memory, mounted: () => mounted };
    }

    it('collects the blob when nothing happens meanwhile (the control)', async () => {
      const { storage, memory } = await storageWithOldBlob(false);
      const report = await collectV2Garbage(storage, { dryRun: false, graceMs: 60_000, started: Date.now() });
      expect(report.freed.map((f) => f.digest)).to.deep.equal([digest]);
      expect(await memory.exists(v2Paths.blob(digest))).to.equal(false);
    });

    it('keeps a blob mounted into a new repository after the first pass (the second walk looks again at every repository)', async () => {
      const { storage, memory, mounted } = await storageWithOldBlob(true);
      const report = await collectV2Garbage(storage, { dryRun: false, graceMs: 60_000, started: Date.now() });
      expect(mounted(), 'the mount happened during the run').to.equal(true);
      expect(report.freed).to.deep.equal([]);
      expect(report.keptRecent).to.equal(1);
      expect(await memory.getContent(v2Paths.blob(digest))).to.deep.equal(blob);
      expect(await memory.exists(v2Paths.layerLink({ namespace: 'bob', repository: 'new' }, digest))).to.equal(true);
    });
  });

  it('stops at a storage fault instead of taking a link it could not read for an old one (nothing is removed)', async () => {
    const memory = new MemoryLayerStorage();
    const blob = Buffer.from('an old blob, linked a moment ago');
    const digest = digestOf(blob);
    const link = v2Paths.layerLink({ namespace: 'alice', repository: 'app' }, digest);
    await memory.putContent(v2Paths.blob(digest), blob);
    await memory.putContent(link, '');
    const faulty = new Proxy(memory, {
      get(target, property) {
        if (property === 'stat') {
          return async (path: string) => {
            if (path === link) throw new StorageBackendError('memory', path, new Error('connection reset'));
            const stat = await target.stat(path);
            return { ...stat, modifiedAt: new Date(Date.now() - 60 * 60 * 1000) };
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    let failure: unknown;
    await collectV2Garbage(faulty, { dryRun: false, graceMs: 60_000, started: Date.now() }).catch((err: unknown) => (failure = err));
    expect(failure).to.be.instanceOf(StorageBackendError);
    expect(await memory.getContent(v2Paths.blob(digest))).to.deep.equal(blob);
    expect(await memory.exists(link)).to.equal(true);
  });
});

