/**
 * The file store's snapshot: the whole state as one JSON document plus the sequence number of the last
 * journal entry it contains. It is replaced atomically (write a temporary file, fsync it, rename it over
 * the old one, fsync the directory), so a crash leaves either the old snapshot or the new one.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StateSnapshot } from '../memory/store-state.js';
import { jsonSyntaxProblem } from '@v1hub/shared';
import { StoreError } from '../metadata-store.js';
import { errorCode, ignoreMissing } from './errno.js';

const FORMAT = 'v1hub-metadata-snapshot';
const VERSION = 1;

export interface SnapshotFile {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  /** The last journal sequence number included; entries up to it are skipped on replay. */
  readonly seq: number;
  readonly savedAt: string;
  readonly state: StateSnapshot;
}

export function makeSnapshot(seq: number, state: StateSnapshot): SnapshotFile {
  return { format: FORMAT, version: VERSION, seq, savedAt: new Date().toISOString(), state };
}

/** Null when there is no snapshot yet; rejects StoreError when the file is not a snapshot we can read. */
export async function readSnapshot(path: string): Promise<SnapshotFile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return null;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StoreError(`metadata snapshot ${path} is corrupt (${jsonSyntaxProblem(err)})`);
  }
  if (!isSnapshot(value)) throw new StoreError(`metadata snapshot ${path} is not a ${FORMAT} version ${VERSION} file`);
  return value;
}

function isSnapshot(value: unknown): value is SnapshotFile {
  if (typeof value !== 'object' || value === null) return false;
  const { format, version, seq, state } = value as Partial<Record<keyof SnapshotFile, unknown>>;
  if (format !== FORMAT || version !== VERSION || !Number.isSafeInteger(seq)) return false;
  if (typeof state !== 'object' || state === null) return false;
  const parts = state as Partial<Record<keyof StateSnapshot, unknown>>;
  return Array.isArray(parts.users) && Array.isArray(parts.organizations) && Array.isArray(parts.repositories) && Array.isArray(parts.audit);
}

/** Atomically replaces the snapshot at `path` with `text` (a serialised SnapshotFile). */
export async function writeSnapshot(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp`;
  try {
    const file = await open(temp, 'w');
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(ignoreMissing);
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
