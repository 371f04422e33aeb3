/**
 * The `docker save` layouts that carry no v1 json: `manifest.json` with image configs (Docker ≥ 25, the
 * containerd image store, podman, skopeo's docker-archive) and the bare OCI image layout (`index.json`,
 * `blobs/sha256/…`). Each image config becomes the v1 chain Docker's own compatibility code derived from
 * it (image/v1-compat.ts): one v1 image per layer, ids from `v1.CreateID`. Layer blobs may be plain tars
 * or gzip streams (inflated on the way to the push).
 */
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { v1ChainFromConfig } from '../image/v1-compat.js';
import { COMPRESSION_MAGIC_BYTES, compressionOf } from '../tar/compression.js';
import type { DockerSaveImage } from './docker-save.js';
import type { TarFileEntry, TarIndex } from './tar-index.js';

/** Image configs, manifests and indexes are metadata; a bigger one is not what it claims to be. */
export const METADATA_LIMIT = 8 * 1024 * 1024;

/**
 * What a layout yields: images by id (each layer a possibly compressed entry of the tarball, its layerSize
 * the uncompressed size: for a gzip blob its trailer's ISIZE, exact below 4 GiB), and
 * `{"name": {"tag": "top id"}}`.
 */
export interface ModernContent {
  readonly images: Map<string, DockerSaveImage>;
  readonly repositories: Record<string, Record<string, string>>;
}

/** One image to derive: its config, its layers base first, and the names it goes by. */
interface ImageToDerive {
  readonly config: TarFileEntry;
  readonly layers: readonly TarFileEntry[];
  /** `[name, tag]` pairs; a name of '' when only a tag is known (an OCI `ref.name` annotation). */
  readonly names: ReadonlyArray<readonly [string, string]>;
}

/** `manifest.json`: `[{"Config": path, "RepoTags": ["name:tag"], "Layers": [path, …]}]`. */
export async function readManifestLayout(index: TarIndex, manifest: TarFileEntry): Promise<ModernContent> {
  const items = parseJson(await index.read(manifest, METADATA_LIMIT), `${index.path}: manifest.json`);
  if (!Array.isArray(items)) throw new Error(`${index.path}: manifest.json is not a JSON array`);
  const wanted: ImageToDerive[] = [];
  for (const [n, item] of items.entries()) {
    const where = `${index.path}: manifest.json item ${n + 1}`;
    const { Config, RepoTags, Layers } = (item ?? {}) as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
    if (typeof Config !== 'string') throw new Error(`${where} names no Config`);
    if (!Array.isArray(Layers) || Layers.some((layer) => typeof layer !== 'string')) throw new Error(`${where} has no list of Layers`);
    const tags = Array.isArray(RepoTags) ? RepoTags.filter((tag): tag is string => typeof tag === 'string') : [];
    wanted.push({
      config: entryOrFail(index, Config, where),
      layers: (Layers as string[]).map((layer) => entryOrFail(index, layer, where)),
      names: tags.map(splitReference).filter((pair): pair is [string, string] => pair !== null),
    });
  }
  return derive(index, wanted);
}

/** The OCI image layout: `index.json` → manifests (through nested indexes) → config and layer blobs. */
export async function readOciLayout(index: TarIndex, indexJson: TarFileEntry): Promise<ModernContent> {
  const root = parseJson(await index.read(indexJson, METADATA_LIMIT), `${index.path}: index.json`) as { manifests?: unknown };
  if (!Array.isArray(root?.manifests)) throw new Error(`${index.path}: index.json lists no manifests`);
  const wanted: ImageToDerive[] = [];
  for (const descriptor of root.manifests as Descriptor[]) {
    const manifest = await pickManifest(index, descriptor);
    wanted.push({ ...manifest, names: namesOf(descriptor) });
  }
  return derive(index, wanted);
}

interface Descriptor {
  readonly mediaType?: unknown;
  readonly digest?: unknown;
  readonly platform?: { readonly os?: unknown; readonly architecture?: unknown };
  readonly annotations?: Readonly<Record<string, unknown>>;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** The image a descriptor names: a manifest, or the one usable platform of an index. */
async function pickManifest(index: TarIndex, descriptor: Descriptor): Promise<{ config: TarFileEntry; layers: TarFileEntry[] }> {
  const blob = blobEntry(index, descriptor.digest);
  if (!blob) throw new Error(`${index.path}: index.json names ${String(descriptor.digest)}, which is not in the tarball`);
  const body = parseJson(await index.read(blob, METADATA_LIMIT), `${index.path}: ${blob.name}`) as { mediaType?: unknown; manifests?: unknown; config?: Descriptor; layers?: unknown };
  const isIndex = INDEX_TYPES.has(String(descriptor.mediaType)) || INDEX_TYPES.has(String(body.mediaType)) || Array.isArray(body.manifests);
  if (!isIndex) return manifestBlobs(index, blob.name, body);
  // A multi-platform index: a saved image holds the blobs of some platforms only; attestations are not images.
  const complete: Array<{ platform: string; image: { config: TarFileEntry; layers: TarFileEntry[] } }> = [];
  for (const child of (body.manifests as Descriptor[] | undefined) ?? []) {
    const os = String(child.platform?.os ?? '');
    if (os === 'unknown' || child.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
    const image = await pickManifest(index, child).catch(() => null);
    if (image) complete.push({ platform: `${os}/${String(child.platform?.architecture ?? '')}`, image });
  }
  const host = `linux/${goArch(process.arch)}`;
  const chosen = complete.length === 1 ? complete[0] : complete.find((candidate) => candidate.platform === host);
  if (!chosen) {
    const what = complete.length === 0 ? 'no platform whose blobs are all in the tarball' : `several platforms (${complete.map((c) => c.platform).join(', ')}) and none is ${host}`;
    throw new Error(`${index.path}: ${blob.name} is a multi-platform index with ${what}`);
  }
  return chosen.image;
}

function manifestBlobs(index: TarIndex, name: string, manifest: { config?: Descriptor; layers?: unknown }): { config: TarFileEntry; layers: TarFileEntry[] } {
  const config = blobEntry(index, manifest.config?.digest);
  if (!config) throw new Error(`${index.path}: ${name} names a config that is not in the tarball`);
  if (!Array.isArray(manifest.layers)) throw new Error(`${index.path}: ${name} lists no layers`);
  const layers = (manifest.layers as Descriptor[]).map((layer) => {
    const entry = blobEntry(index, layer.digest);
    if (!entry) throw new Error(`${index.path}: ${name} names layer ${String(layer.digest)}, which is not in the tarball`);
    return entry;
  });
  return { config, layers };
}

/** Names an OCI descriptor gives its image: the containerd name, else the `ref.name` annotation. */
function namesOf(descriptor: Descriptor): Array<[string, string]> {
  const full = descriptor.annotations?.['io.containerd.image.name'];
  const ref = descriptor.annotations?.['org.opencontainers.image.ref.name'];
  const pair = typeof full === 'string' ? splitReference(full) : null;
  if (pair) return [pair];
  if (typeof ref !== 'string' || ref === '') return [];
  // A tag cannot hold "/" or ":"; anything that does is a whole reference.
  return /[/:]/.test(ref) ? [splitReference(ref)].filter((p): p is [string, string] => p !== null) : [['', ref]];
}

/** `host:5000/ns/repo:tag` → [`host:5000/ns/repo`, `tag`]; a digest reference or no tag → null. */
function splitReference(reference: string): [string, string] | null {
  if (reference.includes('@')) return null;
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon <= slash) return null;
  return [reference.slice(0, colon), reference.slice(colon + 1)];
}

async function derive(index: TarIndex, wanted: readonly ImageToDerive[]): Promise<ModernContent> {
  const images = new Map<string, DockerSaveImage>();
  const repositories: Record<string, Record<string, string>> = {};
  for (const item of wanted) {
    const configText = (await index.read(item.config, METADATA_LIMIT)).toString('utf8');
    let chain;
    try {
      chain = v1ChainFromConfig(configText);
    } catch (err) {
      throw new Error(`${index.path}: ${item.config.name}: ${(err as Error).message}`, { cause: err });
    }
    if (chain.length !== item.layers.length) throw new Error(`${index.path}: ${item.config.name} lists ${chain.length} layers but the manifest has ${item.layers.length}`);
    for (const [i, link] of chain.entries()) {
      if (images.has(link.id)) continue;
      images.set(link.id, { id: link.id, parent: link.parent, json: link.json, version: null, ...(await layerOf(index, item.layers[i] as TarFileEntry)) });
    }
    const top = (chain.at(-1) as { id: string }).id;
    for (const [name, tag] of item.names) (repositories[name] ??= {})[tag] = top;
  }
  return { images, repositories };
}

/** How to read a layer blob: plain as it is, gzip inflated; zstd is refused (Node 20 cannot inflate it). */
async function layerOf(index: TarIndex, entry: TarFileEntry): Promise<Pick<DockerSaveImage, 'layerOffset' | 'layerSize' | 'openLayer'>> {
  const compression = compressionOf(await index.peek(entry, 0, COMPRESSION_MAGIC_BYTES));
  if (compression === 'zstd') throw new Error(`${index.path}: layer ${entry.name} is zstd-compressed; v1hub reads plain and gzip layers (save the image from an engine that stores gzip layers, or convert it with skopeo copy --dest-compress-format gzip)`);
  if (compression !== 'gzip') return { layerOffset: entry.offset, layerSize: entry.size, openLayer: () => index.open(entry) };
  const trailer = await index.peek(entry, -4, 4);
  return {
    layerOffset: entry.offset,
    layerSize: trailer.length === 4 ? trailer.readUInt32LE(0) : entry.size,
    openLayer: () => pipeline(index.open(entry), createGunzip(), () => {
      // NOTE: a failure destroys the gunzip stream, which fails the push reading it.
    }),
  };
}

function blobEntry(index: TarIndex, digest: unknown): TarFileEntry | undefined {
  if (typeof digest !== 'string') return undefined;
  const match = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest);
  return match ? index.file(`blobs/${match[1]}/${match[2]}`) : undefined;
}

function entryOrFail(index: TarIndex, name: string, where: string): TarFileEntry {
  const entry = index.file(name);
  if (!entry) throw new Error(`${where} names ${name}, which is not in the tarball`);
  return entry;
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}

/** Node's `process.arch` in Go's GOARCH spelling, as OCI platforms write it. */
function goArch(arch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}
