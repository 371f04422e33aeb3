// TarSum off the event loop. A registry hashes each pushed byte once, for the payload checksum; a TarSum (a
// tar parse, gzip inflation and a second sha256 over the file contents) is computed only for a client that
// sends one in R8, by a worker thread fed copies of the stored layer's chunks, so the event loop keeps
// serving other requests meanwhile. Memory stays flat: at most HIGH_WATER bytes per layer are in flight.
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TarSumVersion } from './tarsum.js';

/** Bytes sent to a worker and not yet consumed, per layer, before update() makes the sender wait. */
const HIGH_WATER = 8 * 1024 * 1024;
const MAX_WORKERS = 2;

export type ToWorker =
  | { type: 'open'; session: number; json: Uint8Array | null; versions: readonly TarSumVersion[]; blankOwnerNames: boolean }
  | { type: 'chunk'; session: number; bytes: ArrayBuffer }
  | { type: 'end'; session: number };

type FromWorker =
  | { type: 'ack'; session: number; bytes: number }
  | { type: 'done'; session: number; tarsums: Partial<Record<TarSumVersion, string | null>>; error: string | null };

/** The TarSums of one layer, as TarSum computes them in-thread. */
export interface OffThreadTarSums {
  readonly tarsums: Partial<Record<TarSumVersion, string | null>>;
  /** Why the TarSums are null, else null. */
  readonly error: string | null;
}

/** One layer's TarSum pass on a worker. */
export interface OffThreadTarSum {
  /** Sends a copy of `chunk`; resolves at once unless too much is in flight. */
  update(chunk: Uint8Array): Promise<void>;
  /** Ends the layer; resolves with its TarSums. Never rejects (a worker failure becomes `error`). */
  finish(): Promise<OffThreadTarSums>;
}

interface PendingSession {
  inFlight: number;
  readonly drained: Array<() => void>;
  done: ((result: OffThreadTarSums) => void) | null;
}

class PooledWorker {
  readonly worker: Worker;
  readonly sessions = new Map<number, PendingSession>();
  /** Set once the worker failed or exited: the pool starts another. */
  failed = false;

  constructor() {
    this.worker = startWorker();
    this.worker.unref();
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (err) => this.failAll(`TarSum worker failed: ${err.message}`));
    this.worker.on('exit', () => this.failAll('TarSum worker exited'));
  }

  private receive(message: FromWorker): void {
    const session = this.sessions.get(message.session);
    if (!session) return;
    if (message.type === 'ack') {
      session.inFlight -= message.bytes;
      if (session.inFlight <= HIGH_WATER) for (const resolve of session.drained.splice(0)) resolve();
      return;
    }
    this.close(message.session);
    session.done?.({ tarsums: message.tarsums, error: message.error });
  }

  /** Holds the process open only while a layer is in progress. */
  opened(): void {
    if (this.sessions.size === 1) this.worker.ref();
  }

  close(id: number): void {
    this.sessions.delete(id);
    if (this.sessions.size === 0) this.worker.unref();
  }

  private failAll(error: string): void {
    for (const [id, session] of [...this.sessions]) {
      this.close(id);
      for (const resolve of session.drained.splice(0)) resolve();
      session.done?.({ tarsums: {}, error });
    }
    this.failed = true;
  }
}

/** A small, lazily started set of TarSum workers shared by every layer of the process. */
export class TarSumPool {
  private readonly workers: PooledWorker[] = [];
  private nextSession = 1;
  private readonly size = Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));

  /** Starts the TarSum pass of one layer with `json` as TarSum's extra. */
  open(json: Uint8Array | null, versions: readonly TarSumVersion[], blankOwnerNames = false): OffThreadTarSum {
    const pooled = this.pick();
    const id = this.nextSession++;
    const session: PendingSession = { inFlight: 0, drained: [], done: null };
    pooled.sessions.set(id, session);
    pooled.opened();
    pooled.worker.postMessage({ type: 'open', session: id, json, versions, blankOwnerNames } satisfies ToWorker);
    let result: Promise<OffThreadTarSums> | null = null;
    return {
      update(chunk) {
        if (!pooled.sessions.has(id)) return Promise.resolve();
        // A copy the worker owns: the caller keeps the original (to write it elsewhere, or to reuse it).
        const copy = new Uint8Array(chunk);
        session.inFlight += copy.length;
        pooled.worker.postMessage({ type: 'chunk', session: id, bytes: copy.buffer } satisfies ToWorker, [copy.buffer]);
        if (session.inFlight <= HIGH_WATER) return Promise.resolve();
        return new Promise((resolve) => session.drained.push(resolve));
      },
      finish() {
        result ??= new Promise<OffThreadTarSums>((resolve) => {
          if (!pooled.sessions.has(id)) return resolve({ tarsums: {}, error: 'TarSum worker failed' });
          session.done = resolve;
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

  private pick(): PooledWorker {
    for (let i = this.workers.length - 1; i >= 0; i--) if (this.workers[i]?.failed) this.workers.splice(i, 1);
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
 * The worker entry beside this module. Built, it is tarsum-worker.js. Run from source (tests, tsx), a
 * worker thread does not inherit tsx's loader, so a one-line module registers it before importing the
 * .ts file.
 */
function startWorker(): Worker {
  const entry = new URL(`./tarsum-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  if (entry.pathname.endsWith('.js')) return new Worker(entry);
  // The ESM build of tsx's API, found from here whichever module system loaded this file.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const bootstrap = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`));
}

let shared: TarSumPool | null = null;

/** The process's pool. */
export function sharedTarSumPool(): TarSumPool {
  shared ??= new TarSumPool();
  return shared;
}
