// The v2 store's own rules, on in-memory storage: an upload whose chunks raced is refused; a chunk is never
// rewritten, so what completion hashes is what it stores.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { V2Error } from '@v1hub/shared';
import { MemoryLayerStorage } from '../../src/storage/memory/memory-layer-storage.js';
import * as paths from '../../src/v2/v2-paths.js';
import { V2Store } from '../../src/v2/v2-store.js';

const name = { namespace: 'alice', repository: 'app' };
const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('V2Store uploads', () => {
  it('refuses to complete an upload with two chunks for one place (two PATCHes raced), and stores nothing', async () => {
    const storage = new MemoryLayerStorage();
    const store = new V2Store(storage);
    const upload = await store.startUpload(name);
    await storage.putContent(paths.uploadChunk(upload.uuid, 1, '00000000-0000-0000-0000-00000000000a'), 'genuine');
    await storage.putContent(paths.uploadChunk(upload.uuid, 1, '00000000-0000-0000-0000-00000000000b'), 'planted');
    const failure = await store.completeUpload(name, upload.uuid, digestOf('genuine'), null).then(() => null, (err: unknown) => err);
    expect(failure).to.be.instanceOf(V2Error);
    expect((failure as V2Error).code).to.equal('BLOB_UPLOAD_INVALID');
    expect(await storage.exists(paths.blob(digestOf('genuine')))).to.equal(false);
    expect(await storage.exists(paths.blob(digestOf('plantedgenuine')))).to.equal(false);
  });

  it('appends chunks in order under names of their own and completes with exactly the bytes hashed', async () => {
    const storage = new MemoryLayerStorage();
    const store = new V2Store(storage);
    const upload = await store.startUpload(name);
    await store.appendChunk(name, upload.uuid, Readable.from([Buffer.from('hello ')]), 0);
    await store.appendChunk(name, upload.uuid, Readable.from([Buffer.from('world')]), 6);
    const entries = await storage.list(paths.upload(upload.uuid));
    expect(entries.filter((e) => paths.CHUNK_NAME.test(e))).to.have.length(2);
    await store.completeUpload(name, upload.uuid, digestOf('hello world'), null);
    expect((await storage.getContent(paths.blob(digestOf('hello world')))).toString()).to.equal('hello world');
    expect(await storage.exists(paths.uploadInfo(upload.uuid)), 'the upload is gone').to.equal(false);
  });
});
