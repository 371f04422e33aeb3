/**
 * `docker save` tarballs in the layouts of Docker ≥ 1.10, built for tests from an image config and plain
 * layer tars (written with tar-stream, independently of the shim's reader):
 * - `docker-1.10`: what Docker 1.10–24 wrote: `<v1 id>/{VERSION,json,layer.tar}` (a layer saved twice is
 *   a symlink to the first), `<config>.json`, `manifest.json`, `repositories`;
 * - `manifest-only`: `manifest.json` + config + `<diff>/layer.tar`, no v1 json (podman, skopeo);
 * - `docker-25`: the OCI layout Docker ≥ 25 writes, plus its `manifest.json` and `repositories`;
 * - `oci`: the bare OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { chainIds, v1ChainFromConfig } from '../image/v1-compat.js';

export type ModernLayout = 'docker-1.10' | 'manifest-only' | 'docker-25' | 'oci';

/** One image: its config text, its layers as plain tars (base first), and its `name:tag` references. */
export interface ModernImageInput {
  readonly config: string;
  readonly layers: readonly Buffer[];
  readonly repoTags: readonly string[];
}

export interface ModernSaveOptions {
  readonly layout: ModernLayout;
  /** Store layer blobs gzip-compressed (docker-25, oci, manifest-only). */
  readonly gzip?: boolean;
  /** oci: put each image behind a multi-platform index whose other platforms' blobs are missing, with an attestation. */
  readonly multiPlatform?: boolean;
  /** oci: name images by the `org.opencontainers.image.ref.name` annotation alone (a tag, no repository). */
  readonly refNameOnly?: boolean;
  /** oci: compress the layers with a zstd header (a blob the reader must refuse). */
  readonly zstd?: boolean;
}

const ZSTD_FRAME = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x00, 0x00]);

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** An image config the way `docker build` writes one, for `layers` (plain tars). */
export function modernConfig(layers: readonly Buffer[], fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    architecture: 'amd64',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], WorkingDir: '/', Labels: { 'org.example': 'yes' } },
    created: '2025-03-01T10:20:30.123456789Z',
    history: layers.map((_, n) => ({ created: '2025-03-01T10:20:30.123456789Z', created_by: `RUN step ${n} # buildkit`, comment: 'buildkit.dockerfile.v0' })),
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => `sha256:${sha256Hex(layer)}`) },
    ...fields,
  });
}

/** Writes `images` to `path` in `opts.layout`. */
export async function writeModernSave(path: string, images: readonly ModernImageInput[], opts: ModernSaveOptions): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(path));
  const written = new Set<string>();
  const add = (name: string, body: Buffer | string, header: Partial<Parameters<tar.Pack['entry']>[0]> = {}): void => {
    if (written.has(name)) return;
    written.add(name);
    pack.entry({ name, mtime: new Date(0), mode: 0o644, ...header }, typeof body === 'string' ? Buffer.from(body) : body);
  };
  const blob = (bytes: Buffer | string): string => {
    const hex = sha256Hex(bytes);
    add(`blobs/sha256/${hex}`, bytes);
    return hex;
  };
  const manifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  const repositories: Record<string, Record<string, string>> = {};
  const ociManifests: Array<Record<string, unknown>> = [];
  const layerPathByChain = new Map<string, string>();

  for (const image of images) {
    const configHex = sha256Hex(image.config);
    if (opts.layout === 'docker-1.10') {
      const chain = v1ChainFromConfig(image.config);
      const chains = chainIds(chain.map((link) => link.diffId));
      const layers: string[] = [];
      for (const [i, link] of chain.entries()) {
        add(`${link.id}/`, Buffer.alloc(0), { type: 'directory', mode: 0o755 });
        add(`${link.id}/VERSION`, '1.0');
        add(`${link.id}/json`, link.json);
        const chainId = chains[i] as string;
        const first = layerPathByChain.get(chainId);
        // moby save.go: a layer already written under another v1 id becomes a relative symlink to it.
        if (first !== undefined && first !== `${link.id}/layer.tar`) add(`${link.id}/layer.tar`, Buffer.alloc(0), { type: 'symlink', linkname: `../${first}` });
        else add(`${link.id}/layer.tar`, image.layers[i] as Buffer);
        if (first === undefined) layerPathByChain.set(chainId, `${link.id}/layer.tar`);
        layers.push(`${link.id}/layer.tar`);
      }
      add(`${configHex}.json`, image.config);
      manifest.push({ Config: `${configHex}.json`, RepoTags: [...image.repoTags], Layers: layers });
      for (const ref of image.repoTags) setTag(repositories, ref, (chain.at(-1) as { id: string }).id);
      continue;
    }
    const stored = image.layers.map((layer) => (opts.zstd ? Buffer.concat([ZSTD_FRAME, layer]) : opts.gzip ? gzipSync(layer) : layer));
    if (opts.layout === 'manifest-only') {
      const layers = stored.map((bytes, i) => {
        const name = `${sha256Hex(image.layers[i] as Buffer)}/layer.tar`;
        add(name, bytes);
        return name;
      });
      add(`${configHex}.json`, image.config);
      manifest.push({ Config: `${configHex}.json`, RepoTags: [...image.repoTags], Layers: layers });
      continue;
    }
    blob(image.config);
    const layerHexes = stored.map((bytes) => blob(bytes));
    const layerType = opts.zstd ? 'application/vnd.oci.image.layer.v1.tar+zstd' : opts.gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar';
    const ociManifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configHex}`, size: Buffer.byteLength(image.config) },
      layers: stored.map((bytes, i) => ({ mediaType: layerType, digest: `sha256:${layerHexes[i] as string}`, size: bytes.length })),
    });
    const manifestHex = blob(ociManifest);
    let descriptor: Record<string, unknown> = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifestHex}`, size: Buffer.byteLength(ociManifest) };
    if (opts.multiPlatform) {
      const attestation = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: `sha256:${'0'.repeat(64)}` }, layers: [] });
      const attestationHex = blob(attestation);
      const list = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { ...descriptor, platform: { os: 'linux', architecture: 'amd64' } },
          // Another platform whose blobs a single-platform save leaves out.
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 500, platform: { os: 'linux', architecture: 'arm64' } },
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${attestationHex}`, size: Buffer.byteLength(attestation), platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
        ],
      });
      descriptor = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${blob(list)}`, size: Buffer.byteLength(list) };
    }
    for (const ref of image.repoTags) {
      const tag = ref.slice(ref.lastIndexOf(':') + 1);
      const containerdName = `docker.io/${ref.includes('/') ? '' : 'library/'}${ref}`;
      ociManifests.push({ ...descriptor, annotations: opts.refNameOnly ? { 'org.opencontainers.image.ref.name': tag } : { 'io.containerd.image.name': containerdName, 'org.opencontainers.image.ref.name': tag } });
    }
    if (image.repoTags.length === 0) ociManifests.push(descriptor);
    if (opts.layout === 'docker-25') {
      manifest.push({ Config: `blobs/sha256/${configHex}`, RepoTags: [...image.repoTags], Layers: layerHexes.map((hex) => `blobs/sha256/${hex}`) });
      for (const ref of image.repoTags) setTag(repositories, ref, configHex);
    }
  }
  if (opts.layout === 'docker-25' || opts.layout === 'oci') {
    add('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    add('index.json', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: ociManifests }));
  }
  if (opts.layout !== 'oci') add('manifest.json', JSON.stringify(manifest));
  if (opts.layout === 'docker-1.10' || opts.layout === 'docker-25') add('repositories', JSON.stringify(repositories));
  pack.finalize();
  await done;
}

function setTag(repositories: Record<string, Record<string, string>>, ref: string, id: string): void {
  const colon = ref.lastIndexOf(':');
  (repositories[ref.slice(0, colon)] ??= {})[ref.slice(colon + 1)] = id;
}
