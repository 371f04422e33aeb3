/**
 * Reads any `docker save` tarball without extracting it:
 * - the v1 layout: `repositories` (`{"name": {"tag": "id"}}`) and one `<id>/` directory per image holding
 *   `json`, `layer.tar` and `VERSION` (Docker ≤ 1.9, and Docker 1.10–24, which also wrote `manifest.json`:
 *   its `<id>/json` is Docker's own v1 derivation, so it is used as written);
 * - `manifest.json` + image configs without v1 json (Docker ≥ 25, the containerd image store, podman),
 *   and the bare OCI layout (`index.json`, `blobs/sha256/…`): the v1 chain is derived from each config as
 *   Docker did (docker-save-modern.ts).
 *
 * Pass 1 ({@link openDockerSave}) streams through the archive once and indexes where each file lies
 * (tar-index.ts); metadata is then read by offset. Pass 2 opens each layer as a byte range of the file
 * when a push needs it. Memory holds metadata only, whatever the size.
 */
import { isImageId, parseImageReference, sameRepo, type ImageReference } from '../protocol/names.js';
import { METADATA_LIMIT, readManifestLayout, readOciLayout, type ModernContent } from './docker-save-modern.js';
import type { LocalImage, LocalImageSet, TagTarget } from './image-source.js';
import { indexTar, type TarIndex } from './tar-index.js';

const V1_JSON_RE = /^([a-f0-9]{64})\/json$/;

/** Which layout the tarball was read as. */
export type DockerSaveLayout = 'v1' | 'manifest' | 'oci';

/** One image of the tarball; its layer is a byte range of the file. */
export interface DockerSaveImage extends LocalImage {
  /** Offset of the layer's body in the tarball. */
  readonly layerOffset: number;
  /** The `VERSION` entry (`1.0`), or null when absent (always, for a derived image). */
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
  readonly layout: DockerSaveLayout;
  /** `{"name": {"tag": "id"}}`: the `repositories` file, or the names of `manifest.json`/`index.json`. */
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

/** Pass 1: reads the metadata of `path`. Rejects with a one-line Error for a broken or foreign tarball. */
export async function openDockerSave(path: string): Promise<DockerSaveArchive> {
  const index = await indexTar(path);
  const v1Ids = index.names().map((name) => V1_JSON_RE.exec(name)?.[1]).filter((id): id is string => id !== undefined);
  const manifest = index.file('manifest.json');
  const ociIndex = index.file('index.json');
  let layout: DockerSaveLayout;
  let images: Map<string, DockerSaveImage>;
  let repositories: Record<string, Record<string, string>>;
  if (v1Ids.length > 0) {
    layout = 'v1';
    images = new Map();
    for (const id of v1Ids) images.set(id, await v1Image(index, id));
    const file = index.file('repositories');
    repositories = file ? parseRepositories(path, await index.read(file, METADATA_LIMIT)) : {};
  } else if (manifest || ociIndex) {
    layout = manifest ? 'manifest' : 'oci';
    const content: ModernContent = manifest ? await readManifestLayout(index, manifest) : await readOciLayout(index, ociIndex as NonNullable<typeof ociIndex>);
    images = content.images;
    repositories = content.repositories;
  } else {
    throw new Error(`${path}: no image found (expected <id>/json, manifest.json or index.json: the output of docker save)`);
  }
  if (images.size === 0) throw new Error(`${path}: no image found (manifest.json lists none)`);
  return { path, layout, repositories, images, select: (ref) => selectImages(path, repositories, images, ref) };
}

/** One image of the v1 layout: `<id>/json` as written, `<id>/layer.tar` as a byte range. */
async function v1Image(index: TarIndex, id: string): Promise<DockerSaveImage> {
  const { path } = index;
  const layer = index.file(`${id}/layer.tar`);
  if (!layer) throw new Error(`${path}: image ${id} has no layer.tar`);
  const json = await index.read(index.file(`${id}/json`) as NonNullable<ReturnType<TarIndex['file']>>, METADATA_LIMIT);
  const versionEntry = index.file(`${id}/VERSION`);
  const version = versionEntry ? (await index.read(versionEntry, 64)).toString('utf8').trim() : null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    throw new Error(`${path}: ${id}/json is not valid JSON`);
  }
  const fields = (parsed ?? {}) as { id?: unknown; parent?: unknown };
  if (fields.id !== id) throw new Error(`${path}: ${id}/json names image ${String(fields.id)}`);
  const parent = typeof fields.parent === 'string' && fields.parent !== '' ? fields.parent : null;
  return {
    id,
    parent,
    json,
    layerSize: layer.size,
    layerOffset: layer.offset,
    version,
    // Pass 2: the layer is a byte range of the tarball, read on demand (again for each endpoint or retry).
    openLayer: () => index.open(layer),
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
      if (id === undefined) throw new Error(`${path}: tag ${ref.tag} is not in the tarball (tags of ${repository || 'the unnamed image'}: ${Object.keys(repoTags).join(', ') || 'none'})`);
      tags = [{ tag: ref.tag, id }];
    } else {
      tags = Object.entries(repoTags).sort(([a], [b]) => a.localeCompare(b)).map(([tag, id]) => ({ tag, id }));
      if (tags.length === 0) throw new Error(`${path}: repository ${repository || '(unnamed)'} has no tags in the tarball`);
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
