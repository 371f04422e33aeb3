// Layer digests off the event loop. A registry receiving a layer hashes it for the payload checksum; on a
// worker thread that hashing runs beside the event loop, which keeps reading the socket and writing the file,
// so two cores serve one push. A TarSum (a tar parse, gzip inflation and a second sha256 over the file
// contents), computed only for a client that sends one in R8, runs there too. The worker is fed copies of the
// chunks in blocks of BLOCK bytes (one message per block, not per socket read), and memory stays flat: at
// most HIGH_WATER bytes per layer are in flight.
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LayerDigesterOptions, LayerDigests } from './layer-digester.js';

/** Bytes copied into one message to a worker. */
const BLOCK = 1024 * 1024;
/** Bytes sent to a worker and not yet consumed, per layer, before update() makes the sender wait. */
const HIGH_WATER = 8 * 1024 * 1024;
const MAX_WORKERS = 2;
/** Blocks kept for reuse per worker: what one layer has in flight at the most. */
const SPARE_BLOCKS = HIGH_WATER / BLOCK + 1;

/** What one layer's session computes: the worker runs the in-line digester with these options. */
export type DigestRequest = Omit<LayerDigesterOptions, 'pool'>;

export type ToWorker =
  | { type: 'open'; session: number; request: DigestRequest }
  | { type: 'chunk'; session: number; bytes: Uint8Array }
  | { type: 'end'; session: number };

type FromWorker =
  | { type: 'ack'; session: number; bytes: number; block: ArrayBuffer | null }
  | { type: 'done'; session: number; digests: LayerDigests };

/** The worker failed or exited before it finished a layer: the digests it owed are lost. */
export class DigestWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DigestWorkerError';
  }
}

/** One layer's digest pass on a worker. */
export interface OffThreadDigest {
  /** Sends a copy of `chunk`; resolves at once unless too much is in flight. */
  update(chunk: Uint8Array): Promise<void>;
  /** True while more than the allowed bytes are in flight: the last update()'s promise is still pending. */
  readonly backlogged: boolean;
  /** Ends the layer; resolves with its digests, rejects with a DigestWorkerError if the worker failed. */
  finish(): Promise<LayerDigests>;
}

interface PendingSession {
  inFlight: number;
  readonly drained: Array<() => void>;
  settle: ((result: LayerDigests | DigestWorkerError) => void) | null;
}

class PooledWorker {
  readonly worker: Worker;
  /** Blocks the worker has handed back, reused so a layer does not cost a fresh allocation per block. */
  readonly spareBlocks: ArrayBuffer[] = [];
  readonly sessions = new Map<number, PendingSession>();
  /** Set once the worker failed or exited: the pool starts another. */
  failed = false;

  constructor() {
    this.worker = startWorker();
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (err) => this.failAll(`digest worker failed: ${err.message}`));
    this.worker.on('exit', () => this.failAll('digest worker exited'));
    // After the listeners: attaching a 'message' listener refs the worker's port again.
    this.worker.unref();
  }

  private receive(message: FromWorker): void {
    const session = this.sessions.get(message.session);
    if (message.type === 'ack' && message.block && this.spareBlocks.length < SPARE_BLOCKS) this.spareBlocks.push(message.block);
    if (!session) return;
    if (message.type === 'ack') {
      session.inFlight -= message.bytes;
      if (session.inFlight <= HIGH_WATER) for (const resolve of session.drained.splice(0)) resolve();
      return;
    }
    this.close(message.session);
    session.settle?.(message.digests);
  }

  /** Holds the process open only while a layer is in progress. */
  opened(): void {
    if (this.sessions.size === 1) this.worker.ref();
  }

  close(id: number): void {
    this.sessions.delete(id);
    if (this.sessions.size === 0) this.worker.unref();
  }

  private failAll(reason: string): void {
    this.failed = true;
    for (const [id, session] of [...this.sessions]) {
      this.close(id);
      for (const resolve of session.drained.splice(0)) resolve();
      session.settle?.(new DigestWorkerError(reason));
    }
  }
}

/** A small, lazily started set of digest workers shared by every layer of the process. */
export class LayerDigestPool {
  private readonly workers: PooledWorker[] = [];
  private nextSession = 1;
  private readonly size = Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));

  /** Starts the workers now, so the first layer does not wait for a thread to boot. */
  warm(): void {
    this.dropFailed();
    while (this.workers.length < this.size) this.workers.push(new PooledWorker());
  }

  /** Starts the digest pass of one layer. */
  open(request: DigestRequest): OffThreadDigest {
    const pooled = this.pick();
    const id = this.nextSession++;
    const session: PendingSession = { inFlight: 0, drained: [], settle: null };
    pooled.sessions.set(id, session);
    pooled.opened();
    pooled.worker.postMessage({ type: 'open', session: id, request } satisfies ToWorker);
    let block: Uint8Array | null = null;
    let filled = 0;
    // A copy the worker owns, transferred: the caller keeps the original (to write it elsewhere, or reuse it).
    const send = (): void => {
      if (block === null || filled === 0) return;
      const bytes = block.subarray(0, filled);
      session.inFlight += filled;
      pooled.worker.postMessage({ type: 'chunk', session: id, bytes } satisfies ToWorker, [bytes.buffer as ArrayBuffer]);
      block = null;
      filled = 0;
    };
    let result: Promise<LayerDigests> | null = null;
    return {
      update(chunk) {
        if (!pooled.sessions.has(id)) return Promise.resolve();
        for (let at = 0; at < chunk.length; ) {
          block ??= new Uint8Array(pooled.spareBlocks.pop() ?? new ArrayBuffer(BLOCK));
          const n = Math.min(BLOCK - filled, chunk.length - at);
          block.set(chunk.subarray(at, at + n), filled);
          filled += n;
          at += n;
          if (filled === BLOCK) send();
        }
        if (session.inFlight <= HIGH_WATER) return Promise.resolve();
        return new Promise((resolve) => session.drained.push(resolve));
      },
      get backlogged() {
        return pooled.sessions.has(id) && session.inFlight > HIGH_WATER;
      },
      finish() {
        result ??= new Promise<LayerDigests>((resolve, reject) => {
          if (!pooled.sessions.has(id)) return reject(new DigestWorkerError('digest worker failed'));
          session.settle = (outcome) => (outcome instanceof DigestWorkerError ? reject(outcome) : resolve(outcome));
          send();
          pooled.worker.postMessage({ type: 'end', session: id } satisfies ToWorker);
        });
        return result;
      },
    };
  }

  /** Stops every worker (for tests and orderly shutdown; the pool starts new ones if used again). */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((pooled) => pooled.worker.terminate()));
  }

  private dropFailed(): void {
    for (let i = this.workers.length - 1; i >= 0; i--) if (this.workers[i]?.failed) this.workers.splice(i, 1);
  }

  private pick(): PooledWorker {
    this.dropFailed();
    const idle = this.workers.find((pooled) => pooled.sessions.size === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) {
      const pooled = new PooledWorker();
      this.workers.push(pooled);
      return pooled;
    }
    return this.workers.reduce((a, b) => (b.sessions.size < a.sessions.size ? b : a));
  }
}

/**
 * The worker entry beside this module. Built, it is digest-worker.js. Run from source (tests, tsx), a
 * worker thread does not inherit tsx's loader, so a one-line module registers it before importing the
 * .ts file.
 */
function startWorker(): Worker {
  const entry = new URL(`./digest-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  if (entry.pathname.endsWith('.js')) return new Worker(entry);
  // The ESM build of tsx's API, found from here whichever module system loaded this file.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const bootstrap = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`));
}

let shared: LayerDigestPool | null = null;

/** The process's pool. */
export function sharedLayerDigestPool(): LayerDigestPool {
  shared ??= new LayerDigestPool();
  return shared;
}

/**
 * The pool a registry hashes pushed layers on: the shared one where there is a second core to run it, none
 * (hash in-line) on one core, where a worker would only add copying.
 */
export function layerDigestPoolForThisMachine(): LayerDigestPool | null {
  return availableParallelism() >= 2 ? sharedLayerDigestPool() : null;
}
