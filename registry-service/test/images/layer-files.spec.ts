// listLayerFiles decides the compression from the first bytes, however the storage chunks them: an S3 body
// or a slow disk may hand over a single byte first.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { buildTar } from '@v1hub/shared';
import { listLayerFiles } from '../../src/images/layer-files.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** The bytes as a stream whose first chunks are one, one and three bytes long. */
function dribbled(bytes: Buffer): Readable {
  return Readable.from([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2, 5), bytes.subarray(5)]);
}

describe('listLayerFiles', function () {
  it('recognises xz and bzip2 when the first chunks are a byte or two', async function () {
    for (const file of ['layer.tar.xz', 'layer.tar.bz2']) {
      const files = await listLayerFiles(dribbled(readFileSync(join(FIXTURES, file))));
      expect(files?.map((f) => f[0]), file).to.deep.equal(['etc', 'etc/motd', 'etc/blob.txt']);
    }
  });

  it('recognises gzip, and passes a plain tar through whole, when the first chunk is one byte', async function () {
    const tar = await buildTar([{ name: 'etc/hello', content: 'hi\n' }]);
    for (const [label, bytes] of [['plain', tar], ['gzip', gzipSync(tar)]] as const) {
      const files = await listLayerFiles(dribbled(bytes));
      expect(files?.map((f) => f[0]), label).to.deep.equal(['etc', 'etc/hello']);
    }
  });

  it('answers null for bytes that are no tar, however short, and [] for an empty layer', async function () {
    expect(await listLayerFiles(Readable.from([Buffer.from('abc')]))).to.equal(null);
    expect(await listLayerFiles(Readable.from([]))).to.deep.equal([]);
  });
});
