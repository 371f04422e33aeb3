/**
 * The file list of a layer (R10) and its diff against the ancestors (R11), after docker-registry's
 * `lib/layers.py`: each entry is `[path, type, deleted, size, mtime, mode, uid, gid]`, whiteouts (`.wh.`)
 * decoded into `deleted: true`. Reads the layer as a stream (plain, gzip, bzip2 or xz) and never keeps file
 * bodies.
 */
import { Transform, type Duplex, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import unbzip2Stream from 'unbzip2-stream';
import lzma from 'lzma-native';
import { COMPRESSION_MAGIC_BYTES, compressionOf, type LayerCompression } from '@v1hub/shared';

export type FileEntry = [path: string, type: string, deleted: boolean, size: number, mtime: number, mode: number, uid: number, gid: number];

export interface LayerDiff {
  readonly deleted: Record<string, FileInfo>;
  readonly changed: Record<string, FileInfo>;
  readonly created: Record<string, FileInfo>;
}

type FileInfo = [type: string, deleted: boolean, size: number, mtime: number, mode: number, uid: number, gid: number];

const TYPE_CHARS: Record<string, string> = {
  file: 'f',
  link: 'l',
  symlink: 's',
  'character-device': 'c',
  'block-device': 'b',
  directory: 'd',
  fifo: 'i',
  'contiguous-file': 't',
  'gnu-long-path': 'L',
  'gnu-long-link-path': 'K',
};

/**
 * The name a tar entry is listed under, after docker-registry's `serialize_tar_info`: `.` and `./` are `/`,
 * `./x` is `/x`, other names stay as they are; a top-level whiteout `./.wh.x` is `/x`, deleted; the union
 * markers (`.wh..wh.*`) are left out (null). Beyond docker-registry, a whiteout below the top (`./a/.wh.x`,
 * `a/.wh.x`) is decoded the same way (`/a/x`, `a/x`), where docker-registry listed it as a plain file; a
 * directory's trailing slashes are dropped, as Python's tarfile did before that function saw the name.
 */
export function listedName(tarName: string, isDirectory: boolean): { path: string; deleted: boolean } | null {
  let name = isDirectory || tarName.endsWith('/') ? tarName.replace(/(?<=.)\/+$/, '') : tarName;
  if (name === '.') name = '/';
  if (name.startsWith('./')) name = `/${name.slice(2)}`;
  const slash = name.lastIndexOf('/');
  const base = name.slice(slash + 1);
  if (!base.startsWith('.wh.')) return { path: name, deleted: false };
  const hidden = base.slice(4);
  // A marker whose decoded name is still a whiteout (`.wh..wh.plnk`, `.wh..wh..opq`) describes the union
  // filesystem, not a file.
  if (hidden.startsWith('.wh.')) return null;
  return { path: name.slice(0, slash + 1) + hidden, deleted: true };
}

/** Lists the files of a layer tar (plain, gzip, bzip2 or xz); null when it is not a readable tar. */
export async function listLayerFiles(stream: Readable): Promise<FileEntry[] | null> {
  const extract = tar.extract();
  const files: FileEntry[] = [];
  extract.on('entry', (header, body, next) => {
    const listed = listedName(header.name, header.type === 'directory');
    if (listed !== null) {
      const mtime = header.mtime instanceof Date ? Math.floor(header.mtime.getTime() / 1000) : 0;
      files.push([listed.path, TYPE_CHARS[header.type ?? 'file'] ?? 'u', listed.deleted, header.size ?? 0, mtime, header.mode ?? 0, header.uid ?? 0, header.gid ?? 0]);
    }
    body.on('end', next);
    // A layer cut short inside an entry fails that entry's body too; the pipeline below reports the failure,
    // and an error event nobody listens to would take the whole registry down.
    body.on('error', () => undefined);
    body.resume();
  });
  try {
    await pipeline(stream, new AutoDecompress(), extract);
    return files;
  } catch {
    stream.destroy();
    return null;
  }
}

/**
 * Passes a tar through, inflating it first when it starts with the magic of gzip, bzip2 or xz: the formats
 * docker-registry read for R10/R11 (and Docker 1.x pushed). The format is decided once the first few bytes
 * are in (however the storage chunks them); each decoder keeps only its own window (xz's dictionary, bzip2's
 * block), whatever the layer's size.
 */
export class AutoDecompress extends Transform {
  /** The bytes seen before the format is decided; null once it is. */
  private head: Buffer | null = Buffer.alloc(0);
  private decoder: Duplex | null = null;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.head === null) return this.forward(chunk, done);
    this.head = Buffer.concat([this.head, chunk]);
    if (this.head.length < COMPRESSION_MAGIC_BYTES) return done();
    this.forward(this.decide(), done);
  }

  override _flush(done: TransformCallback): void {
    const finish = (): void => {
      if (this.decoder === null) return done();
      this.decoder.once('end', () => done());
      this.decoder.end();
    };
    if (this.head === null) return finish();
    this.forward(this.decide(), finish);
  }

  /** Picks the decoder from the bytes seen so far and returns them. */
  private decide(): Buffer {
    const head = this.head as Buffer;
    this.head = null;
    this.decoder = decoderFor(compressionOf(head));
    this.decoder?.on('data', (out: Buffer) => this.push(out));
    this.decoder?.on('error', (err: Error) => this.destroy(err));
    return head;
  }

  private forward(chunk: Buffer, done: () => void): void {
    if (this.decoder === null) {
      if (chunk.length > 0) this.push(chunk);
      return done();
    }
    if (this.decoder.write(chunk)) done();
    else this.decoder.once('drain', () => done());
  }
}

/**
 * What one xz decoder may allocate: enough for `xz -9` (a 64 MiB dictionary), so a layer declaring a larger
 * one is refused (400 Layer format not supported) instead of growing the registry's memory.
 */
const XZ_MEMORY_LIMIT = 80 * 1024 * 1024;

function decoderFor(compression: LayerCompression): Duplex | null {
  if (compression === 'gzip') return createGunzip();
  if (compression === 'bzip2') return unbzip2Stream();
  if (compression === 'xz') return lzma.createDecompressor({ memlimit: XZ_MEMORY_LIMIT });
  return null;
}

/** created: new in this layer; changed: present in an ancestor too; deleted: whiteouts. */
export function diffAgainstAncestors(files: readonly FileEntry[], ancestors: readonly (readonly FileEntry[])[]): LayerDiff {
  const before = new Set<string>();
  for (const layer of ancestors) for (const entry of layer) if (!entry[2]) before.add(entry[0]);
  const diff: { deleted: Record<string, FileInfo>; changed: Record<string, FileInfo>; created: Record<string, FileInfo> } = { deleted: {}, changed: {}, created: {} };
  for (const [path, ...info] of files) {
    const bucket = info[1] ? diff.deleted : before.has(path) ? diff.changed : diff.created;
    bucket[path] = info;
  }
  return diff;
}
