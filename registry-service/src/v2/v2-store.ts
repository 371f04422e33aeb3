/**
 * v2 content on the registry's LayerStorage (layout in v2-paths.ts): blobs, resumable uploads, manifests and
 * tags. Like v1 layers, bytes stream end to end and nothing becomes visible half-written:
 *
 * - an upload's chunks are separate objects (no storage here can append); completing it reads them once to
 *   hash them, and only when the digest matches streams them into the blob's content address. A blob is
 *   never overwritten with unchecked bytes, so no one can corrupt another repository's layer by claiming its
 *   digest;
 * - a blob is readable through a repository only once linked to it (pushed or mounted there), so knowing a
 *   digest grants nothing;
 * - a manifest is accepted only when every blob (or, for an index, every manifest) it names is in the
 *   repository.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MANIFEST_MEDIA_TYPES, MediaType, V2Error, formatRepoName, isSha256Digest, isValidTag, type RepoName } from '@v1hub/shared';
import { notFoundAs } from '../images/image-store.js';
import type { ByteRange, LayerStorage, OpenedObject } from '../storage/layer-storage.js';
import { imageInProgress, imageLayer, imageV2Figures, unquoteComponent } from '../storage/paths.js';
import * as paths from './v2-paths.js';

/** Manifests are small JSON documents; the reference registry refuses more than 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Chunks one upload may have (each PATCH lists and sizes them all). */
export const MAX_CHUNKS = 10_000;

export interface UploadState {
  readonly uuid: string;
  readonly repository: string;
  /** Bytes received so far. */
  readonly size: number;
}

export interface LocatedBlob {
  /** The storage path of the bytes: the blob's content address, or the v1 layer it is served from. */
  readonly path: string;
  readonly size: number;
}

/** A v2 tag as a delete removed it: the v1 id it recorded names its v1 twin, if the image has one. */
export interface RemovedTag {
  readonly tag: string;
  readonly v1Id: string | null;
}

export interface StoredManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly bytes: Buffer;
}

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export class V2Store {
  constructor(private readonly storage: LayerStorage, private readonly now: () => number = Date.now) {}

  // Blobs.

  /** Where the bytes of `name`'s blob `digest` are, and their size; null when `name` does not hold it. */
  async locateBlob(name: RepoName, digest: string): Promise<LocatedBlob | null> {
    if (!isSha256Digest(digest)) throw new V2Error('DIGEST_INVALID', { digest });
    if (!(await this.storage.exists(paths.layerLink(name, digest))) && !(await this.storage.exists(paths.manifestLink(name, digest)))) return null;
    const stored = await this.storage.stat(paths.blob(digest)).catch(notFoundAs(null));
    if (stored !== null) return { path: paths.blob(digest), size: stored.size };
    const path = await this.pointedLayer(digest);
    if (path === null) return null;
    const stat = await this.storage.stat(path).catch(notFoundAs(null));
    return stat === null ? null : { path, size: stat.size };
  }

  /** The blob's size when it exists and is linked to `name`, else null. */
  async blobSize(name: RepoName, digest: string): Promise<number | null> {
    return (await this.locateBlob(name, digest))?.size ?? null;
  }

  async openBlob(name: RepoName, digest: string, range?: ByteRange): Promise<OpenedObject> {
    const located = await this.locateBlob(name, digest);
    if (located === null) throw new V2Error('BLOB_UNKNOWN', { digest });
    return this.openLocated(located, range);
  }

  /** Opens a blob `locateBlob` found (a GET that already needed its size locates it once). */
  openLocated(located: LocatedBlob, range?: ByteRange): Promise<OpenedObject> {
    return this.storage.openRead(located.path, range);
  }

  /** The stored v1 layer a pointer names for `digest`, when `pointedImage` vouches for it. */
  private async pointedLayer(digest: string): Promise<string | null> {
    const id = await this.pointedImage(digest);
    return id === null ? null : imageLayer(id);
  }

  /**
   * The v1 image a pointer names, if that image is still complete and its layer still hashes to `digest`
   * (as measured and kept in its `_v2`): an image deleted, or pushed again with other bytes under the same
   * id, never serves another repository's blob.
   */
  private async pointedImage(digest: string): Promise<string | null> {
    const id = (await this.storage.getContent(paths.v1LayerPointer(digest)).catch(notFoundAs(null)))?.toString() ?? null;
    if (id === null || (await this.storage.exists(imageInProgress(id)))) return null;
    const figures = await this.storage.getContent(imageV2Figures(id)).catch(notFoundAs(null));
    if (figures === null || (JSON.parse(figures.toString()) as { digest?: string }).digest !== digest) return null;
    return (await this.storage.exists(imageLayer(id))) ? id : null;
  }

  /**
   * A blob v1hub made itself (a config derived from a v1 chain), stored and linked to `name`. This runs on
   * every v2 read of a v1 tag, so it writes only what is missing (the derived manifest's link is what keeps
   * the blob from gc, not this link's time).
   */
  async putDerivedBlob(name: RepoName, digest: string, bytes: Buffer): Promise<void> {
    if (!(await this.storage.exists(paths.blob(digest)))) await this.storage.putContent(paths.blob(digest), bytes);
    await this.linkIfMissing(name, digest);
  }

  /** A v1 image's layer, served as the blob `digest` of `name` without a copy (on every read, as above). */
  async linkV1Layer(name: RepoName, digest: string, imageId: string): Promise<void> {
    if ((await this.pointedImage(digest)) === null) await this.storage.putContent(paths.v1LayerPointer(digest), imageId);
    await this.linkIfMissing(name, digest);
  }

  private async linkIfMissing(name: RepoName, digest: string): Promise<void> {
    if (!(await this.storage.exists(paths.layerLink(name, digest)))) await this.storage.putContent(paths.layerLink(name, digest), '');
  }

  /** A manifest derived from v1 (no tag: the v1 tag stays the truth), reachable by its digest. */
  async putDerivedManifest(name: RepoName, digest: string, mediaType: string, bytes: Buffer): Promise<void> {
    if (!(await this.storage.exists(paths.blob(digest)))) await this.storage.putContent(paths.blob(digest), bytes);
    if (!(await this.storage.exists(paths.manifestLink(name, digest)))) await this.storage.putContent(paths.manifestLink(name, digest), mediaType);
  }

  /** Cross-repository mount: links `digest` into `target` when `source` has it. False when it does not. */
  async mountBlob(target: RepoName, source: RepoName, digest: string): Promise<boolean> {
    if ((await this.blobSize(source, digest)) === null) return false;
    await this.storage.putContent(paths.layerLink(target, digest), '');
    return true;
  }

  /** Unlinks the blob from `name` (the bytes stay for other repositories; gc frees unreferenced ones). */
  async unlinkBlob(name: RepoName, digest: string): Promise<void> {
    if (!isSha256Digest(digest)) throw new V2Error('DIGEST_INVALID', { digest });
    if (!(await this.storage.exists(paths.layerLink(name, digest)))) throw new V2Error('BLOB_UNKNOWN', { digest });
    await this.storage.delete(paths.layerLink(name, digest));
  }

  // Uploads.

  async startUpload(name: RepoName): Promise<UploadState> {
    const uuid = randomUUID();
    const repository = formatRepoName(name);
    await this.storage.putContent(paths.uploadInfo(uuid), JSON.stringify({ repository, startedAt: this.now() }));
    return { uuid, repository, size: 0 };
  }

  /**
   * The upload's state; BLOB_UPLOAD_UNKNOWN when it does not exist or belongs to another repository. Chunks
   * are never rewritten (each has a name of its own, v2-paths.ts), so what completion hashes is what it
   * copies; two chunks with one index mean two PATCHes raced, and the upload cannot be trusted any more.
   */
  async uploadState(name: RepoName, uuid: string): Promise<UploadState & { chunks: string[]; raced: boolean }> {
    const repository = formatRepoName(name);
    if (!/^[0-9a-f-]{36}$/.test(uuid)) throw new V2Error('BLOB_UPLOAD_UNKNOWN');
    const info = await this.storage.getContent(paths.uploadInfo(uuid)).catch(notFoundAs(null));
    if (info === null || (JSON.parse(info.toString()) as { repository: string }).repository !== repository) throw new V2Error('BLOB_UPLOAD_UNKNOWN');
    const entries = (await this.storage.list(paths.upload(uuid)).catch(notFoundAs([] as string[]))).filter((entry) => paths.CHUNK_NAME.test(entry)).sort();
    const indexes = entries.map((entry) => entry.slice(0, 8));
    const raced = new Set(indexes).size !== indexes.length;
    let size = 0;
    for (const entry of entries) size += (await this.storage.stat(paths.uploadFile(uuid, entry))).size;
    return { uuid, repository, size, chunks: entries.map((entry) => paths.uploadFile(uuid, entry)), raced };
  }

  /**
   * Appends `body` as the upload's next chunk. `start`, when the client said where the chunk begins
   * (Content-Range), must be the bytes received so far: anything else is 416, as the spec asks.
   */
  async appendChunk(name: RepoName, uuid: string, body: Readable, start: number | null, signal?: AbortSignal): Promise<UploadState> {
    const state = await this.uploadState(name, uuid);
    if (start !== null && start !== state.size) {
      body.resume();
      throw new V2Error('RANGE_INVALID', { expected: state.size, got: start });
    }
    if (state.chunks.length >= MAX_CHUNKS) {
      body.resume();
      throw new V2Error('BLOB_UPLOAD_INVALID', `at most ${MAX_CHUNKS} chunks per upload`);
    }
    const { size } = await this.storage.writeStream(paths.uploadChunk(uuid, state.chunks.length + 1, randomUUID()), body, signal ? { signal } : {});
    return { uuid, repository: state.repository, size: state.size + size };
  }

  /**
   * Ends the upload: `body` (possibly empty) is its last chunk; the whole must hash to `digest`, and only
   * then is it stored at its content address and linked to `name`. On a mismatch nothing is stored and the
   * upload is gone (the client starts again, as the spec has it).
   */
  async completeUpload(name: RepoName, uuid: string, digest: string, body: Readable | null, signal?: AbortSignal): Promise<{ size: number }> {
    if (!isSha256Digest(digest)) {
      body?.resume();
      throw new V2Error('DIGEST_INVALID', { digest });
    }
    if (body !== null) await this.appendChunk(name, uuid, body, null, signal);
    // The chunks as they are now; one a racing PATCH adds later is not part of this blob.
    const state = await this.uploadState(name, uuid);
    const discard = () => this.storage.delete(paths.upload(uuid)).catch(notFoundAs(undefined));
    if (state.raced) {
      await discard();
      throw new V2Error('BLOB_UPLOAD_INVALID', 'two chunks were sent for the same place; start the upload again');
    }
    const hash = createHash('sha256');
    for (const chunk of state.chunks) {
      const opened = await this.storage.openRead(chunk);
      for await (const bytes of opened.stream) hash.update(bytes as Buffer);
    }
    if (`sha256:${hash.digest('hex')}` !== digest) {
      await discard();
      throw new V2Error('DIGEST_INVALID', { digest });
    }
    if (!(await this.storage.exists(paths.blob(digest)))) await this.storage.writeStream(paths.blob(digest), this.concatenate(state.chunks));
    await this.storage.putContent(paths.layerLink(name, digest), '');
    await discard();
    return { size: state.size };
  }

  async cancelUpload(name: RepoName, uuid: string): Promise<void> {
    await this.uploadState(name, uuid);
    await this.storage.delete(paths.upload(uuid)).catch(notFoundAs(undefined));
  }

  private concatenate(chunks: readonly string[]): Readable {
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    void (async () => {
      for (const chunk of chunks) {
        const opened = await this.storage.openRead(chunk);
        await pipeline(opened.stream, out, { end: false });
      }
      out.end();
    })().catch((err: unknown) => out.destroy(err as Error));
    return out;
  }

  // Manifests and tags.

  /**
   * Stores a manifest under `reference` (a tag, or the digest it must hash to). The media type is the
   * request's Content-Type, else the document's own `mediaType`; each is stored and served as given. Returns
   * the manifest as stored.
   */
  async putManifest(name: RepoName, reference: string, contentType: string | undefined, bytes: Buffer): Promise<StoredManifest> {
    const isDigest = reference.startsWith('sha256:');
    if (isDigest ? !isSha256Digest(reference) : !isValidTag(reference)) throw new V2Error(isDigest ? 'DIGEST_INVALID' : 'TAG_INVALID', { reference });
    let document: { mediaType?: unknown; schemaVersion?: unknown; config?: { digest?: unknown }; layers?: Array<{ digest?: unknown }>; manifests?: Array<{ digest?: unknown }> };
    try {
      document = JSON.parse(bytes.toString('utf8')) as typeof document;
    } catch {
      throw new V2Error('MANIFEST_INVALID', 'not JSON');
    }
    if (document === null || typeof document !== 'object' || document.schemaVersion !== 2) throw new V2Error('MANIFEST_INVALID', 'schemaVersion must be 2');
    const declared = typeof document.mediaType === 'string' ? document.mediaType : undefined;
    const given = contentType?.split(';')[0]?.trim();
    const mediaType = given && given !== 'application/json' && given !== 'application/octet-stream' ? given : (declared ?? (document.manifests ? MediaType.ociIndex : MediaType.ociManifest));
    if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) throw new V2Error('MANIFEST_INVALID', `unsupported media type ${mediaType}`);
    if (declared !== undefined && declared !== mediaType) throw new V2Error('MANIFEST_INVALID', `mediaType ${declared} does not match Content-Type ${mediaType}`);
    const digest = sha256(bytes);
    if (isDigest && reference !== digest) throw new V2Error('DIGEST_INVALID', { reference, digest });
    const isIndex = mediaType === MediaType.manifestList || mediaType === MediaType.ociIndex;
    const references = isIndex
      ? (document.manifests ?? []).map((m) => m.digest)
      : [document.config?.digest, ...(document.layers ?? []).map((l) => l.digest)];
    if (!isIndex && (document.config === undefined || !Array.isArray(document.layers))) throw new V2Error('MANIFEST_INVALID', 'an image manifest needs config and layers');
    for (const ref of references) {
      if (typeof ref !== 'string' || !isSha256Digest(ref)) throw new V2Error('MANIFEST_INVALID', { digest: ref });
      const present = isIndex ? await this.storage.exists(paths.manifestLink(name, ref)) : (await this.blobSize(name, ref)) !== null;
      if (!present) throw new V2Error('MANIFEST_BLOB_UNKNOWN', { digest: ref });
    }
    if (!(await this.storage.exists(paths.blob(digest)))) await this.storage.putContent(paths.blob(digest), bytes);
    await this.storage.putContent(paths.manifestLink(name, digest), mediaType);
    if (!isDigest) await this.storage.putContent(paths.v2Tag(name, reference), digest);
    return { digest, mediaType, bytes };
  }

  /** The manifest `reference` (tag or digest) names in `name`; MANIFEST_UNKNOWN when there is none. */
  async getManifest(name: RepoName, reference: string): Promise<StoredManifest> {
    const digest = await this.resolve(name, reference);
    const mediaType = await this.storage.getContent(paths.manifestLink(name, digest)).catch(notFoundAs(null));
    if (mediaType === null) throw new V2Error('MANIFEST_UNKNOWN', { reference });
    const bytes = await this.storage.getContent(paths.blob(digest)).catch(notFoundAs(null));
    if (bytes === null) throw new V2Error('MANIFEST_UNKNOWN', { reference });
    return { digest, mediaType: mediaType.toString(), bytes };
  }

  /**
   * Removes the v2 tag `tag` (the manifest stays). Returns what it recorded (its v1 twin is the caller's to
   * remove), or null when v2 has no such tag.
   */
  async deleteTag(name: RepoName, tag: string): Promise<RemovedTag | null> {
    const read = await this.readTag(name, tag);
    if (read === null) return null;
    await this.storage.delete(paths.v2Tag(name, tag)).catch(notFoundAs(undefined));
    return { tag, v1Id: read.v1Id };
  }

  /**
   * The manifest `digest` leaves the repository with every tag naming it. Returns the tags removed, with the
   * v1 id each recorded (their v1 twins are the caller's to remove).
   */
  async deleteManifest(name: RepoName, digest: string): Promise<RemovedTag[]> {
    if (!isSha256Digest(digest)) throw new V2Error('DIGEST_INVALID', { reference: digest });
    if (!(await this.storage.exists(paths.manifestLink(name, digest)))) throw new V2Error('MANIFEST_UNKNOWN', { reference: digest });
    const naming = await this.tagsNaming(name, digest);
    for (const { tag } of naming) await this.storage.delete(paths.v2Tag(name, tag)).catch(notFoundAs(undefined));
    await this.storage.delete(paths.manifestLink(name, digest));
    return naming;
  }

  /** Tags in code-unit order; [] when the repository has none; NAME_UNKNOWN when it has no v2 content. */
  async tags(name: RepoName): Promise<string[]> {
    const entries = await this.storage.list(paths.v2Tags(name)).catch(notFoundAs(null));
    if (entries === null) {
      if (!(await this.hasContent(name))) throw new V2Error('NAME_UNKNOWN', { name: formatRepoName(name) });
      return [];
    }
    return entries.map((entry) => unquoteComponent(entry)).filter((tag): tag is string => tag !== null).sort();
  }

  /** Every repository with v2 content, as `ns/repo`, in code-unit order. */
  async repositories(): Promise<string[]> {
    const names: string[] = [];
    for (const namespace of await this.storage.list(paths.v2RepositoriesRoot).catch(notFoundAs([] as string[]))) {
      for (const repository of await this.storage.list(`${paths.v2RepositoriesRoot}/${namespace}`).catch(notFoundAs([] as string[]))) {
        const ns = unquoteComponent(namespace);
        const repo = unquoteComponent(repository);
        if (ns !== null && repo !== null) names.push(`${ns}/${repo}`);
      }
    }
    return names.sort();
  }

  private async hasContent(name: RepoName): Promise<boolean> {
    return (await this.storage.list(paths.v2RepositoryDir(name)).catch(notFoundAs([] as string[]))).length > 0;
  }

  private async resolve(name: RepoName, reference: string): Promise<string> {
    if (reference.startsWith('sha256:')) {
      if (!isSha256Digest(reference)) throw new V2Error('DIGEST_INVALID', { reference });
      return reference;
    }
    if (!isValidTag(reference)) throw new V2Error('TAG_INVALID', { reference });
    const tag = await this.readTag(name, reference);
    if (tag === null) throw new V2Error('MANIFEST_UNKNOWN', { tag: reference });
    return tag.digest;
  }

  /**
   * A v2 tag: `<digest>`, or `<digest> <v1 id>` once the image also has its v1 chain (v1-bridge.ts), so a
   * later v1 push of the same tag (another v1 id) is told apart from the v1 tag this push made.
   */
  async readTag(name: RepoName, tag: string): Promise<{ digest: string; v1Id: string | null } | null> {
    if (!isValidTag(tag)) return null;
    const text = await this.storage.getContent(paths.v2Tag(name, tag)).catch(notFoundAs(null));
    if (text === null) return null;
    const [digest, v1Id] = text.toString().split(' ');
    return { digest: digest as string, v1Id: v1Id ?? null };
  }

  /** The tags naming `digest`, with the v1 id each recorded. */
  async tagsNaming(name: RepoName, digest: string): Promise<RemovedTag[]> {
    const named: RemovedTag[] = [];
    for (const tag of await this.tags(name).catch(() => [] as string[])) {
      const read = await this.readTag(name, tag);
      if (read?.digest === digest) named.push({ tag, v1Id: read.v1Id });
    }
    return named;
  }

  /** Records the v1 id the tag's image has in v1 too. */
  async setTagV1Id(name: RepoName, tag: string, digest: string, v1Id: string): Promise<void> {
    await this.storage.putContent(paths.v2Tag(name, tag), `${digest} ${v1Id}`);
  }
}

