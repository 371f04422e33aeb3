/**
 * The file store's append-only journal: one JSON line per operation, `{"seq":N,"op":{…}}\n`.
 *
 * A crash can tear only the end of the file, so an unterminated final line is ignored on replay (its write
 * was never acknowledged). Any complete line that does not parse, or a gap in the sequence numbers, is
 * corruption and stops the store from opening.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { jsonSyntaxProblem } from '@v1hub/shared';
import { StoreError } from '../metadata-store.js';
import type { Operation } from '../memory/operations.js';
import { errorCode } from './errno.js';

export interface JournalEntry {
  /** 1, 2, 3, … across the store's life; a snapshot records the last one it contains. */
  readonly seq: number;
  readonly op: Operation;
}

export interface JournalContents {
  readonly entries: JournalEntry[];
  /** Length of an unterminated final line (0 when the file ends cleanly). */
  readonly tornBytes: number;
}

export function formatJournalLine(entry: JournalEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

/** Reads and checks the whole journal; an absent file is an empty journal. Rejects StoreError on corruption. */
export async function readJournal(path: string): Promise<JournalContents> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return { entries: [], tornBytes: 0 };
    throw err;
  }
  const end = text.lastIndexOf('\n') + 1;
  const lines = text.slice(0, end).split('\n').slice(0, -1);
  const entries = lines.map((line, index) => parseLine(line, () => `${path} line ${index + 1}`));
  return { entries, tornBytes: Buffer.byteLength(text.slice(end)) };
}

function parseLine(line: string, where: () => string): JournalEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new StoreError(`metadata journal ${where()} is corrupt (${jsonSyntaxProblem(err)}); restore it from a backup or remove the damaged lines`);
  }
  if (!isEntry(value)) throw new StoreError(`metadata journal ${where()} is not a journal entry`);
  return value;
}

function isEntry(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null) return false;
  const { seq, op } = value as { seq?: unknown; op?: unknown };
  return Number.isSafeInteger(seq) && typeof op === 'object' && op !== null && typeof (op as { type?: unknown }).type === 'string';
}

/** Appends to the journal; every append is on disk (fdatasync) before it resolves. Not reentrant: one call at a time. */
export class JournalWriter {
  private constructor(
    private readonly handle: FileHandle,
    private bytes: number,
  ) {}

  static async open(path: string): Promise<JournalWriter> {
    const handle = await open(path, 'a');
    try {
      const { size } = await handle.stat();
      return new JournalWriter(handle, size);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Current length in bytes. */
  get size(): number {
    return this.bytes;
  }

  async append(text: string): Promise<void> {
    const data = Buffer.from(text, 'utf8');
    // NOTE: the file is opened with O_APPEND, so every write lands at the end whatever the position.
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await this.handle.write(data, written);
      written += bytesWritten;
    }
    this.bytes += data.length;
    await this.handle.datasync();
  }

  /** Empties the journal (after a snapshot took over its contents). */
  async reset(): Promise<void> {
    await this.handle.truncate(0);
    await this.handle.sync();
    this.bytes = 0;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
