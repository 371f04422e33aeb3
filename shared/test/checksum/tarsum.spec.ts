import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { pack } from 'tar-stream';
import { TarSum, digestStream, type TarSumVersion } from '../../src/checksum/index.js';
import {
  END_OF_ARCHIVE,
  VECTORS_DIR,
  chunked,
  paxRecord,
  sha256Hex,
  tarEntry,
  v0HeaderString,
} from './tar-fixtures.js';

/** Runs a TarSum over `data` in `chunkSize` pieces. */
function run(data: Buffer, versions: TarSumVersion[] = ['tarsum'], chunkSize = 512): TarSum {
  const tarsum = new TarSum({ versions });
  for (let i = 0; i < data.length; i += chunkSize) tarsum.update(data.subarray(i, i + chunkSize));
  tarsum.end();
  return tarsum;
}

async function packWithTarStream(entries: { name: string; body: string }[]): Promise<Buffer> {
  const archive = pack();
  for (const e of entries) archive.entry({ name: e.name, mtime: new Date(1400000000 * 1000) }, e.body);
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('checksum: TarSum header handling', () => {
  it('hashes the twelve Version0 fields as key+value, then the body (§7.2)', () => {
    const body = Buffer.from('hello\n');
    const tar = Buffer.concat([
      tarEntry({ name: './etc/motd', mode: 0o100644, uid: 1000, gid: 50, mtime: 1234567890, uname: 'me', gname: 'staff' }, body),
      END_OF_ARCHIVE,
    ]);
    const tarsum = run(tar);
    const expectedEntry = sha256Hex(
      v0HeaderString({ name: './etc/motd', mode: 0o100644, uid: 1000, gid: 50, size: 6, mtime: 1234567890, typeflag: 0x30, uname: 'me', gname: 'staff' }),
      body,
    );
    expect(tarsum.fileSums('tarsum')).to.deep.equal([{ name: 'etc/motd', sum: expectedEntry, pos: 0 }]);
    expect(tarsum.sum('tarsum', Buffer.from('{}'))).to.equal(`tarsum+sha256:${sha256Hex('{}', expectedEntry)}`);
    expect(tarsum.sum('tarsum')).to.equal(`tarsum+sha256:${sha256Hex(expectedEntry)}`);
  });

  it("keeps the raw typeflag byte: an old-style '\\0' regular file hashes differently from '0'", () => {
    const sumFor = (typeflag: number): string => {
      const tarsum = run(Buffer.concat([tarEntry({ name: 'f', typeflag, format: 'v7' }, Buffer.from('x')), END_OF_ARCHIVE]));
      return tarsum.fileSums('tarsum')[0]?.sum ?? '';
    };
    const base = { name: 'f', mode: 0o644, size: 1, mtime: 1400000000 };
    expect(sumFor(0)).to.equal(sha256Hex(v0HeaderString({ ...base, typeflag: 0 }), 'x'));
    expect(sumFor(0x30)).to.equal(sha256Hex(v0HeaderString({ ...base, typeflag: 0x30 }), 'x'));
    expect(sumFor(0)).to.not.equal(sumFor(0x30));
  });

  it('joins the ustar prefix, reads GNU base-256 numbers, and only decodes device numbers for devices', () => {
    const base256 = (value: number, length: number): Buffer => {
      const field = Buffer.alloc(length);
      field.writeUIntBE(value, length - 6, 6);
      field[0] = 0x80;
      return field;
    };
    const tar = Buffer.concat([
      tarEntry({ name: 'file', prefix: 'some/dir', raw: { mtime: base256(1400000001, 12), uid: base256(70000, 8) } }),
      tarEntry({ name: 'null', typeflag: 0x33, devmajor: 1, devminor: 3 }),
      tarEntry({ name: 'fifo', typeflag: 0x36, devmajor: 1, devminor: 3 }),
      END_OF_ARCHIVE,
    ]);
    const [file, dev, fifo] = run(tar).fileSums('tarsum');
    expect(file).to.deep.include({
      name: 'some/dir/file',
      sum: sha256Hex(v0HeaderString({ name: 'some/dir/file', mode: 0o644, uid: 70000, size: 0, mtime: 1400000001, typeflag: 0x30 })),
    });
    expect(dev?.sum).to.equal(sha256Hex(v0HeaderString({ name: 'null', mode: 0o644, size: 0, mtime: 1400000000, typeflag: 0x33, devmajor: 1, devminor: 3 })));
    expect(fifo?.sum).to.equal(sha256Hex(v0HeaderString({ name: 'fifo', mode: 0o644, size: 0, mtime: 1400000000, typeflag: 0x36 })));
  });

  it('resolves GNU long names and long link names (typeflag L / K)', () => {
    const longName = `${'d'.repeat(90)}/${'n'.repeat(120)}`;
    const longLink = `/${'t'.repeat(150)}`;
    const tar = Buffer.concat([
      tarEntry({ name: '././@LongLink', typeflag: 0x4c, format: 'gnu' }, Buffer.from(`${longName}\0`)),
      tarEntry({ name: '././@LongLink', typeflag: 0x4b, format: 'gnu' }, Buffer.from(`${longLink}\0`)),
      tarEntry({ name: longName.slice(0, 100), typeflag: 0x32, linkname: longLink.slice(0, 100), format: 'gnu', mode: 0o777 }),
      END_OF_ARCHIVE,
    ]);
    const sums = run(tar, ['tarsum'], 7).fileSums('tarsum');
    expect(sums).to.have.length(1);
    expect(sums[0]?.name).to.equal(longName);
    expect(sums[0]?.sum).to.equal(
      sha256Hex(v0HeaderString({ name: longName, mode: 0o777, size: 0, mtime: 1400000000, typeflag: 0x32, linkname: longLink })),
    );
  });

  it('resolves PAX path/linkpath/uid/uname and fractional mtime records', () => {
    const longName = `pax/${'p'.repeat(300)}`;
    const records = Buffer.concat([
      paxRecord('path', longName),
      paxRecord('linkpath', 'target/of/link'),
      paxRecord('uid', '4294967296'),
      paxRecord('uname', 'paxuser'),
      paxRecord('mtime', '1500000000.987654321'),
      paxRecord('comment', 'ignored'),
    ]);
    const tar = Buffer.concat([
      tarEntry({ name: 'PaxHeaders.0/short', typeflag: 0x78 }, records),
      tarEntry({ name: 'short', typeflag: 0x32, uname: 'root' }),
      END_OF_ARCHIVE,
    ]);
    const [entry] = run(tar, ['tarsum'], 1).fileSums('tarsum');
    expect(entry?.name).to.equal(longName);
    expect(entry?.sum).to.equal(
      sha256Hex(
        v0HeaderString({ name: longName, mode: 0o644, uid: 4294967296, size: 0, mtime: 1500000000, typeflag: 0x32, linkname: 'target/of/link', uname: 'paxuser' }),
      ),
    );
  });

  it('parses PAX long names written by tar-stream (an independent writer)', async () => {
    const longName = `deep/${'x'.repeat(180)}/${'y'.repeat(120)}.txt`;
    const tar = await packWithTarStream([
      { name: longName, body: 'payload' },
      { name: 'short.txt', body: '' },
    ]);
    const sums = run(tar, ['tarsum'], 513).fileSums('tarsum');
    expect(sums.map((s) => s.name)).to.deep.equal([longName, 'short.txt']);
  });

  it('tarsum.v1 and tarsum.dev share the selection: no mtime, xattrs sorted by key without prefix', () => {
    const records = Buffer.concat([paxRecord('SCHILY.xattr.user.b', 'B'), paxRecord('SCHILY.xattr.user.a', Buffer.from([0, 0xff, 1]))]);
    const tar = Buffer.concat([tarEntry({ name: 'PaxHeaders/f', typeflag: 0x78 }, records), tarEntry({ name: 'f' }, Buffer.from('z')), END_OF_ARCHIVE]);
    const tarsum = run(tar, ['tarsum', 'tarsum.v1', 'tarsum.dev']);
    const v1Header =
      'namefmode420uid0gid0size1typeflag0linknameunamegnamedevmajor0devminor0' + 'user.a\x00\xff\x01' + 'user.bB';
    const expected = sha256Hex(v1Header, 'z');
    expect(tarsum.fileSums('tarsum.dev')[0]?.sum).to.equal(expected);
    expect(tarsum.fileSums('tarsum.v1')[0]?.sum).to.equal(expected);
    expect(tarsum.sum('tarsum.v1')).to.equal(`tarsum.v1+sha256:${sha256Hex(expected)}`);
    // Version0 ignores xattrs.
    expect(tarsum.fileSums('tarsum')[0]?.sum).to.equal(sha256Hex(v0HeaderString({ name: 'f', mode: 0o644, size: 1, mtime: 1400000000, typeflag: 0x30 }), 'z'));
  });

  it('keeps archive order for duplicate paths, using Go sort.Sort even when the comparator is cyclic', () => {
    // Entries "a" (pos 0), "./a/" (pos 1, same normalised name) and "b" (pos 2). Search for bodies
    // whose sums make the duplicate-path comparator cyclic (a0 > b > a1: a0 < a1 by position,
    // a1 < b and b < a0 by sum), so no order satisfies it. Go's insertion sort, traced by hand:
    // a1 is not less than a0 (position), b is not less than a1 (sum): archive order is kept.
    const entrySum = (name: string, body: string): string =>
      sha256Hex(v0HeaderString({ name, mode: 0o644, size: body.length, mtime: 1400000000, typeflag: 0x30 }), body);
    let found: [string, string, string] | null = null;
    for (let i = 0; i < 1000 && !found; i++) {
      const [a0, a1, b] = [entrySum('a', `0-${i}`), entrySum('./a/', `1-${i}`), entrySum('b', `2-${i}`)];
      if (a0 > b && b > a1) found = [`0-${i}`, `1-${i}`, `2-${i}`];
    }
    expect(found).to.not.equal(null);
    const [b0, b1, b2] = found as [string, string, string];
    const tar = Buffer.concat([
      tarEntry({ name: 'a' }, Buffer.from(b0)),
      tarEntry({ name: './a/' }, Buffer.from(b1)),
      tarEntry({ name: 'b' }, Buffer.from(b2)),
      END_OF_ARCHIVE,
    ]);
    const tarsum = run(tar);
    const sums = tarsum.fileSums('tarsum').map((s) => s.sum);
    expect(tarsum.sum('tarsum')).to.equal(`tarsum+sha256:${sha256Hex(sums.join(''))}`);
  });

  it('hashes a PAX global header (git archive) as an ordinary entry, as the Go 1.x reader returned it', () => {
    const globalRecords = paxRecord('comment', 'abc123');
    const tar = Buffer.concat([
      tarEntry({ name: 'pax_global_header', typeflag: 0x67, mode: 0o666 }, globalRecords),
      tarEntry({ name: 'f' }, Buffer.from('z')),
      END_OF_ARCHIVE,
    ]);
    const [global, file] = run(tar).fileSums('tarsum');
    expect(global?.sum).to.equal(
      sha256Hex(v0HeaderString({ name: 'pax_global_header', mode: 0o666, size: globalRecords.length, mtime: 1400000000, typeflag: 0x67 }), globalRecords),
    );
    expect(file?.name).to.equal('f');
  });

  it('sorts by sum when no path repeats', () => {
    const tar = Buffer.concat(['c', 'a', 'b', 'd'].map((n) => tarEntry({ name: n }, Buffer.from(n))).concat(END_OF_ARCHIVE));
    const tarsum = run(tar);
    const sorted = tarsum.fileSums('tarsum').map((s) => s.sum).sort();
    expect(tarsum.sum('tarsum')).to.equal(`tarsum+sha256:${sha256Hex(sorted.join(''))}`);
  });
});

describe('checksum: TarSum on input that is not a (complete) tar', () => {
  const layer = readFileSync(path.join(VECTORS_DIR, '46af0962ab5afeb5ce6740d4d91652e69206fc991fd5328c1a94d364ad00e457', 'layer.tar'));
  const emptySum = `tarsum+sha256:${createHash('sha256').digest('hex')}`;

  const nonTars: [string, Buffer][] = [
    ['random bytes', randomBytes(64 * 1024)],
    ['a bzip2 stream', Buffer.concat([Buffer.from('BZh91AY&SY'), randomBytes(2000)])],
    ['an xz stream', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), randomBytes(2000)])],
    ['a tar cut inside a body', layer.subarray(0, 4096 + 512 + 1000)],
    ['a tar cut inside a header', layer.subarray(0, 4096 + 100)],
    ['a single byte', Buffer.from([0x1f])],
    ['a gzip stream cut in half', gzipSync(layer).subarray(0, 300)],
    ['gzip of random bytes', gzipSync(randomBytes(10000))],
    ['a corrupt gzip stream', Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), randomBytes(3000)])],
    ['a zero block followed by data', Buffer.concat([Buffer.alloc(512), layer])],
    ['a PAX header with no entry after it', Buffer.concat([tarEntry({ name: 'x', typeflag: 0x78 }, paxRecord('path', 'p')), END_OF_ARCHIVE])],
    ['a malformed PAX record', Buffer.concat([tarEntry({ name: 'x', typeflag: 0x78 }, Buffer.from('99 path=p\n')), tarEntry({ name: 'f' }), END_OF_ARCHIVE])],
  ];

  for (const [label, data] of nonTars) {
    it(`${label}: tarsum is null with a reason, payload and sha256 still computed`, async () => {
      const json = Buffer.from('{"id":"x"}');
      const digests = await digestStream(chunked(data, 1000), { json, tarsumVersions: ['tarsum', 'tarsum.dev'] });
      expect(digests.tarsums).to.deep.equal({ tarsum: null, 'tarsum.dev': null });
      expect(digests.tarsumError).to.be.a('string').and.not.equal('');
      expect(digests.size).to.equal(data.length);
      expect(digests.sha256).to.equal(`sha256:${sha256Hex(data)}`);
      expect(digests.payload).to.equal(`sha256:${sha256Hex(json, '\n', data)}`);
    });
  }

  it('an empty stream is an empty archive, as for Go (sum of the extra alone)', async () => {
    const digests = await digestStream(chunked(Buffer.alloc(0), 1));
    expect(digests.tarsums.tarsum).to.equal(emptySum);
  });

  it('ignores bytes after the end-of-archive marker and accepts a missing marker, as Go did', () => {
    const expected = run(layer).sum('tarsum');
    expect(expected).to.be.a('string');
    expect(run(Buffer.concat([layer, randomBytes(3000)])).sum('tarsum')).to.equal(expected);
    expect(run(layer.subarray(0, 8192)).sum('tarsum')).to.equal(expected); // no zero blocks at all
    expect(run(layer.subarray(0, 4096 + 512 + 3348 + 10)).sum('tarsum')).to.equal(expected); // cut in padding
  });
});
