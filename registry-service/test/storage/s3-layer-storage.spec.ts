import { startS3Server, type S3Server } from '@v1hub/shared/testing';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { CheckedLayerStorage } from '../../src/storage/checked-storage.js';
import { STORAGE_ROOT, type LayerStorage } from '../../src/storage/layer-storage.js';
import { createS3Client, S3LayerStorage } from '../../src/storage/s3/s3-layer-storage.js';
import { chunksOf, failingSource, layerStorageContract, pattern, readAll, rejectionOf } from '../contracts/layer-storage.contract.js';

/** A storage on its own key prefix, so suites sharing the server cannot see each other. */
function openS3Storage(server: S3Server, prefix = `run-${randomUUID()}`): LayerStorage {
  const client = createS3Client({
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  return new CheckedLayerStorage(new S3LayerStorage({ client, bucket: server.bucket, prefix, ownsClient: true }));
}

describe('S3LayerStorage (against s3rver)', function () {
  let server: S3Server;

  before(async function () {
    server = await startS3Server();
  });

  after(async function () {
    await server?.stop();
  });

  layerStorageContract('s3', async () => {
    const storage = openS3Storage(server);
    return { storage, dispose: () => storage.close() };
  });

  describe('multipart uploads (more than one 5 MiB part)', function () {
    let storage: LayerStorage;

    before(function () {
      storage = openS3Storage(server);
    });

    after(async function () {
      await storage.close();
    });

    it('round-trips an 11 MiB stream byte for byte', async function () {
      const content = pattern(11 * 1024 * 1024);
      const result = await storage.writeStream('images/big/layer', Readable.from(chunksOf(content, 256 * 1024)));
      expect(result.size).to.equal(content.length);
      expect(await readAll((await storage.openRead('images/big/layer')).stream)).to.deep.equal(content);
      await storage.delete('images');
    });

    it('leaves nothing visible when the source fails after a part was uploaded', async function () {
      const failure = new Error('client went away');
      const err = await rejectionOf(storage.writeStream('images/big/layer', failingSource(pattern(6 * 1024 * 1024), failure)));
      expect(err).to.equal(failure);
      expect(await storage.exists('images/big/layer')).to.equal(false);
      expect(await storage.list(STORAGE_ROOT)).to.deep.equal([]);
    });
  });

  describe('key prefix', function () {
    it('isolates storages on different prefixes of one bucket', async function () {
      const first = openS3Storage(server, 'tenants/one');
      const second = openS3Storage(server, 'tenants/one-two');
      try {
        await first.putContent('images/x/json', '{}');
        expect(await second.list(STORAGE_ROOT)).to.deep.equal([]);
        expect(await first.list(STORAGE_ROOT)).to.deep.equal(['images']);
        await first.delete('images');
      } finally {
        await first.close();
        await second.close();
      }
    });
  });
});
