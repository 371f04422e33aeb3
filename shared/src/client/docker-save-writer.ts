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
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { configFromV1Chain, type V1ChainLink } from '../image/v1-compat.js';

/** One image to write. */
export interface SavedImage {
  readonly id: string;
  readonly json: Buffer;
  /** The layer tar: a file (streamed, of a known size), or bytes already in memory (a small built image). */
  readonly layer: { readonly path: string; readonly size: number } | Buffer;
}

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
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const pack = tar.pack();
  const out = createWriteStream(temp, { mode: 0o644, highWaterMark: IO_BUFFER_BYTES });
  const written = pipeline(pack, out);
  // Observed below; this only keeps an early failure from being reported as unhandled meanwhile.
  written.catch(() => undefined);
  try {
    const diffIds = new Map<string, string>();
    for (const image of content.images) {
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
    await rename(temp, path);
    return out.bytesWritten;
  } catch (err) {
    pack.destroy();
    await written.catch(() => undefined);
    await rm(temp, { force: true });
    throw new Error(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
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
