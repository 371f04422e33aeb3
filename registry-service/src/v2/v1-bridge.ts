/**
 * One store, two protocols. An image pushed with v1 is pulled with v2, and one pushed with v2 is pulled with
 * v1, using Docker's own bridge between the two (shared/src/image/v1-compat.ts, moby `image/v1`):
 *
 * - v1 → v2 (`manifestFromV1Chain`): a v1 tag's chain becomes a schema 2 manifest. The config is
 *   `configFromV1Chain` of the chain's json (what `docker load` of a v1 tarball makes, so the image id is the
 *   one Docker computes); `rootfs.diff_ids` are the sha256 of each layer uncompressed; each layer's digest is
 *   the sha256 of the bytes stored, which the v2 side serves straight from the v1 layer (a pointer, no copy).
 *   The per-layer figures are computed once, on the first v2 read, and kept beside the image (`_v2`).
 * - v2 → v1 (`materializeV1`): after a manifest PUT, the config's `v1ChainFromConfig` gives the v1 ids and
 *   json (deterministic, as `docker save` wrote them); each layer is copied into a v1 image with its payload
 *   checksum, the repository holds them, and the tag names the top one. Each layer's uncompressed sha256 must
 *   equal the config's diff id before anything is written (a first read of the blob; the copy is a second),
 *   so no one can plant bytes under the v1 ids of another image by copying its config; an id that already
 *   exists is left as it is. The layer bytes are stored twice, once per protocol.
 */
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MediaType, V1Error, configFromV1Chain, formatRepoName, v1ChainFromConfig, type RepoName } from '@v1hub/shared';
import { AutoDecompress } from '../images/layer-files.js';
import { notFoundAs, type ImageStore } from '../images/image-store.js';
import type { LayerStorage } from '../storage/layer-storage.js';
import * as paths from '../storage/paths.js';
import type { TagStore } from '../tags/tag-store.js';
import type { StoredManifest, V2Store } from './v2-store.js';

interface LayerFigures {
  /** `sha256:` of the layer bytes as stored (its v2 blob digest). */
  readonly digest: string;
  readonly size: number;
  /** `sha256:` of the layer uncompressed (its diff id). */
  readonly diffId: string;
}

/** One image of a stored v1 chain, as a v2 read of its tag needs it (a `V1ChainLink` of configFromV1Chain). */
interface StoredV1Image {
  readonly id: string;
  readonly json: Buffer;
  readonly diffId: string;
  readonly figures: LayerFigures;
}

const sha256 = (bytes: Uint8Array | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A config larger than a manifest may be is no config v1 would read: it stays v2 only. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export class V1Bridge {
  constructor(
    private readonly storage: LayerStorage,
    private readonly store: V2Store,
    private readonly tags: TagStore,
    private readonly images: ImageStore,
  ) {}

  /** The schema 2 manifest of the v1 chain whose top is `top` (a v1 tag of `name`), or null while the chain is incomplete. */
  async manifestFromV1Chain(name: RepoName, top: string): Promise<StoredManifest | null> {
    const links = await this.readV1Chain(top);
    if (links === null) return null;
    const config = Buffer.from(configFromV1Chain(links));
    const configDigest = sha256(config);
    await this.store.putDerivedBlob(name, configDigest, config);
    for (const { id, figures } of links) await this.store.linkV1Layer(name, figures.digest, id);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.schema2Manifest,
        config: { mediaType: MediaType.schema2Config, size: config.length, digest: configDigest },
        layers: links.map(({ figures }) => ({ mediaType: MediaType.schema2Layer, size: figures.size, digest: figures.digest })),
      }, null, 3),
    );
    const digest = sha256(manifest);
    await this.store.putDerivedManifest(name, digest, MediaType.schema2Manifest, manifest);
    return { digest, mediaType: MediaType.schema2Manifest, bytes: manifest };
  }

  /**
   * The chain under `top`, base first: each image's json and layer figures. Null while an image of it is
   * incomplete, or once one is gone (deleted while the chain was read: the tag no longer names a whole chain).
   */
  private async readV1Chain(top: string): Promise<StoredV1Image[] | null> {
    try {
      // The ancestry starts with `top` itself, so the loop checks it too.
      const links: StoredV1Image[] = [];
      for (const id of [...(await this.images.getAncestry(top))].reverse()) {
        if (!(await this.images.isComplete(id))) return null;
        const figures = await this.figures(id);
        links.push({ id, json: await this.images.jsonBytes(id), diffId: figures.diffId, figures });
      }
      return links;
    } catch (err) {
      if (err instanceof V1Error && err.code === 'IMAGE_NOT_FOUND') return null;
      throw err;
    }
  }

  /** The image id v1 tag `tag` of `name` names, else null. */
  async v1TagId(name: RepoName, tag: string): Promise<string | null> {
    return this.tags.get(name, tag).catch(() => null);
  }

  async deleteV1Tag(name: RepoName, tag: string): Promise<void> {
    await this.tags.delete(name, tag).catch(() => undefined);
  }

  /** Every v1 tag of `name` ([] when none). */
  async v1Tags(name: RepoName): Promise<string[]> {
    return Object.keys(await this.tags.list(name).catch(() => ({})));
  }

  /** A layer's digest, size and diff id: read from `_v2` when known, else computed in one pass and kept. */
  private async figures(id: string): Promise<LayerFigures> {
    const known = await this.storage.getContent(paths.imageV2Figures(id)).catch(notFoundAs(null));
    if (known !== null) return JSON.parse(known.toString()) as LayerFigures;
    const opened = await this.images.openLayer(id);
    const figures = await digestAndDiffId(opened.stream);
    await this.keepFigures(id, figures);
    return figures;
  }

  private async keepFigures(id: string, figures: LayerFigures): Promise<void> {
    await this.storage.putContent(paths.imageV2Figures(id), JSON.stringify(figures));
  }

  /**
   * v2 → v1 for the image manifest just stored under `tag`: its v1 chain, written image by image, and the v1
   * tag. Returns the v1 id of the top, or null when the manifest is not an image manifest v1 can hold (an
   * index, a config that is too large or that v1 cannot read, a layer whose bytes do not match its diff id)
   * or when a v1 image of the same id already exists and is not exactly this one. Every layer is checked
   * before anything is written, so a chain is either whole or not there.
   */
  async materializeV1(name: RepoName, tag: string, manifest: StoredManifest): Promise<string | null> {
    try {
      return await this.buildV1Chain(name, tag, manifest);
    } catch {
      // A blob that cannot be read or inflated: the image stays v2 only.
      return null;
    }
  }

  private async buildV1Chain(name: RepoName, tag: string, manifest: StoredManifest): Promise<string | null> {
    if (manifest.mediaType !== MediaType.schema2Manifest && manifest.mediaType !== MediaType.ociManifest) return null;
    const document = JSON.parse(manifest.bytes.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    const configBlob = await this.store.locateBlob(name, document.config.digest);
    if (configBlob === null || configBlob.size > MAX_CONFIG_BYTES) return null;
    const configText = (await readAll((await this.store.openLocated(configBlob)).stream)).toString('utf8');
    let chain;
    try {
      chain = v1ChainFromConfig(configText);
    } catch {
      return null;
    }
    if (chain.length !== document.layers.length) return null;
    // The check, reading each blob once: an existing v1 image must be this very one (same json, same layer
    // uncompressed), a new one's blob must inflate to its diff id.
    // The figures of each new image's layer are what a v2 read of its v1 tag needs later: kept with the copy.
    const fresh = new Map<string, LayerFigures>();
    for (const [i, image] of chain.entries()) {
      if (await this.images.exists(image.id)) {
        if (!(await this.isSame(image))) return null;
        continue;
      }
      const figures = await digestAndDiffId((await this.store.openBlob(name, (document.layers[i] as { digest: string }).digest)).stream);
      if (figures.diffId !== image.diffId) return null;
      fresh.set(image.id, figures);
    }
    // Then the copies, each visible only once whole (the json is written last).
    const repository = formatRepoName(name);
    for (const [i, image] of chain.entries()) {
      const figures = fresh.get(image.id);
      if (figures !== undefined) {
        // Someone may have pushed this id with v1 since the check: then it must be this image too.
        if (await this.images.exists(image.id)) {
          if (!(await this.isSame(image))) return null;
        } else {
          const ancestry = [image.id, ...chain.slice(0, i).reverse().map((link) => link.id)];
          await this.images.storeMirrored(image.id, { json: image.json, ancestry, size: null, payload: null }, (await this.store.openBlob(name, figures.digest)).stream);
          await this.keepFigures(image.id, figures);
        }
      }
      await this.images.addHolder(image.id, repository);
    }
    const top = (chain.at(-1) as { id: string }).id;
    await this.tags.putDerived(name, tag, top);
    return top;
  }

  /** An existing v1 image is `image` when it is complete, its json is byte for byte the same, and its layer inflates to the same diff id. */
  private async isSame(image: { id: string; json: Buffer; diffId: string }): Promise<boolean> {
    if (!(await this.images.isComplete(image.id))) return false;
    if (!(await this.images.jsonBytes(image.id)).equals(image.json)) return false;
    return (await this.figures(image.id)).diffId === image.diffId;
  }
}

/** A small blob (a config), read whole. */
async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The sha256 of a layer's bytes and of the same bytes uncompressed, in one pass. */
async function digestAndDiffId(stream: Readable): Promise<LayerFigures> {
  const raw = createHash('sha256');
  const diff = createHash('sha256');
  let size = 0;
  const inflate = new AutoDecompress();
  inflate.on('data', (chunk: Buffer) => diff.update(chunk));
  const counted = new PassThrough();
  counted.on('data', (chunk: Buffer) => {
    raw.update(chunk);
    size += chunk.length;
  });
  await pipeline(stream, counted, inflate);
  return { digest: `sha256:${raw.digest('hex')}`, size, diffId: `sha256:${diff.digest('hex')}` };
}
