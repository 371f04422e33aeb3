// Finding the real binaries the test suites start (redis-server, dockerd, docker).
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** True when `path` is a regular file we may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The full path of `name` on PATH, or null. */
export function onPath(name: string): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of dirs) if (isExecutableFile(join(dir, name))) return join(dir, name);
  return null;
}
