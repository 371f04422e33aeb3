/**
 * The file list of a layer (R10) and its diff against the ancestors (R11), after docker-registry's
 * `lib/layers.py`: each entry is `[path, type, deleted, size, mtime, mode, uid, gid]`, whiteouts (`.wh.`)
 * decoded into `deleted: true`. Reads the layer as a stream (plain or gzip) and never keeps file bodies.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, type Gunzip } from 'node:zlib';
import tar from 'tar-stream';

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
  const decoded = name.slice(0, slash + 1) + base.slice(4);
  // A marker whose decoded name is still a whiteout (`.wh..wh.plnk`, `.wh..wh..opq`) describes the union
  // filesystem, not a file.
  if (base.slice(4).startsWith('.wh.')) return null;
  return { path: decoded, deleted: true };
}

/** Lists the files of a tar or tar.gz stream; null when it is not a readable tar. */
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
    body.resume();
  });
  try {
    await pipeline(stream, new AutoGunzip(), extract);
    return files;
  } catch {
    stream.destroy();
    return null;
  }
}

/**
 * Passes a tar through, inflating it first when it starts with the gzip magic (1f 8b). Deciding on the first
 * chunk keeps the stream a stream: nothing is read ahead or pushed back.
 */
class AutoGunzip extends Transform {
  private inflater: Gunzip | null = null;
  private decided = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.decided) {
      this.decided = true;
      if (chunk[0] === 0x1f && chunk[1] === 0x8b) {
        this.inflater = createGunzip();
        this.inflater.on('data', (out: Buffer) => this.push(out));
        this.inflater.on('error', (err) => this.destroy(err));
      }
    }
    if (this.inflater) this.inflater.write(chunk, () => done());
    else done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (!this.inflater) return done();
    this.inflater.once('end', () => done());
    this.inflater.end();
  }
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
