import { expect } from 'chai';
import crypto from 'node:crypto';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createV1Client } from '@v1hub/shared/client';
import { fixtureSave, makeTempDir, readTarEntries, type TempDir } from '@v1hub/shared/testing';
import { GZIP_BLOCK_BYTES, parallelGzip } from '../../src/client/parallel-gzip.js';
import { startStack } from './support/stack.js';

async function compress(data: Buffer, chunk: number, level?: number): Promise<Buffer> {
  const out: Buffer[] = [];
  const source = Readable.from((function* () {
    for (let at = 0; at < data.length; at += chunk) yield data.subarray(at, at + chunk);
  })());
  await pipeline(source, parallelGzip(level), new Writable({ write(c: Buffer, _e, cb) { out.push(c); cb(); } }));
  return Buffer.concat(out);
}

describe('parallel gzip of pushed layers (multi-member, fixed blocks)', function () {
  const text = Buffer.from(crypto.randomBytes(Math.ceil((GZIP_BLOCK_BYTES * 4.5 * 3) / 4)).toString('base64')).subarray(0, GZIP_BLOCK_BYTES * 4.5);

  it('writes a layer of one block exactly as a single gzip stream would', async function () {
    const small = text.subarray(0, 300_000);
    expect((await compress(small, 65_536)).equals(gzipSync(small))).to.equal(true);
    expect((await compress(Buffer.alloc(0), 1)).equals(gzipSync(Buffer.alloc(0)))).to.equal(true);
  });

  it('cuts a larger layer into members that gunzip as one stream, the same bytes however the input is chunked', async function () {
    const a = await compress(text, 65_536);
    const b = await compress(text, 1_000_003);
    expect(a.equals(b)).to.equal(true);
    expect(gunzipSync(a).equals(text)).to.equal(true);
    const blocks = [0, 1, 2, 3, 4].map((n) => gzipSync(text.subarray(n * GZIP_BLOCK_BYTES, (n + 1) * GZIP_BLOCK_BYTES)));
    expect(a.equals(Buffer.concat(blocks))).to.equal(true);
  });

  it('honours the compression level', async function () {
    const fast = await compress(text, 65_536, 1);
    expect(fast.equals(await compress(text, 65_536))).to.equal(false);
    expect(gunzipSync(fast).equals(text)).to.equal(true);
  });

  describe('pushed and pulled through real services', function () {
    let dir: TempDir;
    before(async function () {
      dir = await makeTempDir('v1hub-pgzip');
    });
    after(async function () {
      await dir.remove();
    });

    it('pushes a multi-member layer the registry verifies, and pulls back the same tar under the payload checksum it was pushed with', async function () {
      const stack = await startStack();
      const client = createV1Client({ indexUrl: stack.indexUrl, retry: { baseDelayMs: 10 }, compressionLevel: 6 });
      try {
        await client.login({ username: 'alice', password: 'alice-pass', email: 'alice@example.com' });
        const host = new URL(stack.indexUrl).host;
        const { path } = await fixtureSave(dir.path, 'big-layer', 2, { extraBytes: 3 * GZIP_BLOCK_BYTES, repository: 'alice/big', tag: 'latest' });
        const pushed = await client.push(`${host}/alice/big`, path);
        expect(pushed.images.every((image) => image.outcome === 'uploaded')).to.equal(true);
        const out = join(dir.path, 'pulled.tar');
        const pulled = await client.pull(`${host}/alice/big`, { to: out });
        expect(pulled.images.every((image) => image.verified)).to.equal(true);
        expect(pulled.images.map((image) => image.payload)).to.deep.equal(pushed.images.map((image) => image.payload));
        const [original, back] = [await readTarEntries(path), await readTarEntries(out)];
        for (const image of pushed.images) expect(back.get(`${image.id}/layer.tar`)?.equals(original.get(`${image.id}/layer.tar`) as Buffer)).to.equal(true);
      } finally {
        client.close();
        await stack.close();
      }
    });
  });
});
