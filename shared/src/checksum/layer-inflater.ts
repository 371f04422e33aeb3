// Turns layer bytes as transmitted (plain tar or gzip) into tar bytes for a synchronous consumer
// such as TarSum, with honest back-pressure.
//
// A layer is gzip when it starts with the magic 1f 8b; anything else is passed through as tar
// (bzip2, xz or garbage then simply fail to parse as tar). Plain bytes reach the consumer
// synchronously. Gzip goes through node:zlib's streaming inflater, which works off the main thread:
// write() returns a promise that settles only once zlib has inflated the chunk *and* the consumer
// has taken the output, so a caller that awaits it cannot outrun a slow inflater and memory stays
// flat. Inflating stops as soon as the consumer is finished (end of archive or rejected input).

import { createGunzip, type Gunzip } from 'node:zlib';
import { GZIP_MAGIC_BYTES, compressionOf } from '../tar/compression.js';

/** The consumer fed by a {@link LayerInflater}: TarSum fits. */
export interface TarConsumer {
  update(chunk: Uint8Array): void;
  end(): void;
  abort(reason: string): void;
  /** True when no more input is wanted. */
  readonly finished: boolean;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** Sniffs the compression of a layer and feeds its tar bytes to a {@link TarConsumer}. */
export class LayerInflater {
  private mode: 'sniff' | 'plain' | 'gzip' = 'sniff';
  private head = Buffer.alloc(0);
  private gunzip: Gunzip | null = null;
  private gunzipClosed: Promise<void> = RESOLVED;
  /** Resolvers of write() promises still inside zlib; settled on completion or on shutdown. */
  private readonly pending = new Set<() => void>();
  private stopped = false;

  constructor(private readonly consumer: TarConsumer) {}

  /**
   * Feeds raw layer bytes. Await the result to respect the inflater's pace; the chunk must stay
   * unmodified until then.
   */
  write(chunk: Uint8Array): Promise<void> {
    if (this.mode === 'sniff') {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < GZIP_MAGIC_BYTES) return RESOLVED;
      const head = this.head;
      this.head = Buffer.alloc(0);
      this.chooseMode(head);
      return this.forward(head);
    }
    return this.forward(chunk);
  }

  /** Signals the end of the layer; resolves once the consumer has seen all of it. */
  async end(): Promise<void> {
    if (this.mode === 'sniff') {
      // Fewer than two bytes in all: cannot be gzip.
      const head = this.head;
      this.head = Buffer.alloc(0);
      this.chooseMode(head);
      await this.forward(head);
    }
    if (this.gunzip && !this.stopped) this.gunzip.end();
    await this.gunzipClosed;
    this.consumer.end();
  }

  private chooseMode(head: Buffer): void {
    const isGzip = compressionOf(head) === 'gzip';
    this.mode = isGzip ? 'gzip' : 'plain';
    if (isGzip) this.startGunzip();
  }

  private forward(chunk: Uint8Array): Promise<void> {
    if (this.consumer.finished) {
      // Nothing more is wanted: stop inflating rather than decompress the rest for nothing.
      if (this.mode === 'gzip') this.stopGunzip();
      return RESOLVED;
    }
    if (chunk.length === 0) return RESOLVED;
    if (this.mode === 'plain') {
      this.consumer.update(chunk);
      return RESOLVED;
    }
    const gunzip = this.gunzip;
    if (!gunzip || this.stopped) return RESOLVED;
    return new Promise<void>((resolve) => {
      const settle = (): void => {
        if (this.pending.delete(settle)) resolve();
      };
      this.pending.add(settle);
      gunzip.write(chunk, settle);
    });
  }

  private startGunzip(): void {
    const gunzip = createGunzip();
    this.gunzip = gunzip;
    this.gunzipClosed = new Promise<void>((resolve) => gunzip.once('close', resolve));
    gunzip.on('data', (data: Buffer) => {
      if (this.consumer.finished) {
        this.stopGunzip();
        return;
      }
      this.consumer.update(data);
      if (this.consumer.finished) this.stopGunzip();
    });
    gunzip.on('error', (err: Error) => {
      this.consumer.abort(`gzip: ${err.message}`);
      this.stopGunzip();
    });
  }

  /** Stops inflating: settles every pending write and releases zlib. */
  private stopGunzip(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const settle of [...this.pending]) settle();
    const gunzip = this.gunzip;
    // Deferred: this may run inside zlib's own data callback.
    if (gunzip) process.nextTick(() => gunzip.destroy());
  }
}
