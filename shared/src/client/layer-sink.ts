/**
 * Where a downloaded layer goes, chunk by chunk, with back-pressure: a file holding the layer tar (the
 * gzip stream a registry serves is inflated on the way, so the file is what `docker save` calls
 * `layer.tar`), or nowhere (a pull that only verifies). A download that must start over resets the sink.
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { PassThrough, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { GZIP_MAGIC_BYTES, compressionOf } from '../tar/compression.js';
import { positionalWriter, type ClaimedLayer } from './docker-save-writer.js';

/** A destination for layer bytes as they arrive from the wire. */
export interface LayerSink {
  /** Takes the next wire bytes; resolves when they may be followed by more (back-pressure). */
  write(chunk: Buffer): Promise<void>;
  /** Ends the layer; resolves with the bytes stored (the tar size after inflating). */
  finish(): Promise<number>;
  /** Drops everything written so far, to start the layer again from byte 0. */
  reset(): Promise<void>;
  /** Gives up: releases resources and removes any partial output. Never rejects. */
  abort(): Promise<void>;
}

const IO_BUFFER_BYTES = 1024 * 1024;
const GUNZIP_CHUNK_BYTES = 256 * 1024;

/** A sink that counts the bytes and keeps nothing. */
export function discardSink(): LayerSink {
  let bytes = 0;
  return {
    async write(chunk) {
      bytes += chunk.length;
    },
    async finish() {
      return bytes;
    },
    async reset() {
      bytes = 0;
    },
    async abort() {},
  };
}

/**
 * A sink writing the layer tar to `path`: a gzip stream (sniffed from its first two bytes) is inflated,
 * anything else is stored as it comes.
 */
export function fileLayerSink(path: string): LayerSink {
  return new FileLayerSink(
    () => createWriteStream(path, { highWaterMark: IO_BUFFER_BYTES }),
    () => rm(path, { force: true }),
  );
}

/**
 * A sink writing the layer tar straight into its place in the tarball being assembled (docker-save-writer.ts
 * DockerSaveFile.claimLayer): inflated, hashed for its diff id and written by position, once. A restart
 * writes from the body's start again; finish() commits the entry; abort() gives the place back.
 */
export function tarballLayerSink(layer: ClaimedLayer): LayerSink {
  const sink: FileLayerSink = new FileLayerSink(
    () => positionalWriter(layer.handle, layer.bodyStart),
    async () => layer.release(),
    (size) => layer.commit(size, sink.diffId()),
  );
  return sink;
}

class FileLayerSink implements LayerSink {
  private input: PassThrough | null = null;
  private done: Promise<void> = Promise.resolve();
  private head = Buffer.alloc(0);
  private stored = 0;
  /** Only a layer written into the tarball needs its diff id here; a staged one is hashed as it is copied. */
  private hash: Hash | null;

  constructor(
    private readonly destination: () => Writable,
    private readonly discard: () => Promise<void>,
    private readonly commit?: (size: number) => Promise<void>,
  ) {
    this.hash = commit ? createHash('sha256') : null;
  }

  /** `sha256:…` of the tar bytes stored (the layer's diff id), once finished. */
  diffId(): string {
    return `sha256:${(this.hash as Hash).copy().digest('hex')}`;
  }

  async write(chunk: Buffer): Promise<void> {
    if (!this.input) {
      // Decide on gzip only once two bytes are known (a first chunk may be a single byte).
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < GZIP_MAGIC_BYTES) return;
      chunk = this.head;
      this.head = Buffer.alloc(0);
      this.open(chunk);
    }
    const input = this.input as PassThrough;
    if (!input.write(chunk)) await Promise.race([once(input, 'drain'), this.done]);
  }

  async finish(): Promise<number> {
    if (!this.input) {
      this.open(this.head);
      (this.input as PassThrough | null)?.write(this.head);
    }
    (this.input as PassThrough).end();
    await this.done;
    await this.commit?.(this.stored);
    return this.stored;
  }

  async reset(): Promise<void> {
    await this.stop();
    this.head = Buffer.alloc(0);
    this.stored = 0;
    if (this.hash) this.hash = createHash('sha256');
  }

  async abort(): Promise<void> {
    await this.stop();
    await this.discard();
  }

  private async stop(): Promise<void> {
    if (this.input) this.input.destroy(new Error('layer download restarted'));
    try {
      await this.done;
    } catch {
      // NOTE: the pipeline was stopped on purpose; its error is the one passed to destroy() above.
    }
    this.input = null;
    this.done = Promise.resolve();
  }

  private open(first: Buffer): void {
    const input = new PassThrough();
    const counter = new Transform({
      transform: (chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void => {
        this.stored += chunk.length;
        this.hash?.update(chunk);
        callback(null, chunk);
      },
    });
    // Layer-sized buffers: zlib's and fs's 16 KiB defaults turn a 1 GiB layer into 65 536 writes.
    const file = this.destination();
    const gzip = compressionOf(first) === 'gzip';
    this.done = gzip ? pipeline(input, createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }), counter, file) : pipeline(input, counter, file);
    // Observed by write() and finish(); this keeps an early failure from being reported as unhandled.
    this.done.catch(() => undefined);
    this.input = input;
  }
}
