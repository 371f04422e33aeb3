import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import {
  createLayerDigester,
  createPayloadChecksum,
  digestFile,
  digestStream,
  digestTap,
  payloadChecksum,
  tarsumOfFile,
} from '../../src/checksum/index.js';
import { VECTORS_DIR, chunked, tarHeader } from './tar-fixtures.js';

const LAYER_DIR = path.join(VECTORS_DIR, '46af0962ab5afeb5ce6740d4d91652e69206fc991fd5328c1a94d364ad00e457');
const EXPECTED_TARSUM = 'tarsum+sha256:4095cc12fa5fdb1ab2760377e1cd0c4ecdd3e61b4f9b82319d96fcea6c9a41c6';

/** The payload checksum computed independently: sha256 over the concatenation held in memory. */
function referencePayload(json: Buffer, layer: Buffer): string {
  return `sha256:${createHash('sha256').update(Buffer.concat([json, Buffer.from([0x0a]), layer])).digest('hex')}`;
}

/** A Writable collecting everything written to it. */
function collector(): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

describe('checksum: payload checksum (§7.1)', () => {
  it('is sha256(json ‖ 0x0A ‖ layer), incrementally', async () => {
    const json = await readFile(path.join(LAYER_DIR, 'json'));
    const layer = gzipSync(await readFile(path.join(LAYER_DIR, 'layer.tar')));
    const incremental = createPayloadChecksum(json);
    for (let i = 0; i < layer.length; i += 100) incremental.update(layer.subarray(i, i + 100));
    expect(incremental.digest()).to.equal(referencePayload(json, layer));
    expect(incremental.digest()).to.equal(referencePayload(json, layer)); // idempotent
    expect(payloadChecksum(json, layer)).to.equal(referencePayload(json, layer));
    expect(() => incremental.update(Buffer.from('x'))).to.throw(/after digest/);
  });

  it('covers an empty layer and an empty json', () => {
    expect(payloadChecksum(Buffer.alloc(0), Buffer.alloc(0))).to.equal(referencePayload(Buffer.alloc(0), Buffer.alloc(0)));
  });
});

describe('checksum: layer digester', () => {
  let json: Buffer;
  let layer: Buffer;
  before(async () => {
    json = await readFile(path.join(LAYER_DIR, 'json'));
    layer = await readFile(path.join(LAYER_DIR, 'layer.tar'));
  });

  it('gives size, sha256, payload and tarsum in one pass over a gzipped layer', async () => {
    const body = gzipSync(layer);
    const digester = createLayerDigester({ json });
    for (let i = 0; i < body.length; i += 333) await digester.update(body.subarray(i, i + 333));
    const digests = await digester.finish();
    expect(digests).to.deep.equal({
      size: body.length,
      payload: referencePayload(json, body),
      sha256: `sha256:${createHash('sha256').update(body).digest('hex')}`,
      tarsums: { tarsum: EXPECTED_TARSUM },
      tarsumError: null,
    });
    expect(await digester.finish()).to.equal(digests); // idempotent
    expect(() => digester.update(Buffer.from('x'))).to.throw(/after finish/);
  });

  it('has a null payload without json, and no tarsum work when no version is asked', async () => {
    const digests = await digestStream(chunked(layer, 1000), { tarsumVersions: [] });
    expect(digests.payload).to.equal(null);
    expect(digests.tarsums).to.deep.equal({});
    expect(digests.tarsumError).to.equal(null);
    expect(digests.size).to.equal(layer.length);
  });

  it('the tap passes bytes through byte-identical while digesting (plain, gzip, non-tar)', async () => {
    for (const body of [layer, gzipSync(layer), randomBytes(200_000)]) {
      const digester = createLayerDigester({ json });
      const out = collector();
      await pipeline(chunked(body, 4093), digestTap(digester), out.sink);
      expect(out.bytes().equals(body)).to.equal(true);
      const digests = await digester.finish();
      expect(digests.size).to.equal(body.length);
      expect(digests.payload).to.equal(referencePayload(json, body));
    }
  });

  it('the tap keeps up with a slow consumer and a large compressed stream (back-pressure, no loss)', async () => {
    // 8 MiB of tar inflating from a small gzip: each small input chunk yields a lot of output.
    const big = Buffer.concat([
      tarHeader({ name: 'big', size: 8 << 20 }),
      Buffer.alloc(8 << 20, 0x61),
      Buffer.alloc(1024),
    ]);
    const gz = gzipSync(big);
    const digester = createLayerDigester({ tarsumVersions: ['tarsum', 'tarsum.dev'] });
    const slow = new PassThrough({ highWaterMark: 1024 });
    const drained = (async () => {
      let n = 0;
      for await (const chunk of slow as AsyncIterable<Buffer>) {
        n += chunk.length;
        await new Promise((resolve) => setImmediate(resolve));
      }
      return n;
    })();
    await pipeline(chunked(gz, 512), digestTap(digester), slow);
    expect(await drained).to.equal(gz.length);
    const fromTap = await digester.finish();
    const direct = await digestStream(Readable.from([big]), { tarsumVersions: ['tarsum', 'tarsum.dev'] });
    expect(fromTap.tarsums).to.deep.equal(direct.tarsums);
    expect(fromTap.tarsums.tarsum).to.be.a('string');
  });

  it('digestStream also takes a plain array of chunks', async () => {
    const digests = await digestStream([layer.subarray(0, 700), layer.subarray(700)], { json });
    expect(digests.tarsums.tarsum).to.equal(EXPECTED_TARSUM);
  });

  it('digestStream rejects text chunks', async () => {
    let error: unknown = null;
    await digestStream(Readable.from(['not bytes'])).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(TypeError);
  });

  describe('files', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'v1hub-checksum-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('digestFile and tarsumOfFile read gzipped files too', async () => {
      const gzPath = path.join(dir, 'layer.tar.gz');
      await writeFile(gzPath, gzipSync(layer));
      const digests = await digestFile(gzPath, { json });
      expect(digests.tarsums.tarsum).to.equal(EXPECTED_TARSUM);
      expect(await tarsumOfFile(gzPath, { jsonPath: path.join(LAYER_DIR, 'json') })).to.equal(EXPECTED_TARSUM);
    });

    it('tarsumOfFile rejects a non-tar file with a one-line message', async () => {
      const junk = path.join(dir, 'junk.bin');
      await writeFile(junk, randomBytes(5000));
      let error: unknown = null;
      await tarsumOfFile(junk).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(Error);
      const message = (error as Error).message;
      expect(message).to.contain('junk.bin is not a readable tar archive');
      expect(message).to.not.contain('\n');
    });
  });
});
