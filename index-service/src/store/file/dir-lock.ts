/**
 * One process per data directory: a `LOCK` file holding the owner's pid. Two processes replaying and
 * appending to one journal would corrupt it, so a second opener is refused with a message naming the
 * owner. A lock left by a process that no longer runs (a crash, `kill -9`) is taken over.
 *
 * NOTE: the lock is created by hard-linking a temporary file that already holds our pid, so the lock never
 * exists empty (an empty lock would be indistinguishable from a crashed half-written one). Taking over a
 * stale lock is not atomic: two processes that both find the same dead pid at the same instant could both
 * proceed. That needs two simultaneous starts after a crash; acceptable for an embedded store.
 */
import { randomUUID } from 'node:crypto';
import { link, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../metadata-store.js';
import { errorCode, ignoreMissing } from './errno.js';

export const LOCK_FILE = 'LOCK';

export interface DirLock {
  readonly path: string;
  /** Removes the lock if it is still ours. Safe to call more than once. */
  release(): Promise<void>;
}

/** Takes the directory's lock; rejects StoreError when a live process holds it. */
export async function acquireDirLock(dir: string): Promise<DirLock> {
  const path = join(dir, LOCK_FILE);
  const mine = `${process.pid}\n`;
  const temp = join(dir, `${LOCK_FILE}.${randomUUID()}.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(mine);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await link(temp, path);
        return { path, release: () => releaseLock(path, mine) };
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') throw err;
      }
      const owner = await readOwner(path);
      if (owner !== null && processIsAlive(owner)) {
        throw new StoreError(`metadata directory ${dir} is in use by process ${owner} (lock file ${path}); stop that process or choose another directory`);
      }
      await unlink(path).catch(ignoreMissing);
    }
    throw new StoreError(`could not take the lock ${path}: other processes keep replacing it`);
  } finally {
    await unlink(temp).catch(ignoreMissing);
  }
}

async function releaseLock(path: string, mine: string): Promise<void> {
  const content = await readFile(path, 'utf8').catch(() => null);
  if (content === mine) await unlink(path).catch(ignoreMissing);
}

/** The pid in the lock file, or null when it is gone or unreadable (both mean: not held). */
async function readOwner(path: string): Promise<number | null> {
  const content = await readFile(path, 'utf8').catch(() => null);
  if (content === null || !/^\d+\n?$/.test(content)) return null;
  return Number.parseInt(content, 10);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return errorCode(err) === 'EPERM';
  }
}
