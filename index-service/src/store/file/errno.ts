/** Node's `err.code` (`ENOENT`, `EEXIST`, …) when there is one. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** For `.catch(ignoreMissing)`: a file that is already gone is fine, anything else is rethrown. */
export function ignoreMissing(err: unknown): void {
  if (errorCode(err) !== 'ENOENT') throw err;
}
