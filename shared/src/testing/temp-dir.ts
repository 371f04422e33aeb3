// Throwaway directories for test servers and drivers, always under the OS temp directory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  /** Absolute path of the new, empty directory. */
  readonly path: string;
  /** Removes the directory and everything in it. Safe to call more than once. */
  remove(): Promise<void>;
}

/** Creates a fresh directory named `<os tmpdir>/<prefix>-XXXXXX`. */
export async function makeTempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return {
    path,
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
