// v1 gc against storage faults: an image whose age cannot be read is not collected.
import { expect } from 'chai';
import { collectGarbage } from '../../src/images/garbage-collector.js';
import { ImageStore } from '../../src/images/image-store.js';
import { StorageBackendError } from '../../src/storage/layer-storage.js';
import { MemoryLayerStorage } from '../../src/storage/memory/memory-layer-storage.js';
import * as paths from '../../src/storage/paths.js';
import { TagStore } from '../../src/tags/tag-store.js';

const ID = 'a'.repeat(64);
const HOUR = 60 * 60 * 1000;

/** Memory storage holding one complete image no tag names, pushed an hour before `now`. */
async function storageWithUntaggedImage(): Promise<MemoryLayerStorage> {
  const memory = new MemoryLayerStorage();
  await memory.putContent(paths.imageJson(ID), JSON.stringify({ id: ID }));
  await memory.putContent(paths.imageLayer(ID), 'layer bytes');
  await memory.putContent(paths.imageAncestry(ID), JSON.stringify([ID]));
  await memory.putContent(paths.imageChecksum(ID), JSON.stringify(['sha256:' + 'b'.repeat(64)]));
  return memory;
}

describe('v1 gc and storage faults', () => {
  const now = () => Date.now() + HOUR;

  it('collects an untagged image older than the grace period (the control)', async () => {
    const memory = await storageWithUntaggedImage();
    const report = await collectGarbage({ storage: memory, images: new ImageStore(memory, undefined, undefined, null), tags: new TagStore(memory) }, { dryRun: false, graceMs: 60_000, now });
    expect(report.freed.map((f) => f.id)).to.deep.equal([ID]);
    expect(await memory.exists(paths.imageJson(ID))).to.equal(false);
  });

  it('stops at a fault reading when an image changed, and removes nothing', async () => {
    const memory = await storageWithUntaggedImage();
    const faulty = new Proxy(memory, {
      get(target, property) {
        if (property === 'stat') {
          return async (path: string) => {
            if (path === paths.imageLayer(ID)) throw new StorageBackendError('memory', path, new Error('connection reset'));
            return target.stat(path);
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    let failure: unknown;
    await collectGarbage({ storage: faulty, images: new ImageStore(faulty, undefined, undefined, null), tags: new TagStore(faulty) }, { dryRun: false, graceMs: 60_000, now }).catch((err: unknown) => (failure = err));
    expect(failure).to.be.instanceOf(StorageBackendError);
    expect(await memory.exists(paths.imageJson(ID))).to.equal(true);
    expect(await memory.exists(paths.imageLayer(ID))).to.equal(true);
  });
});
