/**
 * Makes the file store's operations durable: journals each one, groups whatever arrives while a write is
 * in flight into the next single write + fdatasync (group commit), and compacts the journal into a
 * snapshot when it grows past a threshold and at close.
 *
 * Writes, snapshots and journal resets run one at a time in `drain()`. The invariant that makes compaction
 * safe: an operation is applied to the state and given its sequence number in the same synchronous step,
 * so a snapshot taken synchronously contains exactly the operations numbered up to `seq` — the ones
 * already journalled and the ones still waiting, which are then acknowledged by the snapshot instead.
 */
import type { Logger } from '@v1hub/shared';
import type { Operation } from '../memory/operations.js';
import type { StateSnapshot } from '../memory/store-state.js';
import { StoreUnavailableError } from '../metadata-store.js';
import { formatJournalLine } from './journal.js';
import { makeSnapshot, writeSnapshot } from './snapshot.js';

/** The part of JournalWriter the log uses. */
export interface JournalSink {
  readonly size: number;
  /** Appends and syncs; resolves once the text is on disk. */
  append(text: string): Promise<void>;
  reset(): Promise<void>;
}

export interface DurableLogOptions {
  readonly journal: JournalSink;
  readonly snapshotPath: string;
  /** The last sequence number already contained in the state (from the snapshot and the replay). */
  readonly seq: number;
  /** Compact once the journal holds at least this many bytes. */
  readonly compactAfterBytes: number;
  /** The current state, taken synchronously. */
  readonly takeSnapshot: () => StateSnapshot;
  readonly log?: Logger;
}

interface Waiter {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class DurableLog {
  private seq: number;
  private waiting: Waiter[] = [];
  private compactionWanted = false;
  private draining: Promise<void> | null = null;
  private broken: StoreUnavailableError | null = null;

  constructor(private readonly options: DurableLogOptions) {
    this.seq = options.seq;
  }

  /** Set once a write failed: the state then holds operations the disk may not, so the store stops serving. */
  get failure(): StoreUnavailableError | null {
    return this.broken;
  }

  /** Journals `op` (already applied to the state); resolves once it is on disk. Call synchronously after applying. */
  record(op: Operation): Promise<void> {
    if (this.broken !== null) return Promise.reject(this.broken);
    this.seq += 1;
    const line = formatJournalLine({ seq: this.seq, op });
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ line, resolve, reject }));
    this.kick();
    return done;
  }

  /** Writes a snapshot of the current state and empties the journal. */
  compact(): Promise<void> {
    this.compactionWanted = true;
    this.kick();
    return this.idle();
  }

  /** Resolves when nothing is waiting or being written. */
  async idle(): Promise<void> {
    while (this.draining !== null) await this.draining;
  }

  private kick(): void {
    if (this.draining === null) this.draining = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.broken === null && (this.waiting.length > 0 || this.compactionWanted)) {
        if (this.waiting.length > 0) await this.writeBatch();
        if (this.broken === null && (this.compactionWanted || this.options.journal.size >= this.options.compactAfterBytes)) {
          this.compactionWanted = false;
          await this.writeSnapshot();
        }
      }
    } finally {
      // NOTE: cleared in the same synchronous step as the loop's last check, so a record() arriving after
      // that check starts a new drain instead of waiting on one that is about to end.
      this.draining = null;
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.waiting.splice(0);
    try {
      await this.options.journal.append(batch.map((waiter) => waiter.line).join(''));
    } catch (err) {
      this.fail('metadata journal write failed', err, batch);
      return;
    }
    for (const waiter of batch) waiter.resolve();
  }

  private async writeSnapshot(): Promise<void> {
    // Synchronous up to the first await: the snapshot and the covered waiters describe the same instant.
    // NOTE: serialised here, not later, because the state keeps changing while the file is written.
    const seq = this.seq;
    const text = JSON.stringify(makeSnapshot(seq, this.options.takeSnapshot()));
    const covered = this.waiting.splice(0);
    const started = Date.now();
    try {
      await writeSnapshot(this.options.snapshotPath, text);
    } catch (err) {
      this.fail('metadata snapshot write failed', err, covered);
      return;
    }
    for (const waiter of covered) waiter.resolve();
    try {
      // A crash before this reset is harmless: replay skips entries the snapshot already contains.
      await this.options.journal.reset();
    } catch (err) {
      this.fail('metadata journal reset failed', err, []);
      return;
    }
    this.options.log?.debug('metadata journal compacted', { seq, bytes: text.length, ms: Date.now() - started });
  }

  private fail(what: string, cause: unknown, batch: readonly Waiter[]): void {
    const message = cause instanceof Error ? cause.message : String(cause);
    this.broken = new StoreUnavailableError(`${what}: ${message}; the store refuses further requests until it is reopened`, { cause });
    this.options.log?.error(what, { err: cause });
    for (const waiter of [...batch, ...this.waiting.splice(0)]) waiter.reject(this.broken);
  }
}
