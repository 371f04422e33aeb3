// A pushed layer's payload checksum is computed on a digest worker beside the event loop. Whatever happens
// to that worker, what is stored is the checksum of the bytes stored, and the upload completes with it.
import { expect } from 'chai';
import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import { LayerDigestPool, buildTar, digestStream, payloadChecksum } from '@v1hub/shared';
import { ImageStore } from '../../src/images/image-store.js';
import { MemoryLayerStorage } from '../../src/storage/memory/memory-layer-storage.js';

const id = crypto.createHash('sha256').update('image-store-digests').digest('hex');
const json = Buffer.from(JSON.stringify({ id, created: '2015-01-22T12:00:00Z' }));
const openChecks = { belongsToRepository: () => true, parentAccess: async () => true };

describe('ImageStore: the payload checksum on a digest worker', function () {
  let pool: LayerDigestPool;

  beforeEach(function () {
    pool = new LayerDigestPool();
  });
  afterEach(async function () {
    await pool.close();
  });

  /** Pushes `layer` in 256 KiB pieces, calling `midway` once half of it is sent. */
  async function push(images: ImageStore, layer: Buffer, midway: () => Promise<void> = async () => undefined): Promise<string | null> {
    await images.putJson(id, json, openChecks, 'library/app');
    const body = new PassThrough();
    const stored = images.putLayer(id, body, 'library/app');
    for (let at = 0; at < layer.length; at += 256 * 1024) {
      if (at >= layer.length / 2 && at < layer.length / 2 + 256 * 1024) await midway();
      if (!body.write(layer.subarray(at, at + 256 * 1024))) await new Promise((resolve) => body.once('drain', resolve));
    }
    body.end();
    return (await stored).payload;
  }

  it('stores the checksum of the bytes as the in-line hash computes it, and completes the upload with it', async function () {
    const layer = await buildTar([{ name: 'big.bin', content: crypto.randomBytes(6 * 1024 * 1024) }]);
    const images = new ImageStore(new MemoryLayerStorage(), undefined, undefined, pool);
    const expected = payloadChecksum(json, layer);
    expect(await push(images, layer)).to.equal(expected);
    await images.putChecksum(id, expected, 'library/app');
    expect(await images.isComplete(id)).to.equal(true);
  });

  it('hashes the stored layer again when the worker dies mid-layer: the upload still completes, with the right checksum', async function () {
    const layer = crypto.randomBytes(6 * 1024 * 1024);
    const images = new ImageStore(new MemoryLayerStorage(), undefined, undefined, pool);
    const expected = payloadChecksum(json, layer);
    expect(await push(images, layer, () => pool.close())).to.equal(expected);
    await images.putChecksum(id, expected, 'library/app');
    expect(await images.isComplete(id)).to.equal(true);
  });

  it('answers a TarSum sent in R8 from the stored layer, on the worker', async function () {
    const layer = await buildTar([{ name: 'etc/motd', content: 'hello\n' }]);
    const images = new ImageStore(new MemoryLayerStorage(), undefined, undefined, pool);
    await push(images, layer);
    const { tarsums } = await digestStream([layer], { json, tarsumVersions: ['tarsum'] });
    await images.putChecksum(id, tarsums.tarsum as string, 'library/app');
    expect(await images.isComplete(id)).to.equal(true);
  });
});
