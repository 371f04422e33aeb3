// The single pass over a layer that the Registry (PUT layer) and the client (push) run while the
// bytes stream: size, plain sha256, the v1 payload checksum (§7.1) and the TarSum(s) (§7.2), without
// ever holding the layer in memory.

import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { LayerInflater } from './layer-inflater.js';
import { PayloadChecksum } from './payload-checksum.js';
import { TarSum, type TarSumVersion } from './tarsum.js';
import type { LayerDigestPool, OffThreadDigest } from './digest-pool.js';

/** Options of {@link createLayerDigester}. */
export interface LayerDigesterOptions {
  /** The image JSON bytes as PUT to /json. Enables the payload checksum and is TarSum's `extra`. */
  json?: Uint8Array | null;
  /** TarSum versions to compute. Default `['tarsum']`; `[]` skips TarSum (and gzip inflation). */
  tarsumVersions?: readonly TarSumVersion[];
  /** Blank uname/gname in TarSum (moby ≥2018). Default false (Docker 1.x). */
  blankOwnerNames?: boolean;
  /** Compute the plain sha256 of the bytes. Default true; off where nothing reads it (a pass saved). */
  rawSha256?: boolean;
  /** Compute the payload checksum (needs `json`). Default true; off when the caller hashes other bytes. */
  payloadChecksum?: boolean;
  /**
   * Compute every digest asked for on this pool's worker threads instead of in-line: the event loop only
   * copies the bytes. finish() then rejects with a DigestWorkerError if the worker fails.
   */
  pool?: LayerDigestPool | null;
}

/** Everything known about a layer once it has streamed through. */
export interface LayerDigests {
  /** Number of bytes, as transmitted. */
  size: number;
  /** `sha256:<hex>` of json ‖ "\n" ‖ bytes; null when no json was given. */
  payload: string | null;
  /** `sha256:<hex>` of the bytes as transmitted; null when `rawSha256` was off. */
  sha256: string | null;
  /** One entry per requested version: the TarSum, or null when the bytes are not a readable tar / tar.gz. */
  tarsums: Partial<Record<TarSumVersion, string | null>>;
  /** Why the TarSums are null (e.g. "invalid tar header (checksum mismatch) at offset 0"), else null. */
  tarsumError: string | null;
}

/** Incremental digester of one layer. */
export interface LayerDigester {
  /**
   * Feeds the next bytes. In-line, the hashes of the raw bytes are updated synchronously and the
   * promise settles once the TarSum path (gzip inflater included) has consumed the chunk: await it
   * before feeding more to bound memory, and do not modify the chunk before it settles (a gzip layer
   * is inflated from it asynchronously). Off-thread (`pool`), the chunk is copied at once and the
   * promise settles once the worker's backlog is under its limit. It never rejects.
   */
  update(chunk: Uint8Array): Promise<void>;
  /** Ends the input and returns the digests. Idempotent; never rejects on bad layer bytes (only on a dead worker). */
  finish(): Promise<LayerDigests>;
  /** True when update() does all its work at once (no TarSum pass): nothing to wait for per chunk. */
  readonly synchronous: boolean;
  /** True when the digests run on a worker pool (`pool`): update() only copies the bytes. */
  readonly offThread: boolean;
  /** True while an off-thread digester has more bytes in flight than it allows: wait for update()'s promise. */
  readonly backlogged: boolean;
}

/** Creates a {@link LayerDigester}. */
export function createLayerDigester(options: LayerDigesterOptions = {}): LayerDigester {
  return new StreamingLayerDigester(options);
}

class StreamingLayerDigester implements LayerDigester {
  private readonly raw: Hash | null;
  private readonly payload: PayloadChecksum | null;
  private readonly json: Uint8Array | null;
  private readonly versions: readonly TarSumVersion[];
  private readonly tarsum: TarSum | null;
  private readonly inflater: LayerInflater | null;
  private readonly worker: OffThreadDigest | null;
  private size = 0;
  private result: Promise<LayerDigests> | null = null;
  readonly synchronous: boolean;

  constructor(options: LayerDigesterOptions) {
    this.json = options.json ?? null;
    const versions: readonly TarSumVersion[] = options.tarsumVersions ?? ['tarsum'];
    this.versions = [...new Set(versions)];
    // Off-thread, the worker runs this same digester in-line with the other options.
    const { pool, ...request } = options;
    this.worker = pool ? pool.open(request) : null;
    const inLine = this.worker === null;
    this.raw = inLine && options.rawSha256 !== false ? createHash('sha256') : null;
    this.payload = inLine && this.json && options.payloadChecksum !== false ? new PayloadChecksum(this.json) : null;
    this.tarsum = inLine && this.versions.length > 0 ? new TarSum({ versions: this.versions, blankOwnerNames: options.blankOwnerNames }) : null;
    this.inflater = this.tarsum ? new LayerInflater(this.tarsum) : null;
    this.synchronous = this.inflater === null && this.worker === null;
  }

  get offThread(): boolean {
    return this.worker !== null;
  }

  get backlogged(): boolean {
    return this.worker?.backlogged ?? false;
  }

  update(chunk: Uint8Array): Promise<void> {
    if (this.result) throw new Error('LayerDigester.update() called after finish()');
    if (this.worker) return this.worker.update(chunk);
    this.size += chunk.length;
    this.raw?.update(chunk);
    this.payload?.update(chunk);
    return this.inflater ? this.inflater.write(chunk) : Promise.resolve();
  }

  finish(): Promise<LayerDigests> {
    this.result ??= this.complete();
    return this.result;
  }

  private async complete(): Promise<LayerDigests> {
    if (this.worker) return this.worker.finish();
    await this.inflater?.end();
    const tarsums: Partial<Record<TarSumVersion, string | null>> = {};
    for (const version of this.versions) tarsums[version] = this.tarsum?.sum(version, this.json) ?? null;
    return {
      size: this.size,
      payload: this.payload?.digest() ?? null,
      sha256: this.raw ? `sha256:${this.raw.digest('hex')}` : null,
      tarsums,
      tarsumError: this.tarsum?.error ?? null,
    };
  }
}

/**
 * A pass-through Transform feeding `digester`: bytes come out unchanged, for
 * `pipeline(req, digestTap(digester), storageStream)`. Each chunk is forwarded at once but the
 * next one is only accepted when the digester has consumed it, so a slow gzip inflater slows the
 * pipeline instead of growing memory. Call `digester.finish()` once the pipeline has completed.
 */
export function digestTap(digester: LayerDigester): Transform {
  // Layer-sized buffers on both sides, as the storage writers use: fewer pauses between socket and disk.
  const highWaterMark = 1024 * 1024;
  return new Transform({
    highWaterMark,
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      this.push(chunk);
      digester.update(chunk).then(() => callback(), callback);
    },
  });
}

/**
 * Feeds `digester` every chunk `source` emits, for a source that another consumer reads
 * (`pipeline(source, storage)`): nothing sits between the two. On a 256 MiB push this cost the registry a
 * quarter less CPU than a pass-through Transform (issue #12, per-thread ticks). An off-thread digester that
 * falls behind pauses the source until it catches up; the consumer's own backpressure still applies, as
 * either pause holds the source (each can let at most one more chunk through before pausing it again).
 * `source` is left paused, so no chunk can flow before that consumer is attached; piping it resumes it.
 */
export function digestAlongside(source: Readable, digester: LayerDigester): void {
  if (!digester.synchronous && !digester.offThread) throw new Error('digestAlongside() needs a synchronous or off-thread digester; use digestTap() for an in-line TarSum');
  source.on('data', (chunk: Buffer) => {
    const consumed = digester.update(chunk);
    if (!digester.backlogged) return;
    source.pause();
    void consumed.then(() => source.resume());
  });
  source.pause();
}

/** Digests a whole byte stream: a Readable, any async iterable of byte chunks, or an array of them. */
export async function digestStream(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: LayerDigesterOptions = {},
): Promise<LayerDigests> {
  const digester = createLayerDigester(options);
  for await (const chunk of source) {
    if (typeof chunk === 'string') throw new TypeError('digestStream() needs a byte stream, got text chunks');
    await digester.update(chunk);
  }
  return digester.finish();
}

/** Digests a layer file by streaming it from disk. */
export function digestFile(path: string, options: LayerDigesterOptions = {}): Promise<LayerDigests> {
  return digestStream(createReadStream(path, { highWaterMark: 1 << 20 }), options);
}
