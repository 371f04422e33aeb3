/**
 * Writes a tarball in the `docker save` v1 layout that `docker load` accepts: `repositories`
 * (`{"name": {"tag": "id"}}`) and, per image, `<id>/VERSION` (`1.0`), `<id>/json` (the bytes as served)
 * and `<id>/layer.tar` (the layer tar, streamed from a file). Like `docker save` 1.10–24 it adds
 * `manifest.json` and one image config per image, for engines that read only those (the containerd image
 * store, podman): each config is the one Docker's legacy load makes of the v1 chain (image/v1-compat.ts),
 * so either way of loading gives the same image ids. The tarball is written to a temporary file next to
 * the destination and renamed into place at the end, so a failed pull leaves nothing half-written.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { configFromV1Chain, type V1ChainLink } from '../image/v1-compat.js';
import { BLOCK, encodeUstarHeader, paddingFor } from '../tar/ustar.js';

/** One image to write. */
export interface SavedImage {
  readonly id: string;
  readonly json: Buffer;
  /**
   * The layer tar: a file (streamed, of a known size), bytes already in memory (a small built image), or
   * IN_FILE when it was written straight into the tarball ({@link DockerSaveFile.claimLayer}).
   */
  readonly layer: { readonly path: string; readonly size: number } | Buffer | typeof IN_FILE;
}

/**
 * A Writable writing to `handle` from `start` on by position, leaving the handle open (fs.WriteStream with
 * autoClose off never emits the 'close' that pipeline() waits for).
 */
export function positionalWriter(handle: FileHandle, start: number): Writable & { bytesWritten(): number } {
  let position = start;
  const write = (buffers: Buffer[], callback: (err?: Error | null) => void): void => {
    writeAllAt(handle, buffers, position).then((bytes) => {
      position += bytes;
      callback();
    }, callback);
  };
  const writer = new Writable({
    highWaterMark: IO_BUFFER_BYTES,
    write: (chunk: Buffer, _encoding, callback) => write([chunk], callback),
    writev: (chunks, callback) => write(chunks.map((c) => c.chunk as Buffer), callback),
  });
  return Object.assign(writer, { bytesWritten: () => position - start });
}

/** Writes all of `buffers` at `position`, continuing after a short write; resolves with the byte count. */
async function writeAllAt(handle: FileHandle, buffers: Buffer[], position: number): Promise<number> {
  let pending = buffers.filter((buffer) => buffer.length > 0);
  let written = 0;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, position + written);
    written += bytesWritten;
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const buffer of pending) {
      if (skip >= buffer.length) skip -= buffer.length;
      else {
        rest.push(buffer.subarray(skip));
        skip = 0;
      }
    }
    pending = rest;
  }
  return written;
}

/** A layer already written into the tarball. */
export const IN_FILE = 'in-file';

/** What goes into the tarball. */
export interface DockerSaveContent {
  /** `{"name": {"tag": "id"}}`. */
  readonly repositories: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Images in the order to write them (oldest first reads best). */
  readonly images: readonly SavedImage[];
}

/** Read and write in layer-sized pieces (the 64 KiB / 16 KiB stream defaults cost a syscall each). */
const IO_BUFFER_BYTES = 1024 * 1024;

/** The version docker save wrote in every `<id>/VERSION`. */
const LAYER_VERSION = '1.0';

/** Writes `content` to `path` (atomically: temp file + rename). Resolves with the tarball size. */
export async function writeDockerSave(path: string, content: DockerSaveContent): Promise<number> {
  const file = await DockerSaveFile.create(path);
  return file.finish(content);
}

/** A layer being written straight into its place in a {@link DockerSaveFile}. */
export interface ClaimedLayer {
  readonly handle: FileHandle;
  /** Where the layer's body starts in the file. */
  readonly bodyStart: number;
  /** The body is complete: writes its header and padding, and moves the end of the tarball past it. */
  commit(size: number, diffId: string): Promise<void>;
  /** The body will not be completed: its place is given back (it is overwritten by what comes next). */
  release(): void;
}

/**
 * A `docker save` tarball being assembled in a temporary file next to its destination. A pull streams one
 * layer at a time straight into its place ({@link claimLayer}: header space kept, the body written by
 * position as it is inflated, the header filled in once the size is known), so that layer is written once;
 * layers that arrive meanwhile are staged in files and appended by {@link finish}, which then adds the
 * configs, `manifest.json` and `repositories`, and renames the file into place.
 */
export class DockerSaveFile {
  /** End of what is committed: the next entry starts here. */
  private tail = 0;
  private claimed = false;
  /** Images whose entries are in the file, with their layer's diff id. */
  private readonly inFile = new Map<string, string>();

  private constructor(
    private readonly path: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string): Promise<DockerSaveFile> {
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      return new DockerSaveFile(path, temp, await open(temp, 'wx', 0o644));
    } catch (err) {
      throw new Error(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Writes image `id`'s directory, VERSION and json entries at the end of the tarball and keeps the place of
   * its layer, or resolves null when another layer is being written into the file right now.
   */
  async claimLayer(id: string, json: Buffer): Promise<ClaimedLayer | null> {
    if (this.claimed || this.inFile.has(id)) return null;
    this.claimed = true;
    const mtime = createdTime(json);
    const head = imageHead(id, json, mtime);
    const start = this.tail;
    try {
      await writeAllAt(this.handle, [head], start);
    } catch (err) {
      this.claimed = false;
      throw err;
    }
    const headerAt = start + head.length;
    let settled = false;
    return {
      handle: this.handle,
      bodyStart: headerAt + BLOCK,
      commit: async (size, diffId) => {
        if (settled) return;
        settled = true;
        const header = encodeUstarHeader({ name: `${id}/layer.tar`, size, mode: 0o644, mtime, type: 'file' });
        await writeAllAt(this.handle, [header], headerAt);
        const padding = Buffer.alloc(paddingFor(size));
        await writeAllAt(this.handle, [padding], headerAt + BLOCK + size);
        this.tail = headerAt + BLOCK + size + padding.length;
        this.inFile.set(id, diffId);
        this.claimed = false;
      },
      release: () => {
        if (settled) return;
        settled = true;
        this.claimed = false;
      },
    };
  }

  /** Appends every image of `content` not in the file yet, then the metadata; renames into place. */
  async finish(content: DockerSaveContent): Promise<number> {
    try {
      if (this.claimed) throw new Error('a layer is still being written into the tarball');
      const diffIds = new Map(this.inFile);
      for (const image of content.images) {
        if (this.inFile.has(image.id)) continue;
        if (image.layer === IN_FILE) throw new Error(`image ${image.id} is not in the tarball`);
        const mtime = createdTime(image.json);
        const size = Buffer.isBuffer(image.layer) ? image.layer.length : image.layer.size;
        await this.append(imageHead(image.id, image.json, mtime), encodeUstarHeader({ name: `${image.id}/layer.tar`, size, mode: 0o644, mtime, type: 'file' }));
        const hash = createHash('sha256');
        if (Buffer.isBuffer(image.layer)) {
          hash.update(image.layer);
          await this.append(image.layer);
        } else {
          await this.appendFile(image.layer.path, size, hash);
        }
        await this.append(Buffer.alloc(paddingFor(size)));
        diffIds.set(image.id, `sha256:${hash.digest('hex')}`);
      }
      const manifest = imageConfigs(content, diffIds);
      if (manifest) {
        for (const config of manifest.configs) await this.append(fileEntry(`${config.id}.json`, Buffer.from(config.text), config.mtime));
        await this.append(fileEntry('manifest.json', Buffer.from(JSON.stringify(manifest.items)), new Date(0)));
      }
      await this.append(fileEntry('repositories', Buffer.from(JSON.stringify(content.repositories)), new Date(0)));
      // The end of the archive: two zero blocks.
      await this.append(Buffer.alloc(2 * BLOCK));
      // A layer given back after a restart may have written past what is committed: cut it off.
      await this.handle.truncate(this.tail);
      await this.handle.close();
      await rename(this.temp, this.path);
      return this.tail;
    } catch (err) {
      await this.abort();
      throw new Error(`cannot write ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Writes `buffers` at the end of the tarball. */
  private async append(...buffers: Buffer[]): Promise<void> {
    this.tail += await writeAllAt(this.handle, buffers, this.tail);
  }

  /** Copies a staged layer file of `size` bytes to the end of the tarball, feeding `hash`. */
  private async appendFile(path: string, size: number, hash: Hash): Promise<void> {
    let copied = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: IO_BUFFER_BYTES })) {
      hash.update(chunk as Buffer);
      copied += (chunk as Buffer).length;
      if (copied > size) break;
      await this.append(chunk as Buffer);
    }
    if (copied !== size) throw new Error(`${path} holds ${copied > size ? 'more' : 'fewer'} than the ${size} bytes announced for it`);
  }

  /** Removes the temporary file. Never rejects. */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temp, { force: true });
  }
}

/** An image's first entries: its directory, `VERSION` and `json` (the layer's entry follows). */
function imageHead(id: string, json: Buffer, mtime: Date): Buffer {
  return Buffer.concat([
    encodeUstarHeader({ name: `${id}/`, size: 0, mode: 0o755, mtime, type: 'directory' }),
    fileEntry(`${id}/VERSION`, Buffer.from(LAYER_VERSION), mtime),
    fileEntry(`${id}/json`, json, mtime),
  ]);
}

/** One regular file entry: header, body, padding. */
function fileEntry(name: string, body: Buffer, mtime: Date): Buffer {
  return Buffer.concat([encodeUstarHeader({ name, size: body.length, mode: 0o644, mtime, type: 'file' }), body, Buffer.alloc(paddingFor(body.length))]);
}

/** A `manifest.json` item, fields in the order of moby's `manifestItem`. */
interface ManifestItem {
  readonly Config: string;
  readonly RepoTags: string[] | null;
  readonly Layers: string[];
  readonly Parent?: string;
}

interface ImageConfig {
  readonly id: string;
  readonly text: string;
  readonly mtime: Date;
}

/**
 * One config and one manifest item per image, parents first, each naming its parent image, so an engine
 * loading `manifest.json` rebuilds the whole chain with the ids a legacy load gives. Null (no manifest)
 * when some image's chain is not all in the tarball or its json cannot be converted: the v1 layout alone
 * is then what the tarball offers, as docker save ≤ 1.9 wrote it.
 */
function imageConfigs(content: DockerSaveContent, diffIds: ReadonlyMap<string, string>): { configs: ImageConfig[]; items: ManifestItem[] } | null {
  const byId = new Map(content.images.map((image) => [image.id, image]));
  const chains = new Map<string, Chain | null>();
  const configs: ImageConfig[] = [];
  const items: ManifestItem[] = [];
  /** The chain up to `id`, emitting its parents' items first; null when it cannot be built. */
  const chainOf = (id: string): Chain | null => {
    if (chains.has(id)) return chains.get(id) as Chain | null;
    chains.set(id, null); // a parent loop ends here, as a failure
    const image = byId.get(id);
    if (!image) return null;
    const parent = parentOf(image.json);
    const above = parent === null ? { links: [], layers: [], imageId: '' } : chainOf(parent);
    if (!above) return null;
    const links = [...above.links, { json: image.json, diffId: diffIds.get(image.id) as string }];
    let text: string;
    try {
      text = configFromV1Chain(links);
    } catch {
      return null;
    }
    const chain = { links, layers: [...above.layers, `${image.id}/layer.tar`], imageId: createHash('sha256').update(text).digest('hex') };
    chains.set(id, chain);
    if (!configs.some((config) => config.id === chain.imageId)) configs.push({ id: chain.imageId, text, mtime: createdTime(image.json) });
    const repoTags = Object.entries(content.repositories).flatMap(([name, tags]) => Object.entries(tags).filter(([, tagged]) => tagged === id).map(([tag]) => `${name}:${tag}`));
    items.push({ Config: `${chain.imageId}.json`, RepoTags: repoTags.length > 0 ? repoTags : null, Layers: chain.layers, ...(above.imageId ? { Parent: `sha256:${above.imageId}` } : {}) });
    return chain;
  };
  for (const image of content.images) if (!chainOf(image.id)) return null;
  return { configs, items };
}

interface Chain {
  readonly links: V1ChainLink[];
  readonly layers: string[];
  readonly imageId: string;
}

function parentOf(json: Buffer): string | null {
  try {
    const parent = (JSON.parse(json.toString('utf8')) as { parent?: unknown }).parent;
    return typeof parent === 'string' && parent !== '' ? parent : null;
  } catch {
    return null;
  }
}


/** The image's `created` time, so the entries carry a meaningful date; the epoch when unreadable. */
function createdTime(json: Buffer): Date {
  try {
    const created = (JSON.parse(json.toString('utf8')) as { created?: unknown }).created;
    const time = typeof created === 'string' ? new Date(created) : null;
    return time && !Number.isNaN(time.getTime()) ? time : new Date(0);
  } catch {
    return new Date(0);
  }
}
