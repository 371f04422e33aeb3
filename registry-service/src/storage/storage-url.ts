// The command-line form of the storage configuration:
//   memory
//   local:DIR
//   s3://bucket[/prefix][?endpoint=http://host:port&region=us-east-1&forcePathStyle=true]
// Every problem is reported at once, so a user fixes a bad flag in one go.
import { storagePathProblem } from './checked-storage.js';
import type { LayerStorageConfig } from './create-layer-storage.js';

export type StorageUrlResult =
  | { readonly ok: true; readonly config: LayerStorageConfig }
  | { readonly ok: false; readonly problems: readonly string[] };

const USAGE = 'use "memory", "local:DIR" or "s3://bucket[/prefix]?endpoint=URL&region=REGION&forcePathStyle=true|false"';
const DEFAULT_REGION = 'us-east-1';
const S3_OPTIONS = ['endpoint', 'region', 'forcePathStyle'] as const;
/** S3 bucket naming rules: 3–63 of [a-z0-9.-], starting and ending with a letter or digit. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION_NAME = /^[a-z0-9-]+$/;

/**
 * Parses a storage URL. For S3, `region` defaults to us-east-1 and `forcePathStyle` defaults to
 * true when an endpoint is given (S3-compatible servers rarely do virtual-host buckets), else false.
 */
export function parseStorageUrl(url: string): StorageUrlResult {
  if (url === 'memory') return { ok: true, config: { driver: 'memory' } };
  if (url.startsWith('local:')) return parseLocal(url.slice('local:'.length));
  if (url.startsWith('s3://')) return parseS3(url.slice('s3://'.length));
  return fail([`unsupported storage ${JSON.stringify(url)}: ${USAGE}`]);
}

function parseLocal(root: string): StorageUrlResult {
  if (root === '') return fail([`"local:" needs a directory, e.g. local:./data`]);
  return { ok: true, config: { driver: 'local', root } };
}

function parseS3(rest: string): StorageUrlResult {
  const problems: string[] = [];
  const queryStart = rest.indexOf('?');
  const location = queryStart === -1 ? rest : rest.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : rest.slice(queryStart + 1));
  const slash = location.indexOf('/');
  const bucket = slash === -1 ? location : location.slice(0, slash);
  const prefix = slash === -1 ? '' : location.slice(slash + 1).replace(/^\/+|\/+$/g, '');

  if (bucket === '') problems.push(`s3 storage needs a bucket: s3://BUCKET[/prefix]`);
  else if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    problems.push(`${JSON.stringify(bucket)} is not a valid S3 bucket name (3–63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit)`);
  }
  const prefixProblem = prefix === '' ? null : storagePathProblem(prefix);
  if (prefixProblem !== null) problems.push(`s3 key prefix ${JSON.stringify(prefix)} is invalid: ${prefixProblem}`);

  for (const name of new Set(query.keys())) {
    if (!(S3_OPTIONS as readonly string[]).includes(name)) problems.push(`unknown s3 option ${JSON.stringify(name)} (known: ${S3_OPTIONS.join(', ')})`);
    else if (query.getAll(name).length > 1) problems.push(`s3 option ${JSON.stringify(name)} is given more than once`);
  }
  const endpoint = query.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !isHttpUrl(endpoint)) problems.push(`s3 endpoint ${JSON.stringify(endpoint)} must be an http:// or https:// URL`);
  const region = query.get('region') ?? DEFAULT_REGION;
  if (!REGION_NAME.test(region)) problems.push(`s3 region ${JSON.stringify(region)} is invalid (e.g. us-east-1)`);
  const pathStyle = query.get('forcePathStyle');
  if (pathStyle !== null && pathStyle !== 'true' && pathStyle !== 'false') {
    problems.push(`s3 option forcePathStyle must be "true" or "false", got ${JSON.stringify(pathStyle)}`);
  }

  if (problems.length > 0) return fail(problems);
  return {
    ok: true,
    config: {
      driver: 's3',
      bucket,
      prefix,
      region,
      forcePathStyle: pathStyle === null ? endpoint !== undefined : pathStyle === 'true',
      ...(endpoint === undefined ? {} : { endpoint }),
    },
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

function fail(problems: string[]): StorageUrlResult {
  return { ok: false, problems };
}
