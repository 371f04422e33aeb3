/**
 * Reads a `docker save` tarball in the v1 layout — `repositories` (`{"name": {"tag": "id"}}`) and one
 * `<id>/` directory per image holding `json`, `layer.tar` and `VERSION` — without extracting it.
 *
 * Pass 1 ({@link openDockerSave}) streams through the archive once, keeping only the small entries
 * (json, VERSION, repositories) and the byte offset and size of each `layer.tar` body. Pass 2 opens each
 * layer as a byte range of the file when a push needs it. Memory holds metadata only, whatever the size.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { isImageId, parseImageReference, sameRepo, type ImageReference } from '../protocol/names.js';
import type { LocalImage, LocalImageSet, TagTarget } from './image-source.js';

/** Image json and `repositories` are metadata; anything bigger is not a docker save tarball. */
const SMALL_ENTRY_LIMIT = 8 * 1024 * 1024;
const ENTRY_RE = /^([a-f0-9]{64})\/(json|layer\.tar|VERSION)$/;

/** One image of the tarball; its layer is a byte range of the file. */
export interface DockerSaveImage extends LocalImage {
  /** Offset of the layer.tar body in the tarball. */
  readonly layerOffset: number;
  /** The `VERSION` entry (`1.0`), or null when absent. */
  readonly version: string | null;
}

/** The images chosen for a push, and the tarball repository they came from. */
export interface DockerSaveSelection extends LocalImageSet {
  /** The `repositories` key used, or null when the tarball names none. */
  readonly repository: string | null;
}

/** A `docker save` tarball, read once for its metadata. */
export interface DockerSaveArchive {
  readonly path: string;
  /** The `repositories` file (`{}` when absent). */
  readonly repositories: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Every image, by id. */
  readonly images: ReadonlyMap<string, DockerSaveImage>;
  /**
   * Picks what to push for `ref`: the repository named like `ref` (or the only one), then its tag
   * `ref.tag` when given explicitly, else all its tags (as `docker push name` did). Throws a one-line
   * Error when the name or tag is not in the tarball.
   */
  select(ref: ImageReference): DockerSaveSelection;
}

interface Collected {
  json?: Buffer;
  version?: string;
  layer?: { offset: number; size: number };
}

/** Pass 1: reads the metadata of `path`. Rejects with a one-line Error for a broken or foreign tarball. */
export async function openDockerSave(path: string): Promise<DockerSaveArchive> {
  const found = new Map<string, Collected>();
  let repositoriesBytes: Buffer | null = null;
  /** Where the last entry's padded body ends: tar's end-of-archive blocks must follow. */
  let entriesEnd = 0;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    // A tarball cut inside this entry fails the entry stream as well as the pipeline; the pipeline reports it.
    stream.on('error', () => {});
    // tar-stream records where each body starts (not in its typings).
    const bodyOffset = (header as typeof header & { byteOffset?: number }).byteOffset;
    if (typeof bodyOffset === 'number') entriesEnd = Math.max(entriesEnd, bodyOffset + Math.ceil((header.size ?? 0) / 512) * 512);
    const name = header.name.replace(/^(\.\/)+/, '');
    const match = ENTRY_RE.exec(name);
    const small = name === 'repositories' || (match !== null && match[2] !== 'layer.tar');
    if (header.type === 'file' && match && match[2] === 'layer.tar') {
      // A layer is never read here: it is a byte range of the file, opened when pushed.
      const offset = bodyOffset;
      if (typeof offset !== 'number' || offset % 512 !== 0) {
        stream.resume();
        next(new Error(`cannot locate ${name} in the archive`));
        return;
      }
      entryOf(found, match[1] as string).layer = { offset, size: header.size };
    }
    if (header.type !== 'file' || !small) {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      size += chunk.length;
      if (size <= SMALL_ENTRY_LIMIT) chunks.push(chunk);
    });
    stream.on('end', () => {
      if (size > SMALL_ENTRY_LIMIT) return next(new Error(`${name} is larger than ${SMALL_ENTRY_LIMIT} bytes`));
      const bytes = Buffer.concat(chunks);
      if (name === 'repositories') repositoriesBytes = bytes;
      else if (match?.[2] === 'json') entryOf(found, match[1] as string).json = bytes;
      else if (match) entryOf(found, match[1] as string).version = bytes.toString('utf8').trim();
      next();
    });
  });
  try {
    await pipeline(createReadStream(path), extract);
  } catch (err) {
    throw new Error(`${path}: not a readable docker save tarball: ${(err as Error).message}`, { cause: err });
  }
  await assertArchiveEnd(path, entriesEnd);
  const images = new Map<string, DockerSaveImage>();
  for (const [id, entry] of found) images.set(id, toImage(path, id, entry));
  if (images.size === 0) throw new Error(`${path}: no image found (expected <id>/json and <id>/layer.tar entries, the docker save v1 layout)`);
  const repositories = repositoriesBytes === null ? {} : parseRepositories(path, repositoriesBytes);
  return { path, repositories, images, select: (ref) => selectImages(path, repositories, images, ref) };
}

/**
 * A tar archive ends with two zero blocks right after its last entry (Go's archive/tar, which docker save
 * used, always writes them). Without them the file was cut at an entry boundary, which the entry parser
 * (tar-stream skips zero blocks silently) cannot notice: the images or the `repositories` file that came
 * later are simply missing, and a push would send the rest.
 */
async function assertArchiveEnd(path: string, entriesEnd: number): Promise<void> {
  const END = 1024;
  const file = await open(path, 'r');
  try {
    const marker = Buffer.alloc(END);
    const { bytesRead } = await file.read(marker, 0, END, entriesEnd);
    if (bytesRead < END || marker.some((byte) => byte !== 0)) throw new Error(`${path}: the tarball is truncated (it lacks tar's end-of-archive blocks)`);
  } finally {
    await file.close();
  }
}

function entryOf(found: Map<string, Collected>, id: string): Collected {
  let entry = found.get(id);
  if (!entry) found.set(id, (entry = {}));
  return entry;
}

function toImage(path: string, id: string, entry: Collected): DockerSaveImage {
  if (!entry.json) throw new Error(`${path}: image ${id} has no json`);
  if (!entry.layer) throw new Error(`${path}: image ${id} has no layer.tar`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry.json.toString('utf8'));
  } catch {
    throw new Error(`${path}: ${id}/json is not valid JSON`);
  }
  const fields = (parsed ?? {}) as { id?: unknown; parent?: unknown };
  if (fields.id !== id) throw new Error(`${path}: ${id}/json names image ${String(fields.id)}`);
  const parent = typeof fields.parent === 'string' && fields.parent !== '' ? fields.parent : null;
  const { offset, size } = entry.layer;
  return {
    id,
    parent,
    json: entry.json,
    layerSize: size,
    layerOffset: offset,
    version: entry.version ?? null,
    // Pass 2: the layer is a byte range of the tarball, read on demand (again for each endpoint or retry).
    openLayer: () => (size === 0 ? Readable.from([]) : createReadStream(path, { start: offset, end: offset + size - 1 })),
  };
}

function parseRepositories(path: string, bytes: Buffer): Record<string, Record<string, string>> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error(`${path}: the repositories file is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path}: the repositories file is not a JSON object`);
  const out: Record<string, Record<string, string>> = {};
  for (const [name, tags] of Object.entries(value as Record<string, unknown>)) {
    if (tags === null || typeof tags !== 'object') continue;
    out[name] = Object.fromEntries(Object.entries(tags as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  return out;
}

function selectImages(path: string, repositories: Record<string, Record<string, string>>, images: ReadonlyMap<string, DockerSaveImage>, ref: ImageReference): DockerSaveSelection {
  const names = Object.keys(repositories);
  const repository = pickRepository(names, ref);
  let tags: TagTarget[];
  if (repository !== null) {
    const repoTags = repositories[repository] ?? {};
    if (ref.tagGiven) {
      const only = Object.values(repoTags);
      // A tarball holding one tagged image is pushed under the tag asked for (like `docker tag` then push);
      // with several tags, the one asked for must be among them.
      const id = repoTags[ref.tag] ?? (only.length === 1 ? only[0] : undefined);
      if (id === undefined) throw new Error(`${path}: tag ${ref.tag} is not in the tarball (tags of ${repository}: ${Object.keys(repoTags).join(', ') || 'none'})`);
      tags = [{ tag: ref.tag, id }];
    } else {
      tags = Object.entries(repoTags).sort(([a], [b]) => a.localeCompare(b)).map(([tag, id]) => ({ tag, id }));
      if (tags.length === 0) throw new Error(`${path}: repository ${repository} has no tags in the tarball`);
    }
  } else if (names.length > 1) {
    throw new Error(`${path}: no repository named ${ref.remoteName} in the tarball (it holds ${names.join(', ')})`);
  } else {
    // No repositories at all: a tarball saved by image id. The single top image gets the reference's tag.
    const parents = new Set([...images.values()].map((image) => image.parent));
    const tops = [...images.keys()].filter((id) => !parents.has(id));
    if (tops.length !== 1) throw new Error(`${path}: the tarball has no repositories file and ${tops.length} top images; cannot tell what to push`);
    tags = [{ tag: ref.tag, id: tops[0] as string }];
  }
  for (const { tag, id } of tags) {
    if (!isImageId(id) || !images.has(id)) throw new Error(`${path}: tag ${tag} names image ${id}, which is not in the tarball`);
  }
  return { repository, tags, image: (id) => images.get(id) };
}

/** The `repositories` key for `ref`: its exact spelling, else the same repository under any host, else the only one. */
function pickRepository(names: readonly string[], ref: ImageReference): string | null {
  const exact = [ref.server ? `${ref.server}/${ref.remoteName}` : null, ref.remoteName, `${ref.name.namespace}/${ref.name.repository}`];
  for (const candidate of exact) if (candidate !== null && names.includes(candidate)) return candidate;
  const sameName = names.filter((name) => {
    const parsed = parseImageReference(name);
    return parsed.ok && sameRepo(parsed.value.name, ref.name);
  });
  if (sameName.length === 1) return sameName[0] as string;
  return names.length === 1 ? (names[0] as string) : null;
}
