/**
 * Where every file of a tar archive lies, read in one streaming pass without keeping any body: a `docker
 * save` tarball is read by name afterwards (metadata as small reads, layers as byte ranges), so memory
 * holds the index only, whatever the archive's size. Symbolic and hard links resolve to the file they
 * name: `docker save` 1.10–24 links a layer shared by two v1 images (`<id>/layer.tar -> ../<other>/layer.tar`).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/** A regular file's body in the archive. */
export interface TarFileEntry {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/** The files of an archive by name (`./` prefixes dropped, links resolved). */
export interface TarIndex {
  readonly path: string;
  /** The file named `name`, or undefined. */
  file(name: string): TarFileEntry | undefined;
  /** Every name that resolves to a file. */
  names(): string[];
  /** Reads a whole (small) file; rejects past `limit` bytes. */
  read(entry: TarFileEntry, limit: number): Promise<Buffer>;
  /** Up to `length` bytes at `at` within the entry (negative: from its end). */
  peek(entry: TarFileEntry, at: number, length: number): Promise<Buffer>;
  /** The entry's body as a fresh stream. */
  open(entry: TarFileEntry): Readable;
}

/** Links followed before a chain counts as a loop. */
const MAX_LINK_HOPS = 8;

/** Pass 1: indexes `path`. Rejects with a one-line Error for a broken or truncated archive. */
export async function indexTar(path: string): Promise<TarIndex> {
  const files = new Map<string, TarFileEntry>();
  const links = new Map<string, string>();
  /** Where the last entry's padded body ends: tar's end-of-archive blocks must follow. */
  let entriesEnd = 0;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    // A tarball cut inside this entry fails the entry stream as well as the pipeline; the pipeline reports it.
    stream.on('error', () => {});
    // tar-stream records where each body starts (not in its typings).
    const offset = (header as typeof header & { byteOffset?: number }).byteOffset;
    if (typeof offset === 'number') entriesEnd = Math.max(entriesEnd, offset + Math.ceil((header.size ?? 0) / 512) * 512);
    const name = normalName(header.name);
    if (header.type === 'file' || header.type === 'contiguous-file') {
      if (typeof offset !== 'number' || offset % 512 !== 0) {
        stream.resume();
        next(new Error(`cannot locate ${name} in the archive`));
        return;
      }
      files.set(name, { name, offset, size: header.size ?? 0 });
      links.delete(name);
    } else if ((header.type === 'symlink' || header.type === 'link') && header.linkname) {
      // A symbolic link is relative to its own directory, a hard link to the archive's root.
      const target = header.type === 'symlink' ? posix.join(posix.dirname(name), header.linkname) : header.linkname;
      links.set(name, normalName(target));
      files.delete(name);
    }
    stream.on('end', () => next());
    stream.resume();
  });
  try {
    await pipeline(createReadStream(path), extract);
  } catch (err) {
    throw new Error(`${path}: not a readable docker save tarball: ${(err as Error).message}`, { cause: err });
  }
  await assertArchiveEnd(path, entriesEnd);

  const resolve = (name: string): TarFileEntry | undefined => {
    let current = normalName(name);
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const found = files.get(current);
      if (found) return found;
      const target = links.get(current);
      if (target === undefined) return undefined;
      current = target;
    }
    return undefined;
  };
  return {
    path,
    file: resolve,
    names: () => [...files.keys(), ...[...links.keys()].filter((name) => resolve(name) !== undefined)],
    read: async (entry, limit) => {
      if (entry.size > limit) throw new Error(`${path}: ${entry.name} is larger than ${limit} bytes`);
      return readRange(path, entry.offset, entry.size);
    },
    peek: async (entry, at, length) => {
      const start = at < 0 ? Math.max(0, entry.size + at) : Math.min(at, entry.size);
      return readRange(path, entry.offset + start, Math.min(length, entry.size - start));
    },
    open: (entry) => (entry.size === 0 ? Readable.from([]) : createReadStream(path, { start: entry.offset, end: entry.offset + entry.size - 1 })),
  };
}

/** `./a//b/` → `a/b`; a name that climbs out of the archive keeps its `..` and so matches nothing. */
function normalName(name: string): string {
  const normal = posix.normalize(name).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  return normal === '.' ? '' : normal;
}

async function readRange(path: string, position: number, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * A tar archive ends with two zero blocks right after its last entry (Go's archive/tar, which docker save
 * used, always writes them). Without them the file was cut at an entry boundary, which the entry parser
 * (tar-stream skips zero blocks silently) cannot notice: the images or the `repositories` file that came
 * later are simply missing, and a push would send the rest.
 */
async function assertArchiveEnd(path: string, entriesEnd: number): Promise<void> {
  const END = 1024;
  const marker = await readRange(path, entriesEnd, END);
  if (marker.length < END || marker.some((byte) => byte !== 0)) throw new Error(`${path}: the tarball is truncated (it lacks tar's end-of-archive blocks)`);
}
