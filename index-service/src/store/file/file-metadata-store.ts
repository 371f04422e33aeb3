/**
 * The embedded, persistent MetadataStore (URL `file:DIR`), the default for `v1hub up`: the memory store's
 * state and operations, made durable in DIR.
 *
 *   DIR/
 *   ├── LOCK            pid of the process that has the store open (dir-lock.ts)
 *   ├── snapshot.json   the whole state up to journal entry `seq` (snapshot.ts)
 *   └── journal.log     operations after the snapshot, one JSON line each (journal.ts)
 *
 * A write is acknowledged only after its journal line is on disk (fdatasync), so a crash or restart loses
 * nothing that was acknowledged. Opening replays the journal on top of the snapshot and compacts (fresh
 * snapshot, empty journal); so does close(), and so does a journal that grows past `compactAfterBytes`.
 * If a write to the disk fails, the store stops serving (StoreUnavailableError) until it is reopened,
 * because memory then holds changes the disk may not.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { systemClock, type Clock, type Logger } from '@v1hub/shared';
import { applyOperation } from '../memory/operations.js';
import { StateEngine } from '../memory/state-engine.js';
import { createStateStores } from '../memory/state-stores.js';
import { emptyState, fromSnapshot, toSnapshot, type StoreState } from '../memory/store-state.js';
import { TOKEN_SWEEP_INTERVAL_MS } from '../memory/memory-metadata-store.js';
import {
  StoreError,
  StoreUnavailableError,
  type AuditLog,
  type MetadataStore,
  type OrganizationStore,
  type RepositoryStore,
  type SessionStore,
  type TokenStore,
  type WebhookStore,
  type UserStore,
} from '../metadata-store.js';
import { DEFAULT_AUDIT_CAPACITY, type CommonStoreOptions } from '../store-options.js';
import { acquireDirLock, type DirLock } from './dir-lock.js';
import { DurableLog } from './durable-log.js';
import { JournalWriter, readJournal } from './journal.js';
import { readSnapshot } from './snapshot.js';

export const SNAPSHOT_FILE = 'snapshot.json';
export const JOURNAL_FILE = 'journal.log';
/** Journal size that triggers a compaction. */
export const DEFAULT_COMPACT_AFTER_BYTES = 8 * 1024 * 1024;

export interface FileMetadataStoreOptions extends CommonStoreOptions {
  /** Compact once the journal holds this many bytes; defaults to DEFAULT_COMPACT_AFTER_BYTES. */
  readonly compactAfterBytes?: number;
}

/**
 * Opens (creating if needed) the store in `dir`. Rejects StoreError when another live process has it open
 * or when the snapshot or journal is corrupt (a torn final journal line is not corruption: it is dropped).
 */
export async function openFileMetadataStore(dir: string, options: FileMetadataStoreOptions = {}): Promise<FileMetadataStore> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const lock = await acquireDirLock(root);
  let journal: JournalWriter | undefined;
  try {
    const auditCapacity = options.auditCapacity ?? DEFAULT_AUDIT_CAPACITY;
    const { state, seq, replayed, tornBytes } = await loadState(root, auditCapacity);
    journal = await JournalWriter.open(join(root, JOURNAL_FILE));
    const store = new FileMetadataStore(root, state, seq, journal, lock, { ...options, auditCapacity });
    if (replayed > 0 || tornBytes > 0) await store.compact();
    if (tornBytes > 0) options.log?.warn('metadata journal ended with a torn line (a write cut short by a crash); dropped it', { dir: root, bytes: tornBytes });
    options.log?.info('metadata store opened', { dir: root, seq, replayed });
    return store;
  } catch (err) {
    await journal?.close();
    await lock.release();
    throw err;
  }
}

async function loadState(root: string, auditCapacity: number): Promise<{ state: StoreState; seq: number; replayed: number; tornBytes: number }> {
  const snapshot = await readSnapshot(join(root, SNAPSHOT_FILE));
  const state = snapshot === null ? emptyState() : fromSnapshot(snapshot.state);
  let seq = snapshot?.seq ?? 0;
  const journalPath = join(root, JOURNAL_FILE);
  const { entries, tornBytes } = await readJournal(journalPath);
  let replayed = 0;
  for (const entry of entries) {
    // Entries the snapshot already holds (a crash between snapshot and journal reset) come first; skip them.
    if (entry.seq <= (snapshot?.seq ?? 0) && replayed === 0) continue;
    if (entry.seq !== seq + 1) {
      throw new StoreError(`metadata journal ${journalPath} jumps from entry ${seq} to ${entry.seq}; it does not belong to this snapshot`);
    }
    try {
      applyOperation(state, entry.op, { auditCapacity });
    } catch (err) {
      throw new StoreError(`metadata journal ${journalPath} entry ${entry.seq} (${entry.op.type}) cannot be replayed: ${(err as Error).message}`, { cause: err });
    }
    seq = entry.seq;
    replayed += 1;
  }
  return { state, seq, replayed, tornBytes };
}

interface ResolvedOptions extends FileMetadataStoreOptions {
  readonly auditCapacity: number;
}

export class FileMetadataStore implements MetadataStore {
  readonly kind = 'file';
  readonly users: UserStore;
  readonly organizations: OrganizationStore;
  readonly repositories: RepositoryStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly webhooks: WebhookStore;
  readonly audit: AuditLog;
  private readonly engine: StateEngine;
  private readonly durable: DurableLog;
  private readonly log: Logger | undefined;
  private closing: Promise<void> | null = null;

  /** Use openFileMetadataStore(). */
  constructor(
    readonly dir: string,
    state: StoreState,
    seq: number,
    private readonly journal: JournalWriter,
    private readonly lock: DirLock,
    options: ResolvedOptions,
  ) {
    const clock: Clock = options.clock ?? systemClock;
    this.log = options.log;
    this.durable = new DurableLog({
      journal,
      snapshotPath: join(dir, SNAPSHOT_FILE),
      seq,
      compactAfterBytes: options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES,
      takeSnapshot: () => toSnapshot(state, clock.now()),
      log: options.log,
    });
    this.engine = new StateEngine(state, {
      clock,
      auditCapacity: options.auditCapacity,
      persist: (op) => this.durable.record(op),
      checkAvailable: () => this.checkAvailable(),
      sweepIntervalMs: TOKEN_SWEEP_INTERVAL_MS,
    });
    ({ users: this.users, organizations: this.organizations, repositories: this.repositories, tokens: this.tokens, sessions: this.sessions, webhooks: this.webhooks, audit: this.audit } =
      createStateStores(this.engine, options.auditCapacity));
  }

  /** Writes a snapshot now and empties the journal (also done automatically; exposed for tests and tools). */
  async compact(): Promise<void> {
    this.checkAvailable();
    await this.durable.compact();
    if (this.durable.failure !== null) throw this.durable.failure;
  }

  /** Resolves when no journal write or compaction is in progress (the files are then a consistent image). */
  idle(): Promise<void> {
    return this.durable.idle();
  }

  ping(): Promise<void> {
    try {
      this.checkAvailable();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Waits for pending writes, compacts, and releases the directory. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.engine.stop();
    try {
      await this.durable.idle();
      if (this.durable.failure === null) await this.durable.compact();
    } finally {
      await this.journal.close();
      await this.lock.release();
      this.log?.info('metadata store closed', { dir: this.dir });
    }
  }

  private checkAvailable(): void {
    if (this.closing !== null) throw new StoreUnavailableError(`file metadata store ${this.dir} is closed`);
    if (this.durable.failure !== null) throw this.durable.failure;
  }
}
