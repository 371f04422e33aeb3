// Wraps any driver the way distribution's `base.Base` does: one path grammar for every driver, and
// one error family out of every driver, so drivers stay minimal and callers can rely on both.
import type { Readable } from 'node:stream';
import {
  InvalidPathError,
  STORAGE_ROOT,
  StorageBackendError,
  StorageError,
  type ByteRange,
  type LayerStorage,
  type ObjectStat,
  type OpenedObject,
  type WriteStreamOptions,
} from './layer-storage.js';

/**
 * Why `path` is not a valid storage path, or null if it is. The grammar: one or more `/`-separated
 * segments; no empty segment (so no leading, trailing or doubled `/`); no `.` or `..` segment; no
 * backslash, NUL or other control character. The root (`''`) is valid only where `allowRoot` says so.
 */
export function storagePathProblem(path: string, options: { allowRoot?: boolean } = {}): string | null {
  if (path === STORAGE_ROOT) return options.allowRoot === true ? null : 'the root is not an object path';
  if (path.startsWith('/')) return 'paths are relative: no leading "/"';
  if (path.endsWith('/')) return 'no trailing "/"';
  if (path.includes('//')) return 'empty segment ("//")';
  if (path.includes('\\')) return 'backslash is not allowed';
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'control characters are not allowed';
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) return '"." and ".." segments are not allowed';
  return null;
}

/** Validates `range` for openRead; a malformed range is a caller bug, hence RangeError. */
export function assertValidRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`range start must be a non-negative integer, got ${start}`);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new RangeError(`range end must be an integer ≥ start (${start}), got ${end}`);
  }
}

/**
 * A LayerStorage that validates every path and range before the driver sees it, passes the driver's
 * StorageErrors through, and turns any other error into a StorageBackendError naming the driver.
 * For `writeStream`, the source's own error and an abort are passed through unchanged, because they
 * are the client's doing, not the storage's.
 */
export class CheckedLayerStorage implements LayerStorage {
  readonly driverName: string;

  constructor(private readonly inner: LayerStorage) {
    this.driverName = inner.driverName;
  }

  getContent(path: string): Promise<Buffer> {
    return this.call(path, () => this.inner.getContent(path));
  }

  putContent(path: string, content: Uint8Array | string): Promise<void> {
    return this.call(path, () => this.inner.putContent(path, content));
  }

  async openRead(path: string, range?: ByteRange): Promise<OpenedObject> {
    if (range !== undefined) assertValidRange(range);
    return this.call(path, () => this.inner.openRead(path, range));
  }

  async writeStream(path: string, source: Readable, opts: WriteStreamOptions = {}): Promise<{ size: number }> {
    this.assertPath(path);
    let sourceError: unknown;
    const recordSourceError = (err: unknown) => {
      sourceError ??= err;
    };
    source.once('error', recordSourceError);
    try {
      return await this.inner.writeStream(path, source, opts);
    } catch (err) {
      if (err instanceof StorageError) throw err;
      if (err === sourceError || isAbortError(err, opts.signal)) throw err;
      throw new StorageBackendError(this.driverName, path, err);
    } finally {
      source.off('error', recordSourceError);
    }
  }

  stat(path: string): Promise<ObjectStat> {
    return this.call(path, () => this.inner.stat(path));
  }

  exists(path: string): Promise<boolean> {
    return this.call(path, () => this.inner.exists(path));
  }

  listingVersion(prefix: string): Promise<string | null> {
    return this.call(prefix, () => this.inner.listingVersion(prefix));
  }

  list(prefix: string): Promise<string[]> {
    return this.call(prefix, () => this.inner.list(prefix), { allowRoot: true });
  }

  delete(path: string): Promise<void> {
    return this.call(path, () => this.inner.delete(path));
  }

  close(): Promise<void> {
    return this.call(STORAGE_ROOT, () => this.inner.close(), { allowRoot: true });
  }

  private assertPath(path: string, options: { allowRoot?: boolean } = {}): void {
    const problem = storagePathProblem(path, options);
    if (problem !== null) throw new InvalidPathError(this.driverName, path, problem);
  }

  private async call<T>(path: string, operation: () => Promise<T>, options: { allowRoot?: boolean } = {}): Promise<T> {
    this.assertPath(path, options);
    try {
      return await operation();
    } catch (err) {
      if (err instanceof StorageError) throw err;
      throw new StorageBackendError(this.driverName, path, err);
    }
  }
}

function isAbortError(err: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && err instanceof Error && err.name === 'AbortError';
}
