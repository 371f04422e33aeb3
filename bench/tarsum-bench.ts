// Throughput and memory of the single-pass layer digester (payload checksum + sha256 + TarSum)
// against a plain sha256 over the same bytes, on a synthetic tar generated on the fly.
//
//   node --import tsx --conditions=@v1hub/source bench/tarsum-bench.ts [MiB]   (default 512)
//
// The tar holds one huge entry (half the size) and then 4 KiB files up to the size. It is never
// held in memory whole: chunks of ~1 MiB are produced as they are consumed. Peak RSS is sampled
// after every chunk; flat memory means the digester's peak stays close to the baseline's and does
// not grow with the size (try 64 and 2048). The gzip phases compress on the fly with zlib level 1,
// which is far slower than hashing, so they run on at most GZIP_MAX_MIB to keep the run short.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { createLayerDigester, type LayerDigests, type TarSumVersion } from '../shared/src/checksum/index.js';

const MIB = 1 << 20;
const SMALL_FILE_SIZE = 4096;
const GZIP_MAX_MIB = 128;
const totalMiB = Number(process.argv[2] ?? 512);
if (!Number.isInteger(totalMiB) || totalMiB < 2) {
  console.error('usage: tarsum-bench.ts [MiB ≥ 2]');
  process.exit(2);
}

/** Incompressible-looking filler, generated once and sliced, so generation costs little. */
const POOL = Buffer.alloc(MIB);
for (let i = 0; i < POOL.length; i += 32) createHash('sha256').update(String(i)).digest().copy(POOL, i);

/** A minimal ustar header for a regular file. */
function header(name: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'latin1');
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  block.write('12320410536\0', 136, 'latin1');
  block[156] = 0x30;
  block.write('ustar\x0000', 257, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return block;
}

/** The synthetic tar, about `mib` MiB, in chunks of about 1 MiB. */
function* syntheticTar(mib: number): Generator<Buffer> {
  const hugeSize = Math.floor(mib / 2) * MIB + 123; // not block-aligned, to exercise padding
  yield header('huge.bin', hugeSize);
  for (let left = hugeSize; left > 0; left -= MIB) yield POOL.subarray(0, Math.min(MIB, left));
  yield Buffer.alloc((512 - (hugeSize % 512)) % 512);

  const entrySize = 512 + SMALL_FILE_SIZE;
  const perChunk = Math.floor(MIB / entrySize);
  let remainingFiles = Math.floor((mib * MIB - hugeSize) / entrySize);
  let fileNumber = 0;
  while (remainingFiles > 0) {
    const count = Math.min(perChunk, remainingFiles);
    const chunk = Buffer.alloc(count * entrySize);
    for (let i = 0; i < count; i++, fileNumber++) {
      header(`small/${fileNumber}`, SMALL_FILE_SIZE).copy(chunk, i * entrySize);
      POOL.copy(chunk, i * entrySize + 512, (fileNumber * 64) % (MIB - SMALL_FILE_SIZE), ((fileNumber * 64) % (MIB - SMALL_FILE_SIZE)) + SMALL_FILE_SIZE);
    }
    remainingFiles -= count;
    yield chunk;
  }
  yield Buffer.alloc(1024);
}

interface PhaseResult {
  bytes: number;
  seconds: number;
  peakRss: number;
  detail: string;
}

/** Runs `consume` over every chunk of `source`, timing it and sampling RSS after each chunk. */
async function measure(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
  consume: (chunk: Buffer) => unknown,
  done: () => Promise<string> | string,
): Promise<PhaseResult> {
  const start = process.hrtime.bigint();
  let bytes = 0;
  let peakRss = process.memoryUsage.rss();
  for await (const chunk of source) {
    bytes += chunk.length;
    await consume(chunk);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  const detail = await done();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { bytes, seconds, peakRss: Math.max(peakRss, process.memoryUsage.rss()), detail };
}

function baseline(source: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<PhaseResult> {
  const hash = createHash('sha256');
  return measure(source, (chunk) => hash.update(chunk), () => `sha256:${hash.digest('hex').slice(0, 16)}…`);
}

function digest(source: AsyncIterable<Buffer> | Iterable<Buffer>, versions: TarSumVersion[]): Promise<PhaseResult> {
  const digester = createLayerDigester({ json: Buffer.from('{"id":"bench"}'), tarsumVersions: versions });
  return measure(
    source,
    (chunk) => digester.update(chunk),
    async () => describe(await digester.finish()),
  );
}

function describe(d: LayerDigests): string {
  const sums = Object.entries(d.tarsums).map(([v, s]) => `${v}=${s === null ? `null (${d.tarsumError})` : `${s.slice(s.indexOf(':') + 1, s.indexOf(':') + 13)}…`}`);
  return `${(d.sha256 ?? "").slice(0, 23)}… ${sums.join(' ')}`;
}

function gzipped(mib: number): AsyncIterable<Buffer> {
  return Readable.from(syntheticTar(mib)).pipe(createGzip({ level: 1 }));
}

function row(label: string, r: PhaseResult): void {
  const mibs = r.bytes / MIB / r.seconds;
  console.log(
    `${label.padEnd(50)} ${(r.bytes / MIB).toFixed(0).padStart(6)} MiB ${r.seconds.toFixed(2).padStart(7)} s ` +
      `${mibs.toFixed(0).padStart(6)} MiB/s  peak RSS ${(r.peakRss / MIB).toFixed(0).padStart(4)} MiB  ${r.detail}`,
  );
}

const smallFiles = Math.floor((totalMiB * MIB - (Math.floor(totalMiB / 2) * MIB + 123)) / (512 + SMALL_FILE_SIZE));
console.log(
  `synthetic tar of ${totalMiB} MiB: one ${Math.floor(totalMiB / 2)} MiB entry + ${smallFiles} files of 4 KiB; node ${process.version}`,
);
console.log(`start RSS ${(process.memoryUsage.rss() / MIB).toFixed(0)} MiB`);
row('generator alone (cost of producing the bytes)', await measure(syntheticTar(totalMiB), () => undefined, () => ''));
row('baseline: sha256 over the tar', await baseline(syntheticTar(totalMiB)));
row('digester: sha256 + payload + tarsum', await digest(syntheticTar(totalMiB), ['tarsum']));
row('digester: + tarsum.dev (two tarsums)', await digest(syntheticTar(totalMiB), ['tarsum', 'tarsum.dev']));
const gzipMiB = Math.min(totalMiB, GZIP_MAX_MIB);
row(`baseline: gzip -1 of ${gzipMiB} MiB + sha256`, await baseline(gzipped(gzipMiB)));
row(`digester: gzip -1 of ${gzipMiB} MiB + digest (inflate)`, await digest(gzipped(gzipMiB), ['tarsum']));
console.log(`process max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
