import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { digestFile, digestStream, tarsumOfFile, type TarSumVersion } from '../../src/checksum/index.js';
import { VECTORS_DIR, chunked, fixChecksum, jsonOf, layerPathOf, loadVectorCases } from './tar-fixtures.js';

const versionOf = (tarsum: string): TarSumVersion => tarsum.slice(0, tarsum.indexOf('+')) as TarSumVersion;

const SUDOERS_LAYER = path.join(VECTORS_DIR, '46af0962ab5afeb5ce6740d4d91652e69206fc991fd5328c1a94d364ad00e457');
const SUDOERS_HEADER_OFFSET = 4096; // etc/sudoers, the only regular file of that layer
const SUDOERS_EXPECTED = {
  tarsum: 'tarsum+sha256:4095cc12fa5fdb1ab2760377e1cd0c4ecdd3e61b4f9b82319d96fcea6c9a41c6',
  'tarsum.dev': 'tarsum.dev+sha256:db56e35eec6ce65ba1588c20ba6b1ea23743b59e81fb6b7f358ccbde5580345c',
} as const;

async function sumsOf(layer: Buffer, json: Buffer | null, chunkSize = layer.length || 1) {
  return digestStream(chunked(layer, chunkSize), { json, tarsumVersions: ['tarsum', 'tarsum.dev'] });
}

describe('checksum: TarSum vectors (shared/vectors/tarsum/expected.json)', () => {
  const cases = loadVectorCases();

  it('finds the vector cases', () => {
    expect(cases.length).to.be.greaterThan(0);
  });

  for (const c of cases) {
    const label = `${c.dir ?? c.file}${c.withJson ? ' + json' : ''}${c.gzip ? ' (gzip)' : ''} → ${c.tarsum}`;
    it(`matches ${label}`, async () => {
      const version = versionOf(c.tarsum);
      const layerPath = layerPathOf(c);
      const json = jsonOf(c);
      const digests = c.gzip
        ? await digestStream(Readable.from([gzipSync(readFileSync(layerPath))]), { json, tarsumVersions: [version] })
        : await digestFile(layerPath, { json, tarsumVersions: [version] });
      expect(digests.tarsumError).to.equal(null);
      expect(digests.tarsums[version]).to.equal(c.tarsum);
    });
  }

  it('tarsumOfFile (the CLI entry point) gives the same sums, with --json and --version', async () => {
    for (const c of cases.filter((x) => !x.gzip)) {
      const jsonPath = c.withJson && c.dir !== undefined ? path.join(VECTORS_DIR, c.dir, 'json') : undefined;
      expect(await tarsumOfFile(layerPathOf(c), { jsonPath, version: versionOf(c.tarsum) })).to.equal(c.tarsum);
    }
  });

  it('reproduces the post-2018 blanked uname/gname variant on the collision tars (§7.2)', async () => {
    const prefixes = ['7cabb5e9', '805fd393', '85d2b838', 'cbe4dee7'];
    for (const [i, prefix] of prefixes.entries()) {
      const layer = path.join(VECTORS_DIR, 'collision', `collision-${i}.tar`);
      const blanked = await tarsumOfFile(layer, { blankOwnerNames: true });
      expect(blanked.startsWith(`tarsum+sha256:${prefix}`), blanked).to.equal(true);
    }
  });
});

describe('checksum: altered vectors are detected', () => {
  const layer = readFileSync(path.join(SUDOERS_LAYER, 'layer.tar'));
  const json = readFileSync(path.join(SUDOERS_LAYER, 'json'));

  it('the unaltered layer matches (control)', async () => {
    const digests = await sumsOf(layer, json);
    expect(digests.tarsums).to.deep.equal(SUDOERS_EXPECTED);
  });

  it('one flipped byte of the image JSON changes the sums', async () => {
    const altered = Buffer.from(json);
    altered[10] = (altered[10] ?? 0) ^ 0x01;
    const digests = await sumsOf(layer, altered);
    expect(digests.tarsums.tarsum).to.be.a('string').and.not.equal(SUDOERS_EXPECTED.tarsum);
    expect(digests.tarsums['tarsum.dev']).to.be.a('string').and.not.equal(SUDOERS_EXPECTED['tarsum.dev']);
  });

  it('one flipped byte of a file body changes the sums (and the tar stays readable)', async () => {
    const altered = Buffer.from(layer);
    const bodyByte = SUDOERS_HEADER_OFFSET + 512 + 100;
    altered[bodyByte] = (altered[bodyByte] ?? 0) ^ 0x20;
    const digests = await sumsOf(altered, json);
    expect(digests.tarsumError).to.equal(null);
    expect(digests.tarsums.tarsum).to.be.a('string').and.not.equal(SUDOERS_EXPECTED.tarsum);
    expect(digests.tarsums['tarsum.dev']).to.be.a('string').and.not.equal(SUDOERS_EXPECTED['tarsum.dev']);
  });

  it('a flipped header byte without a checksum fix makes the tar unreadable (null, no throw)', async () => {
    const altered = Buffer.from(layer);
    altered[SUDOERS_HEADER_OFFSET + 5] = 0x58; // etc/sudoers → etc/sXdoers
    const digests = await sumsOf(altered, json);
    expect(digests.tarsums).to.deep.equal({ tarsum: null, 'tarsum.dev': null });
    expect(digests.tarsumError).to.match(/checksum mismatch\) at offset 4096$/);
  });

  it('a changed mtime changes tarsum but not tarsum.dev, which drops mtime', async () => {
    const altered = Buffer.from(layer);
    const header = altered.subarray(SUDOERS_HEADER_OFFSET, SUDOERS_HEADER_OFFSET + 512);
    header.write('12320410537', 136, 'latin1'); // one second later
    fixChecksum(header);
    const digests = await sumsOf(altered, json);
    expect(digests.tarsums.tarsum).to.be.a('string').and.not.equal(SUDOERS_EXPECTED.tarsum);
    expect(digests.tarsums['tarsum.dev']).to.equal(SUDOERS_EXPECTED['tarsum.dev']);
  });

  it('a different file name changes the sums once the checksum is fixed', async () => {
    const altered = Buffer.from(layer);
    const header = altered.subarray(SUDOERS_HEADER_OFFSET, SUDOERS_HEADER_OFFSET + 512);
    header[5] = 0x58;
    fixChecksum(header);
    const digests = await sumsOf(altered, json);
    expect(digests.tarsumError).to.equal(null);
    expect(digests.tarsums.tarsum).to.be.a('string').and.not.equal(SUDOERS_EXPECTED.tarsum);
  });
});

describe('checksum: chunking independence', () => {
  const layer = readFileSync(path.join(SUDOERS_LAYER, 'layer.tar'));
  const json = readFileSync(path.join(SUDOERS_LAYER, 'json'));
  const gzipped = gzipSync(layer);
  const sizes = [1, 7, 511, 513, 4096, Number.MAX_SAFE_INTEGER];

  for (const size of sizes) {
    const label = size === Number.MAX_SAFE_INTEGER ? 'one whole chunk' : `${size}-byte chunks`;
    it(`plain tar in ${label} gives the vector sums`, async () => {
      const digests = await sumsOf(layer, json, size);
      expect(digests.tarsums).to.deep.equal(SUDOERS_EXPECTED);
    });
    it(`gzipped tar in ${label} gives the vector sums`, async () => {
      const digests = await sumsOf(gzipped, json, size);
      expect(digests.tarsums).to.deep.equal(SUDOERS_EXPECTED);
    });
  }

  it('the xattr layer (PAX header + binary xattr value) is chunking-independent too', async () => {
    const xattrLayer = readFileSync(path.join(VECTORS_DIR, 'xattr', 'layer.tar'));
    const xattrJson = readFileSync(path.join(VECTORS_DIR, 'xattr', 'json'));
    const expected = {
      tarsum: 'tarsum+sha256:07e304a8dbcb215b37649fde1a699f8aeea47e60815707f1cdf4d55d25ff6ab4',
      'tarsum.dev': 'tarsum.dev+sha256:6c58917892d77b3b357b0f9ad1e28e1f4ae4de3a8006bd3beb8beda214d8fd16',
    };
    for (const size of [1, 7, 511, 513]) {
      expect((await sumsOf(xattrLayer, xattrJson, size)).tarsums).to.deep.equal(expected);
    }
  });
});
