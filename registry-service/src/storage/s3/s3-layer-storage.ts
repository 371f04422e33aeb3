// S3 driver (AWS SDK v3). Objects live under an optional key prefix, one key per storage path.
// writeStream uses lib-storage's Upload, which streams a body of unknown length as a multipart
// upload; a multipart upload is invisible until completed and is aborted on failure, so a failed
// write leaves nothing visible. S3 needs parts of at least 5 MiB, so each upload buffers up to
// `partSize × queueSize` bytes, and a layer smaller than one part is buffered whole and sent as a
// single PUT — the one place a layer sits in memory outside the memory driver.
//
// Like every driver, it reports absent paths as PathNotFoundError and leaves other failures raw;
// CheckedLayerStorage (applied by createLayerStorage) validates paths and wraps those failures.
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  PathNotFoundError,
  STORAGE_ROOT,
  streamedObject,
  type ByteRange,
  type LayerStorage,
  type ObjectStat,
  type OpenedObject,
  type WriteStreamOptions,
} from '../layer-storage.js';

/** S3's minimum multipart part size, and ours. */
const DEFAULT_PART_SIZE = 5 * 1024 * 1024;
/** Parts in flight per upload; bounds memory at partSize × queueSize. */
const DEFAULT_QUEUE_SIZE = 2;
/** DeleteObjects accepts at most 1000 keys, which is also ListObjectsV2's page size. */
const DELETE_BATCH = 1000;

export interface S3ClientSettings {
  readonly region: string;
  /** Custom endpoint (MinIO, s3rver, …); omit for AWS. */
  readonly endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`); most S3-compatible servers need this. */
  readonly forcePathStyle: boolean;
  /** Explicit credentials; omitted means the SDK's default chain (AWS_* env, profile, instance role…). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * Builds an S3 client for this driver. Checksums are only computed when an operation requires one:
 * the SDK's default (WHEN_SUPPORTED) sends streamed bodies as aws-chunked with trailing checksums,
 * which S3-compatible servers such as s3rver store verbatim, silently corrupting the object.
 */
export function createS3Client(settings: S3ClientSettings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.credentials === undefined ? {} : { credentials: { ...settings.credentials } }),
  });
}

export interface S3LayerStorageOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix, without leading or trailing `/`; '' stores at the bucket root. */
  readonly prefix?: string;
  /** Destroy `client` on close(); true when the storage built the client itself. */
  readonly ownsClient?: boolean;
  /** Multipart part size in bytes (≥ 5 MiB); defaults to 5 MiB. */
  readonly partSize?: number;
  /** Parts uploaded concurrently per writeStream; defaults to 2. */
  readonly queueSize?: number;
}

export class S3LayerStorage implements LayerStorage {
  readonly driverName = 's3';
  readonly bucket: string;
  /** Normalised key prefix: '' or `some/prefix` (no slashes at either end). */
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(options: S3LayerStorageOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.ownsClient = options.ownsClient ?? false;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
  }

  async getContent(path: string): Promise<Buffer> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
      const bytes = await requireBody(response.Body).transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw this.notFoundFor(err, path);
    }
  }

  async putContent(path: string, content: Uint8Array | string): Promise<void> {
    const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(path), Body: body, ContentLength: body.byteLength }));
  }

  async openRead(path: string, range?: ByteRange): Promise<OpenedObject> {
    const start = range?.start ?? 0;
    // NOTE: no Range header for a whole-object read: S3 rejects any range on an empty object (416).
    const header = start === 0 && range?.end === undefined ? undefined : `bytes=${start}-${range?.end ?? ''}`;
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path), ...(header === undefined ? {} : { Range: header }) }),
      );
      const stream = requireBody(response.Body);
      const size = totalSizeFromContentRange(response.ContentRange) ?? response.ContentLength ?? 0;
      return streamedObject(stream, size);
    } catch (err) {
      // A start at or past the end is "empty", not an error, in our contract (see LayerStorage).
      if (isUnsatisfiableRange(err)) return streamedObject(Readable.from([], { objectMode: false }), (await this.stat(path)).size);
      throw this.notFoundFor(err, path);
    }
  }

  async writeStream(path: string, source: Readable, opts: WriteStreamOptions = {}): Promise<{ size: number }> {
    const body = new PassThrough();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(path), Body: body },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    let uploadFailure: { error: unknown } | undefined;
    const uploaded = upload.done().then(
      () => undefined,
      (error: unknown) => {
        uploadFailure = { error };
        // Unblocks the feeding pipeline, which would otherwise wait forever for the upload to read.
        body.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      if (opts.signal === undefined) await pipeline(source, count, body);
      else await pipeline(source, count, body, { signal: opts.signal });
    } catch (feedError) {
      // The destroyed body makes the upload fail and abort its multipart upload; wait for that so
      // no request is still in flight when we report the failure. feedError is the first failure:
      // the source's error, the AbortError, or the upload's own error that destroyed the body.
      await uploaded;
      throw feedError;
    }
    await uploaded;
    if (uploadFailure !== undefined) throw uploadFailure.error;
    return { size };
  }

  async stat(path: string): Promise<ObjectStat> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
      return { size: response.ContentLength ?? 0, modifiedAt: response.LastModified ?? new Date(0) };
    } catch (err) {
      throw this.notFoundFor(err, path);
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** S3 has no cheap change token for a prefix (a listing is the only witness): always read again. */
  async listingVersion(prefix: string): Promise<string | null> {
    await this.list(prefix);
    return null;
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.dirKey(prefix);
    const children = new Set<string>();
    for await (const page of this.pages(base, '/')) {
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix !== undefined) children.add(common.Prefix.slice(base.length, -1));
      }
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) children.add(object.Key.slice(base.length));
      }
    }
    // An object named exactly `base` (a "folder marker" some tools create) is not a child.
    children.delete('');
    if (children.size === 0 && prefix !== STORAGE_ROOT) throw new PathNotFoundError(this.driverName, prefix);
    return [...children].sort();
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    let deleted = 0;
    // Listing by the bare key also returns siblings such as `a/bc` for `a/b`; the filter drops them.
    for await (const page of this.pages(key)) {
      const keys = (page.Contents ?? [])
        .map((object) => object.Key)
        .filter((candidate): candidate is string => candidate === key || candidate?.startsWith(`${key}/`) === true);
      for (let offset = 0; offset < keys.length; offset += DELETE_BATCH) {
        await this.deleteKeys(keys.slice(offset, offset + DELETE_BATCH));
      }
      deleted += keys.length;
    }
    if (deleted === 0) throw new PathNotFoundError(this.driverName, path);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const response = await this.client.send(
      new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
    const failure = response.Errors?.[0];
    if (failure !== undefined) {
      throw new Error(`DeleteObjects failed for ${response.Errors?.length} key(s), first ${failure.Key}: ${failure.Code} ${failure.Message}`);
    }
  }

  /** All pages of a ListObjectsV2 over `prefix`, following continuation tokens. */
  private async *pages(prefix: string, delimiter?: string): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
      yield page;
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  private key(path: string): string {
    return this.prefix === '' ? path : `${this.prefix}/${path}`;
  }

  /** The key prefix whose keys are the children of `path` (`''` for the root of an unprefixed store). */
  private dirKey(path: string): string {
    if (path === STORAGE_ROOT) return this.prefix === '' ? '' : `${this.prefix}/`;
    return `${this.key(path)}/`;
  }

  private notFoundFor(err: unknown, path: string): unknown {
    return isNotFound(err) ? new PathNotFoundError(this.driverName, path) : err;
  }
}

/** NoSuchKey from GET; a body-less 404 (`NotFound`) from HEAD. A missing bucket stays a backend error. */
function isNotFound(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'NoSuchKey') return true;
  return err.name === 'NotFound' && httpStatus(err) === 404;
}

function isUnsatisfiableRange(err: unknown): boolean {
  return err instanceof Error && (err.name === 'InvalidRange' || httpStatus(err) === 416);
}

function httpStatus(err: Error): number | undefined {
  const metadata = (err as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return metadata?.httpStatusCode;
}

/** `bytes 0-9/1234` → 1234; undefined when absent or the total is unknown (`*`). */
function totalSizeFromContentRange(contentRange: string | undefined): number | undefined {
  const match = contentRange === undefined ? null : /\/(\d+)$/.exec(contentRange);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** In Node the SDK's streaming body is an http.IncomingMessage (a Readable) with SDK mixins. */
function requireBody(body: unknown): Readable & { transformToByteArray(): Promise<Uint8Array> } {
  if (!(body instanceof Readable)) throw new Error('S3 response has no readable body');
  return body as Readable & { transformToByteArray(): Promise<Uint8Array> };
}
