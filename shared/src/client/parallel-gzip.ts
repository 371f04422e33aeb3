/**
 * gzip on every core: the layer is cut into fixed blocks, each block compressed as a complete gzip member
 * on libuv's thread pool (zlib.gzip runs off the main thread), and the members sent in order. Concatenated
 * members are one valid gzip stream (RFC 1952 §2.2); Go's gzip reader (Docker), Python's gzip
 * (docker-registry) and Node's gunzip (v1hub) read them all. Block boundaries are fixed, so the same tar
 * always gives the same bytes and the same payload checksum. A layer that fits in one block is one member,
 * byte for byte what a single gzip stream of it is.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { gzip } from 'node:zlib';
import { availableParallelism } from 'node:os';

/** Input bytes per gzip member. */
export const GZIP_BLOCK_BYTES = 1024 * 1024;
/** Docker's level (compress/gzip.DefaultCompression is 6). */
export const DEFAULT_COMPRESSION_LEVEL = 6;

/** A Transform compressing its input as ordered gzip members of {@link GZIP_BLOCK_BYTES}. */
export function parallelGzip(level = DEFAULT_COMPRESSION_LEVEL): Transform {
  // Enough blocks in flight to keep every core busy while the next input block is still being read, few
  // enough that memory stays a few MiB. Two per core: with one per core plus one, the cores sat idle while
  // the oldest member was awaited (a 256 MiB push on 2 cores, alternated runs: 7.8–8.1 s with 3 in flight,
  // 6.2–8.1 s with 4, 7.2–7.6 s with 6).
  const maxInFlight = Math.max(2, availableParallelism() * 2);
  const inFlight: Array<{ readonly job: Promise<Buffer>; out: Buffer | null }> = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const compress = (block: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => gzip(block, { level }, (err, out) => (err ? reject(err) : resolve(out))));

  const launch = (): void => {
    const block = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    const entry: { job: Promise<Buffer>; out: Buffer | null } = { job: compress(block), out: null };
    entry.job.then((out) => (entry.out = out), () => undefined); // failures are observed in order below
    inFlight.push(entry);
  };
  const next = async (): Promise<Buffer> => (inFlight.shift() as { job: Promise<Buffer> }).job;

  return new Transform({
    async transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): Promise<void> {
      try {
        let at = 0;
        while (at < chunk.length) {
          const take = Math.min(chunk.length - at, GZIP_BLOCK_BYTES - pendingBytes);
          pending.push(chunk.subarray(at, at + take));
          pendingBytes += take;
          at += take;
          if (pendingBytes === GZIP_BLOCK_BYTES) launch();
          // Members leave in order, as soon as the oldest is ready; never more than maxInFlight compressing.
          while (inFlight.length > 0 && (inFlight[0]?.out || inFlight.length >= maxInFlight)) this.push(await next());
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    async flush(callback: TransformCallback): Promise<void> {
      try {
        // An empty layer is still one (empty) member, as a gzip stream of nothing is.
        if (pendingBytes > 0 || inFlight.length === 0) launch();
        while (inFlight.length > 0) this.push(await next());
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}
