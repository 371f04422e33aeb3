// The registry's storage seam (design §5.2), shaped after distribution's storage driver but sized for
// v1: no resumable uploads, so one streaming write that becomes visible atomically is enough.
//
// Paths are `/`-separated relative keys such as `images/<id>/layer` (built by paths.ts). The empty
// string names the root and is accepted by `list()` only. A path is either an object (it has content)
// or a prefix (objects exist below it); using one path as both is unsupported, because a filesystem
// cannot represent it. v1's layout never does.
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The root of the store, as passed to `list()`. */
export const STORAGE_ROOT = '';

/** Inclusive byte range, as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  /** First byte to return (0-based). */
  readonly start: number;
  /** Last byte to return, inclusive; omitted means "to the end". */
  readonly end?: number;
}

export interface OpenedObject {
  /**
   * The requested bytes. The caller must consume or destroy it, or the underlying handle stays open.
   * Use either this or `writeTo`, once.
   */
  readonly stream: Readable;
  /** Size of the whole object, whatever range was requested. */
  readonly size: number;
  /**
   * Writes the requested bytes into `destination` without ending it, and releases the object. Rejects when
   * reading fails or `destination` fails or closes first. A driver that can, reuses its buffers between
   * writes here (the local driver does: see local/opened-file.ts); others pipe their stream.
   */
  writeTo(destination: Writable): Promise<void>;
}

/** An OpenedObject over a stream: `writeTo` pipes it into the destination. */
export function streamedObject(stream: Readable, size: number): OpenedObject {
  return { stream, size, writeTo: (destination) => pipeline(stream, destination, { end: false }) };
}

export interface ObjectStat {
  /** Size in bytes. */
  readonly size: number;
  /** When the content was last replaced. */
  readonly modifiedAt: Date;
}

export interface WriteStreamOptions {
  /**
   * Cancels the write while the source is being consumed; the call then rejects with an `AbortError`
   * and nothing becomes visible. Once the source has ended the write completes regardless.
   */
  readonly signal?: AbortSignal;
}

export interface LayerStorage {
  /** Human name used in errors and logs: 'local' | 's3' | 'memory'. */
  readonly driverName: string;

  /**
   * Reads a whole small object (json, tags, checksums) into memory.
   * Rejects PathNotFoundError if there is no object at `path` (a prefix is not an object).
   */
  getContent(path: string): Promise<Buffer>;

  /**
   * Creates or replaces the object at `path` atomically: readers see the old or the new content,
   * never a mix (temp file + rename on disk, a single PUT on S3).
   */
  putContent(path: string, content: Uint8Array | string): Promise<void>;

  /**
   * Streams the object from `range.start` to `range.end` (inclusive). An `end` past the last byte is
   * clamped and a `start` at or past the end yields an empty stream, so callers can compare against
   * `size` to answer 416. Rejects PathNotFoundError if there is no object at `path`, and RangeError
   * for a malformed range (negative, fractional, or `end < start`): that is a caller bug.
   * Errors while the stream flows are emitted on the stream.
   */
  openRead(path: string, range?: ByteRange): Promise<OpenedObject>;

  /**
   * Consumes `source` to the end and stores it at `path`. The content becomes visible only when the
   * promise resolves; on any failure nothing is visible and a previous object at `path` is untouched.
   * Rejects with the source's own error if the source fails, with an `AbortError` if `signal` aborts
   * (neither is a storage fault), and with a StorageError otherwise.
   */
  writeStream(path: string, source: Readable, opts?: WriteStreamOptions): Promise<{ size: number }>;

  /** Size and modification time of the object at `path`. Rejects PathNotFoundError if absent. */
  stat(path: string): Promise<ObjectStat>;

  /** True if an object exists at `path`; false for absent paths and for bare prefixes. */
  exists(path: string): Promise<boolean>;

  /**
   * Names (not full paths) of the direct children of `prefix`, objects and prefixes alike, sorted by
   * code unit and without duplicates. `list('')` lists the root and resolves `[]` on an empty store.
   * Rejects PathNotFoundError when nothing exists under a non-root `prefix`.
   */
  list(prefix: string): Promise<string[]>;

  /**
   * A token that is different after any object directly under `prefix` is added, removed or replaced, so a
   * caller may reuse what it derived from a listing while the token stays the same. Null when the driver
   * cannot tell cheaply (the caller then reads again), or when the prefix changed so recently that a further
   * change could go unseen. Rejects PathNotFoundError when nothing exists under `prefix`.
   */
  listingVersion(prefix: string): Promise<string | null>;

  /**
   * Removes the object at `path` and everything under `path/`, recursively. Siblings that merely
   * share a string prefix (`a/bc` when deleting `a/b`) are untouched.
   * Rejects PathNotFoundError if nothing exists at or under `path`.
   */
  delete(path: string): Promise<void>;

  /** Releases clients and handles. The storage must not be used afterwards. */
  close(): Promise<void>;
}

/** Base of every error a driver rejects with; carries which driver failed on which path. */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';

  constructor(
    message: string,
    readonly driverName: string,
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Nothing exists at `path` (or, for `list`/`delete`, under it). */
export class PathNotFoundError extends StorageError {
  override readonly name = 'PathNotFoundError';

  constructor(driverName: string, path: string) {
    super(`${driverName} storage: path not found: ${JSON.stringify(path)}`, driverName, path);
  }
}

/** `path` breaks the path grammar (see checked-storage.ts); nothing was attempted. */
export class InvalidPathError extends StorageError {
  override readonly name = 'InvalidPathError';

  constructor(
    driverName: string,
    path: string,
    readonly reason: string,
  ) {
    super(`${driverName} storage: invalid path ${JSON.stringify(path)}: ${reason}`, driverName, path);
  }
}

/** The backend (filesystem, S3, …) failed; the original error is kept as `cause`. */
export class StorageBackendError extends StorageError {
  override readonly name = 'StorageBackendError';

  constructor(driverName: string, path: string, cause: unknown) {
    super(`${driverName} storage: backend failure on ${JSON.stringify(path)}: ${describe(cause)}`, driverName, path, { cause });
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
