/**
 * Image semantics of the v1 registry on top of a LayerStorage (v1-protocol.md §4.1 R4–R11, §4.2):
 *
 * | state     | marker | GET json/layer/ancestry | PUT json            | PUT layer      | PUT checksum              |
 * |-----------|--------|-------------------------|---------------------|----------------|---------------------------|
 * | absent    | –      | 404                     | 200 → uploading     | 404            | 404                       |
 * | uploading | yes    | 400 being uploaded      | 200 (retry)         | 200 → layered  | 400 (no layer yet)        |
 * | layered   | yes    | 400                     | 200 (→ uploading)   | 200 (overwrite)| match → complete; else 400|
 * | complete  | no     | 200                     | 409                 | 409            | 409                       |
 *
 * Layers stream straight into storage, which makes them visible only once complete, while a digest worker
 * computes their payload checksum from a copy of the same chunks; nothing here holds a layer in memory.
 *
 * Images belong to repositories (design §5.4). The first PUT json of an id binds its upload to the
 * repository whose token made it (`_owner`): until the image is complete, every other repository's PUT json,
 * layer or checksum is a 409, so nobody can complete an image someone else's push declared. A repository
 * *holds* an image it uploaded or tagged (`_holders/`); what a token may read is decided from that
 * (image-access.ts). The three upload steps of one id run one at a time (KeyedLock), and a PUT json after a
 * layer drops its checksum, so an image completes only with a json, layer and checksum of one upload.
 */
import type { Readable } from 'node:stream';
import { DigestWorkerError, V1Error, createLayerDigester, digestAlongside, digestStream, layerDigestPoolForThisMachine, sharedLayerDigestPool, type LayerDigestPool, type LayerDigesterOptions, type LayerDigests, isRegistryImageId } from '@v1hub/shared';
import { PathNotFoundError, type ByteRange, type LayerStorage, type OpenedObject } from '../storage/layer-storage.js';
import * as paths from '../storage/paths.js';
import { diffAgainstAncestors, listLayerFiles, type FileEntry, type LayerDiff } from './layer-files.js';
import { KeyedLock } from './keyed-lock.js';

export interface StoredImageJson {
  /** The json exactly as pushed. */
  readonly bytes: Buffer;
  /** Stored layer size, when the layer exists (X-Docker-Size). */
  readonly layerSize: number | null;
  /** `sha256:…` payload checksum computed at upload, when known (X-Docker-Checksum-Payload). */
  readonly payloadChecksum: string | null;
}

/** Checks PUT json needs from outside the store: the Index's image list and parent access (§4.1 R5). */
export interface PutJsonChecks {
  /** False when token auth is on and the Index did not list this id for the repository. */
  readonly belongsToRepository: (imageId: string) => boolean;
  /** May the uploader read the parent and its whole ancestry (newest first)? Always true in standalone mode. */
  readonly parentAccess: (ancestry: readonly string[]) => Promise<boolean>;
}

/**
 * The repository an upload step comes through (`ns/repo` of the token), or null when nothing says (standalone
 * mode without a token): then uploads are not bound.
 */
export type Uploader = string | null;

const ANOTHER_UPLOAD = 'Image is being uploaded by another repository';

/**
 * An upload bound to a repository whose marker has not changed for this long is abandoned: another
 * repository may then take the id over, so a push that died (or a squatter's lone PUT json) cannot hold an
 * id forever.
 */
export const ABANDONED_UPLOAD_MS = 24 * 60 * 60 * 1000;

export class ImageStore {
  private readonly uploads = new KeyedLock();

  constructor(
    private readonly storage: LayerStorage,
    private readonly abandonedUploadMs: number = ABANDONED_UPLOAD_MS,
    private readonly now: () => number = Date.now,
    /** Where pushed layers are hashed: a worker pool beside the event loop, or null for in-line. */
    private readonly digestPool: LayerDigestPool | null = layerDigestPoolForThisMachine(),
  ) {}

  /** The "done" guard (`require_completion`): 400 while the upload marker exists. */
  async assertComplete(id: string): Promise<void> {
    if (await this.storage.exists(paths.imageInProgress(id))) throw new V1Error('IMAGE_IN_PROGRESS');
  }

  async exists(id: string): Promise<boolean> {
    return this.storage.exists(paths.imageJson(id));
  }

  async isComplete(id: string): Promise<boolean> {
    return (await this.exists(id)) && !(await this.storage.exists(paths.imageInProgress(id)));
  }

  /** The image json byte for byte as pushed. Rejects IMAGE_NOT_FOUND. */
  async jsonBytes(id: string): Promise<Buffer> {
    return this.read(paths.imageJson(id));
  }

  /** R4 body and headers. Rejects IMAGE_NOT_FOUND. */
  async getJson(id: string): Promise<StoredImageJson> {
    const bytes = await this.jsonBytes(id);
    const layerSize = await this.storage.stat(paths.imageLayer(id)).then((s) => s.size, notFoundAs(null));
    const checksums = await this.readChecksums(id);
    return { bytes, layerSize, payloadChecksum: checksums?.find((c) => c.startsWith('sha256:')) ?? null };
  }

  /**
   * R5, checks in docker-registry's order (plus: no parent cycle, the upload bound to `uploader`); then
   * marker, owner, old checksum removed, json, ancestry.
   */
  async putJson(id: string, raw: Buffer, checks: PutJsonChecks, uploader: Uploader): Promise<void> {
    let data: unknown;
    try {
      data = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new V1Error('INVALID_JSON');
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data) || Object.keys(data).length === 0) throw new V1Error('INVALID_JSON');
    const json = data as { id?: unknown; parent?: unknown };
    if (!('id' in json)) throw new V1Error('MISSING_JSON_ID');
    if (json.id !== id) throw new V1Error('JSON_ID_MISMATCH');
    // A complete image is a 409 before anything else is asked: Docker re-PUTs the json of every image it
    // could not look up (§10 Q2), base images another repository declared first included.
    if (await this.isComplete(id)) throw new V1Error('IMAGE_EXISTS');
    if (!checks.belongsToRepository(id)) throw new V1Error('IMAGE_NOT_IN_REPOSITORY');
    // LEGACY: §4.1 R5 — docker-registry tested `if parent_id` (Python truthiness) and then looked the parent
    // up as a path, so any other truthy value (a number, true, a list, an object) named no existing image.
    let parentAncestry: string[] = [];
    if (isTruthy(json.parent)) {
      if (typeof json.parent !== 'string' || !isRegistryImageId(json.parent) || !(await this.storage.exists(paths.imageJson(json.parent)))) throw new V1Error('PARENT_NOT_FOUND');
      parentAncestry = await this.getAncestry(json.parent);
      // An image that is its own ancestor would have an ever-growing ancestry and no base layer.
      if (parentAncestry.includes(id)) throw new V1Error('PARENT_CYCLE');
    }
    if (parentAncestry.length > 0 && !(await checks.parentAccess(parentAncestry))) throw new V1Error('PARENT_UNAUTHORIZED');
    await this.uploads.run(id, async () => {
      const takeOver = await this.assertUploadable(id, uploader);
      // A new image, or a retry after a failed push: the marker permits the overwrite (§10 Q14).
      await this.storage.putContent(paths.imageInProgress(id), 'true');
      if (uploader !== null && (takeOver || (await this.ownerOf(id)) === null)) {
        await this.storage.putContent(paths.imageOwner(id), uploader);
        await this.addHolder(id, uploader);
      }
      await this.storage.delete(paths.imageChecksum(id)).catch(notFoundAs(undefined));
      await this.storage.putContent(paths.imageJson(id), raw);
      await this.storage.putContent(paths.imageAncestry(id), JSON.stringify([id, ...parentAncestry]));
    });
  }

  /**
   * 409 for a complete image, and for one whose upload another repository started (unless that upload is
   * abandoned). Resolves true when `uploader` takes an abandoned upload over.
   */
  private async assertUploadable(id: string, uploader: Uploader): Promise<boolean> {
    if ((await this.storage.exists(paths.imageJson(id))) && !(await this.storage.exists(paths.imageInProgress(id)))) throw new V1Error('IMAGE_EXISTS');
    if (uploader === null) return false;
    const owner = await this.ownerOf(id);
    if (owner === null || owner === uploader) return false;
    const marker = await this.storage.stat(paths.imageInProgress(id)).catch(notFoundAs(null));
    if (marker === null) return false;
    if (this.now() - marker.modifiedAt.getTime() < this.abandonedUploadMs) throw new V1Error('IMAGE_EXISTS', { message: ANOTHER_UPLOAD });
    await this.removeHolder(id, owner);
    return true;
  }

  /** The repository whose push uploaded the image (`ns/repo`), or null (none recorded). */
  async ownerOf(id: string): Promise<string | null> {
    const bytes = await this.storage.getContent(paths.imageOwner(id)).catch(notFoundAs(null));
    return bytes === null ? null : bytes.toString('utf8');
  }

  /** True when repository `name` (`ns/repo`) holds the image: uploaded it or tagged it. */
  async isHeldBy(id: string, name: string): Promise<boolean> {
    return this.storage.exists(paths.imageHolder(id, name));
  }

  /** The repositories holding the image, its uploader first. */
  async holders(id: string): Promise<string[]> {
    const entries = await this.storage.list(paths.imageHolders(id)).catch(notFoundAs([] as string[]));
    const names = entries.map(paths.unquoteComponent).filter((n): n is string => n !== null);
    const owner = await this.ownerOf(id);
    return owner !== null && names.includes(owner) ? [owner, ...names.filter((n) => n !== owner)] : names;
  }

  async addHolder(id: string, name: string): Promise<void> {
    if (!(await this.isHeldBy(id, name))) await this.storage.putContent(paths.imageHolder(id, name), '');
  }

  async removeHolder(id: string, name: string): Promise<void> {
    await this.storage.delete(paths.imageHolder(id, name)).catch(notFoundAs(undefined));
  }

  /**
   * R7: streams the body into storage while computing the payload checksum and TarSum; stores them in
   * `_checksum`. The image stays in progress until PUT checksum. On any failure (client abort, source error,
   * storage error) nothing new is visible and a previous layer is untouched.
   */
  async putLayer(id: string, body: Readable, uploader: Uploader, signal?: AbortSignal): Promise<LayerDigests> {
    return this.uploads.run(id, () => this.storeLayer(id, body, uploader, signal));
  }

  private async storeLayer(id: string, body: Readable, uploader: Uploader, signal?: AbortSignal): Promise<LayerDigests> {
    const json = await this.read(paths.imageJson(id));
    await this.assertUploadable(id, uploader);
    const digests = await this.writeLayer(id, json, body, signal);
    await this.storage.putContent(paths.imageChecksum(id), JSON.stringify([digests.payload]));
    return digests;
  }

  /**
   * Streams `body` into the image's layer, visible only once whole, hashing each byte once on the way: the
   * payload checksum, which every Docker ≥ 0.10 client sends back in R8, on a digest worker so the event loop
   * keeps reading and writing meanwhile. The TarSum docker-registry also kept is computed only for a client
   * that sends one instead (completeUpload), and the plain sha256 nothing reads is not computed at all.
   */
  private async writeLayer(id: string, json: Buffer, body: Readable, signal: AbortSignal | undefined): Promise<LayerDigests> {
    const payloadOnly: LayerDigesterOptions = { json, tarsumVersions: [], rawSha256: false };
    const digester = createLayerDigester({ ...payloadOnly, pool: this.digestPool });
    digestAlongside(body, digester);
    try {
      await this.storage.writeStream(paths.imageLayer(id), body, signal ? { signal } : {});
    } catch (err) {
      void digester.finish().catch(() => undefined); // ends the worker's session; the layer is not kept
      throw err;
    }
    return digester.finish().catch((err: unknown) => {
      if (!(err instanceof DigestWorkerError)) throw err;
      // The worker died with the checksum it owed; the layer is stored whole, so hash it again from there.
      return this.digestStoredLayer(id, payloadOnly);
    });
  }

  /**
   * Digests the stored layer of `id` off the event loop (a worker even on one core: a TarSum is a long pass
   * other requests should not wait behind), or in-line if the digest worker dies meanwhile.
   */
  private async digestStoredLayer(id: string, options: LayerDigesterOptions): Promise<LayerDigests> {
    const run = async (pool: LayerDigestPool | null): Promise<LayerDigests> => digestStream((await this.openLayer(id)).stream, { ...options, pool });
    return run(this.digestPool ?? sharedLayerDigestPool()).catch((err: unknown) => {
      if (!(err instanceof DigestWorkerError)) throw err;
      return run(null);
    });
  }

  /**
   * A mirror's copy of an upstream image (§9 item 8), written so that it exists only once whole: the layer
   * first (streamed, temporary name renamed into place), checked against what upstream declared, then
   * checksum and ancestry, the json last — `exists` is the json. If `layer` fails, is cut short or does not
   * match, nothing of the image is visible and the error is rethrown. Resolves the layer's digests.
   */
  async storeMirrored(id: string, image: { json: Buffer; ancestry: readonly string[]; size: number | null; payload: string | null }, layer: Readable, signal?: AbortSignal): Promise<LayerDigests> {
    return this.uploads.run(id, async () => {
      const digests = await this.writeLayer(id, image.json, layer, signal);
      const mismatch = image.size !== null && digests.size !== image.size ? `size ${digests.size}, upstream declared ${image.size}`
        : image.payload !== null && digests.payload !== image.payload ? `checksum ${digests.payload}, upstream declared ${image.payload}` : null;
      if (mismatch !== null) {
        await this.storage.delete(paths.imageLayer(id)).catch(notFoundAs(undefined));
        throw new Error(`upstream layer of ${id} does not match its json: ${mismatch}`);
      }
      await this.storage.putContent(paths.imageChecksum(id), JSON.stringify([digests.payload]));
      await this.storage.putContent(paths.imageAncestry(id), JSON.stringify(image.ancestry));
      await this.storage.putContent(paths.imageJson(id), image.json);
      return digests;
    });
  }

  /**
   * docker-registry kept every checksum it computed and R8 accepts any of them (§7.1): a TarSum sent instead
   * of the payload checksum is checked against the TarSum of the stored layer, computed now on a worker
   * thread (off the event loop) and kept beside the payload checksum.
   */
  private async checksumsWithTarSum(id: string, checksums: string[]): Promise<string[]> {
    if (checksums.some((c) => c.startsWith('tarsum'))) return checksums;
    const json = await this.read(paths.imageJson(id));
    const tarsum = (await this.digestStoredLayer(id, { json, tarsumVersions: ['tarsum'], rawSha256: false, payloadChecksum: false })).tarsums.tarsum;
    if (!tarsum) return checksums;
    const all = [...checksums, tarsum];
    await this.storage.putContent(paths.imageChecksum(id), JSON.stringify(all));
    return all;
  }

  /** R8. `payload` is the X-Docker-Checksum-Payload header (undefined when absent). */
  async putChecksum(id: string, payload: string | undefined, uploader: Uploader): Promise<void> {
    if (payload === undefined) throw new V1Error('CHECKSUM_PAYLOAD_NOT_SET');
    // docker-registry's `not checksum`: only an empty value is "missing"; anything else is compared as sent.
    if (payload === '') throw new V1Error('CHECKSUM_MISSING');
    await this.uploads.run(id, () => this.completeUpload(id, payload, uploader));
  }

  private async completeUpload(id: string, payload: string, uploader: Uploader): Promise<void> {
    if (!(await this.storage.exists(paths.imageJson(id)))) throw new V1Error('IMAGE_NOT_FOUND');
    if (!(await this.storage.exists(paths.imageInProgress(id)))) throw new V1Error('CHECKSUM_CANNOT_SET');
    await this.assertUploadable(id, uploader);
    let checksums = await this.readChecksums(id);
    if (checksums === null) throw new V1Error('LAYER_NOT_UPLOADED');
    if (!checksums.includes(payload) && payload.startsWith('tarsum')) checksums = await this.checksumsWithTarSum(id, checksums);
    if (!checksums.includes(payload)) throw new V1Error('CHECKSUM_MISMATCH');
    await this.storage.delete(paths.imageInProgress(id)).catch(notFoundAs(undefined));
  }

  /** R6: opens the layer (whole or a byte range). Rejects IMAGE_NOT_FOUND. */
  async openLayer(id: string, range?: ByteRange): Promise<OpenedObject> {
    try {
      return await this.storage.openRead(paths.imageLayer(id), range);
    } catch (err) {
      throw translateNotFound(err);
    }
  }

  async layerSize(id: string): Promise<number> {
    try {
      return (await this.storage.stat(paths.imageLayer(id))).size;
    } catch (err) {
      throw translateNotFound(err);
    }
  }

  /** R9: `[id, parent, grandparent, …]`. Rejects IMAGE_NOT_FOUND. */
  async getAncestry(id: string): Promise<string[]> {
    const bytes = await this.read(paths.imageAncestry(id));
    return JSON.parse(bytes.toString('utf8')) as string[];
  }

  /** R10: the layer's files, computed once and cached in `_files`. */
  async getFiles(id: string): Promise<FileEntry[]> {
    const cached = await this.storage.getContent(paths.imageFiles(id)).catch(notFoundAs(null));
    if (cached) return JSON.parse(cached.toString('utf8')) as FileEntry[];
    const { stream } = await this.openLayer(id);
    const files = await listLayerFiles(stream);
    if (files === null) throw new V1Error('INVALID_REQUEST', { message: 'Layer format not supported' });
    await this.storage.putContent(paths.imageFiles(id), JSON.stringify(files));
    return files;
  }

  /** R11: what this layer changed against its ancestors (computed inline; docker-registry queued it). */
  async getDiff(id: string): Promise<LayerDiff> {
    const cached = await this.storage.getContent(paths.imageDiff(id)).catch(notFoundAs(null));
    if (cached) return JSON.parse(cached.toString('utf8')) as LayerDiff;
    const [, ...ancestors] = await this.getAncestry(id);
    const ancestorFiles: FileEntry[][] = [];
    for (const ancestor of ancestors) ancestorFiles.push(await this.getFiles(ancestor));
    const diff = diffAgainstAncestors(await this.getFiles(id), ancestorFiles);
    await this.storage.putContent(paths.imageDiff(id), JSON.stringify(diff));
    return diff;
  }

  /** Removes an image and everything under it (used by repository garbage collection). */
  async delete(id: string): Promise<void> {
    await this.storage.delete(paths.imageDir(id)).catch(notFoundAs(undefined));
  }

  private async read(path: string): Promise<Buffer> {
    try {
      return await this.storage.getContent(path);
    } catch (err) {
      throw translateNotFound(err);
    }
  }

  private async readChecksums(id: string): Promise<string[] | null> {
    const bytes = await this.storage.getContent(paths.imageChecksum(id)).catch(notFoundAs(null));
    if (!bytes) return null;
    const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
    return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : null;
  }
}

function translateNotFound(err: unknown): unknown {
  return err instanceof PathNotFoundError ? new V1Error('IMAGE_NOT_FOUND', { cause: err }) : err;
}

/** A catch handler that turns PathNotFoundError into `value` and rethrows anything else. */
export function notFoundAs<T>(value: T): (err: unknown) => T {
  return (err) => {
    if (err instanceof PathNotFoundError) return value;
    throw err;
  };
}

/** Python's truth test on a decoded JSON value: null, false, 0, "", [] and {} are false. */
function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
