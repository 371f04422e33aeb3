// A throwaway S3-compatible server for tests (s3rver on a loopback port, data in a temp dir).
//
// NOTE: clients talking to it must be built with
//   requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED'
// (AWS SDK v3 ≥ 3.729 otherwise sends streamed uploads with aws-chunked trailing checksums, which
// s3rver stores verbatim, corrupting the object) and with forcePathStyle: true.
// Known s3rver 3.7 gaps: s3rver lacks AbortMultipartUpload (it answers MethodNotAllowed; the
// parts stay in its hidden uploads directory and never become an object), signature v4 is not
// verified (only the access key id), and `Range: bytes=0-0` returns the whole object. Its listing
// with a delimiter drops common prefixes; fixDelimiterListing below repairs that one.
import S3rver from 's3rver';
import { makeTempDir } from './temp-dir.js';

/** s3rver's built-in account; v4 signatures are not checked, but the key id must match. */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3ServerOptions {
  /** Bucket created before the server starts; defaults to `v1hub-test`. */
  readonly bucket?: string;
}

export interface S3Server {
  /** `http://127.0.0.1:<port>`; use with `forcePathStyle: true`. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** Directory holding the server's data; removed by `stop()`. */
  readonly dir: string;
  /** Closes the listener and removes `dir`. Close SDK clients first so no request is in flight. */
  stop(): Promise<void>;
}

/** Starts s3rver on a free loopback port with one empty bucket, logging silenced. */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const bucket = options.bucket ?? 'v1hub-test';
  const dir = await makeTempDir('v1hub-s3rver');
  const server = new S3rver({
    address: '127.0.0.1',
    // Port 0: the kernel picks a free port at bind time, so there is no window for another process.
    port: 0,
    silent: true,
    directory: dir.path,
    configureBuckets: [{ name: bucket }],
  });
  fixDelimiterListing(server);
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (err) {
    await dir.remove();
    throw err;
  }
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    ...S3RVER_CREDENTIALS,
    region: 'us-east-1',
    dir: dir.path,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      await dir.remove();
    },
  };
}

/**
 * s3rver 3.7 stops walking at every directory below the first delimiter and only derives common
 * prefixes from objects it found, so a prefix whose objects all sit two or more levels down
 * (`images/<id>/json` when listing the root) is silently missing from a delimiter listing. This
 * wraps its store: delimiter listings walk everything under the prefix and group keys themselves.
 * NOTE: such listings come back as one untruncated page, ignoring max-keys; S3 clients that follow
 * continuation tokens handle that fine, and test buckets are small.
 */
function fixDelimiterListing(server: S3rver): void {
  const store = server.store;
  const listWithoutDelimiter = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const { delimiter, prefix = '' } = options;
    if (delimiter === undefined || delimiter === '') return listWithoutDelimiter(bucket, options);
    const everything = await listWithoutDelimiter(bucket, { ...options, delimiter: '', maxKeys: Infinity });
    const objects: typeof everything.objects = [];
    const commonPrefixes = new Set<string>();
    for (const object of everything.objects) {
      const cut = object.key.indexOf(delimiter, prefix.length);
      if (cut === -1) objects.push(object);
      else commonPrefixes.add(object.key.slice(0, cut + delimiter.length));
    }
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated: false };
  };
}
