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
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
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
  const writeAll = async (buffers: Buffer[]): Promise<void> => {
    let pending = buffers;
    while (pending.length > 0) {
      const { bytesWritten } = await handle.writev(pending, position);
      position += bytesWritten;
      // A short write (rare for files) continues where it stopped.
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
  };
  const writer = new Writable({
    highWaterMark: IO_BUFFER_BYTES,
    write(chunk: Buffer, _encoding, callback) {
      writeAll([chunk]).then(() => callback(), callback);
    },
    writev(chunks, callback) {
      writeAll(chunks.map((c) => c.chunk as Buffer)).then(() => callback(), callback);
    },
  });
  return Object.assign(writer, { bytesWritten: () => position - start });
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
    const version = Buffer.from(LAYER_VERSION);
    const head = Buffer.concat([
      encodeUstarHeader({ name: `${id}/`, size: 0, mode: 0o755, mtime, type: 'directory' }),
      encodeUstarHeader({ name: `${id}/VERSION`, size: version.length, mode: 0o644, mtime, type: 'file' }),
      version,
      Buffer.alloc(paddingFor(version.length)),
      encodeUstarHeader({ name: `${id}/json`, size: json.length, mode: 0o644, mtime, type: 'file' }),
      json,
      Buffer.alloc(paddingFor(json.length)),
    ]);
    const start = this.tail;
    try {
      await this.handle.write(head, 0, head.length, start);
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
        await this.handle.write(header, 0, BLOCK, headerAt);
        const padding = Buffer.alloc(paddingFor(size));
        if (padding.length > 0) await this.handle.write(padding, 0, padding.length, headerAt + BLOCK + size);
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
    const pack = tar.pack();
    // The rest goes after the committed entries, through the same descriptor (left open for the truncate).
    const out = positionalWriter(this.handle, this.tail);
    const written = pipeline(pack, out);
    // Observed below; this only keeps an early failure from being reported as unhandled meanwhile.
    written.catch(() => undefined);
    try {
      if (this.claimed) throw new Error('a layer is still being written into the tarball');
      const diffIds = new Map(this.inFile);
      for (const image of content.images) {
        if (this.inFile.has(image.id)) continue;
        if (image.layer === IN_FILE) throw new Error(`image ${image.id} is not in the tarball`);
        const mtime = createdTime(image.json);
        await addEntry(pack, { name: `${image.id}/`, type: 'directory', mode: 0o755, mtime });
        await addEntry(pack, { name: `${image.id}/VERSION`, mode: 0o644, mtime }, Buffer.from(LAYER_VERSION));
        await addEntry(pack, { name: `${image.id}/json`, mode: 0o644, mtime }, image.json);
        const layerHeader = { name: `${image.id}/layer.tar`, mode: 0o644, mtime };
        const hash = createHash('sha256');
        if (Buffer.isBuffer(image.layer)) {
          hash.update(image.layer);
          await addEntry(pack, layerHeader, image.layer);
        } else {
          await addStreamEntry(pack, { ...layerHeader, size: image.layer.size }, image.layer.path, hash);
        }
        diffIds.set(image.id, `sha256:${hash.digest('hex')}`);
      }
      const manifest = imageConfigs(content, diffIds);
      if (manifest) {
        for (const config of manifest.configs) await addEntry(pack, { name: `${config.id}.json`, mode: 0o644, mtime: config.mtime }, Buffer.from(config.text));
        await addEntry(pack, { name: 'manifest.json', mode: 0o644, mtime: new Date(0) }, Buffer.from(JSON.stringify(manifest.items)));
      }
      await addEntry(pack, { name: 'repositories', mode: 0o644, mtime: new Date(0) }, Buffer.from(JSON.stringify(content.repositories)));
      pack.finalize();
      await written;
      const size = this.tail + out.bytesWritten();
      // A layer given back after a restart may have written past what is committed: cut it off.
      await this.handle.truncate(size);
      await this.handle.close();
      await rename(this.temp, this.path);
      return size;
    } catch (err) {
      pack.destroy();
      await written.catch(() => undefined);
      await this.abort();
      throw new Error(`cannot write ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Removes the temporary file. Never rejects. */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temp, { force: true });
  }
}

type EntryHeader = Parameters<tar.Pack['entry']>[0];

function addEntry(pack: tar.Pack, header: EntryHeader, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const callback = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (body === undefined) pack.entry(header, callback);
    else pack.entry(header, body, callback);
  });
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

/** Streams a file into one entry, honouring the entry's back-pressure, and feeds its bytes to `hash`. */
async function addStreamEntry(pack: tar.Pack, header: EntryHeader, file: string, hash: Hash): Promise<void> {
  let settle: ((err?: Error | null) => void) | null = null;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  const entry = pack.entry(header, (err) => settle?.(err));
  done.catch(() => undefined);
  for await (const chunk of createReadStream(file, { highWaterMark: IO_BUFFER_BYTES })) {
    hash.update(chunk as Buffer);
    // Racing `done` so a failing entry (size mismatch, destroyed pack) cannot leave us waiting for 'drain'.
    if (!entry.write(chunk as Buffer)) await Promise.race([new Promise<void>((resolve) => entry.once('drain', () => resolve())), done]);
  }
  entry.end(undefined);
  await done;
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
