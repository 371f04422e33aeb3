/**
 * Parses the `metadata` setting: which MetadataStore to open and where. Pure, so config validation can
 * report a bad URL at boot with one clear line.
 *
 *   memory                                   volatile, in-process
 *   file:DIR  (or file:///abs/dir)           embedded and persistent, in DIR
 *   redis://[[user]:password@]host[:port][/db]
 *   redis+cluster://[[user]:password@]h1:p1,h2:p2,…
 *   redis+sentinel://[[user]:password@]h1:p1,h2:p2/mastername[/db]
 *
 * Ports default to 6379 (26379 for sentinels); user and password are percent-decoded.
 */
import { fileURLToPath } from 'node:url';
import type { ReadResult } from '@v1hub/shared';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

interface RedisCredentials {
  readonly username?: string;
  readonly password?: string;
}

export type RedisTarget =
  | ({ readonly kind: 'redis'; readonly mode: 'standalone'; readonly host: string; readonly port: number; readonly db: number } & RedisCredentials)
  | ({ readonly kind: 'redis'; readonly mode: 'cluster'; readonly nodes: readonly HostPort[] } & RedisCredentials)
  | ({ readonly kind: 'redis'; readonly mode: 'sentinel'; readonly sentinels: readonly HostPort[]; readonly masterName: string; readonly db: number } & RedisCredentials);

export type MetadataUrl = { readonly kind: 'memory' } | { readonly kind: 'file'; readonly dir: string } | RedisTarget;

const FORMS = 'memory, file:DIR, redis://host:port[/db], redis+cluster://h1:p1,h2:p2 or redis+sentinel://h1:p1,h2:p2/mastername';

const ok = <T>(value: T): ReadResult<T> => ({ ok: true, value });
const fail = <T>(error: string): ReadResult<T> => ({ ok: false, error });

export function parseMetadataUrl(url: string): ReadResult<MetadataUrl> {
  if (url === 'memory') return ok({ kind: 'memory' });
  if (url.startsWith('file:')) return parseFile(url);
  const match = /^(redis|redis\+cluster|redis\+sentinel):\/\/(.*)$/.exec(url);
  if (match === null) return fail(`unsupported metadata store ${JSON.stringify(url)}; use ${FORMS}`);
  const scheme = match[1] as 'redis' | 'redis+cluster' | 'redis+sentinel';
  const rest = match[2] ?? '';
  if (rest.includes('?') || rest.includes('#')) return fail(`${scheme} URL must not have a query or fragment: ${redact(url)}`);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  const credentials = at === -1 ? ok<RedisCredentials>({}) : parseCredentials(authority.slice(0, at));
  if (!credentials.ok) return fail(`${credentials.error} in ${redact(url)}`);
  const hosts = parseHosts(authority.slice(at + 1), scheme === 'redis+sentinel' ? 26379 : 6379);
  if (!hosts.ok) return fail(`${hosts.error} in ${redact(url)}`);
  const target = buildTarget(scheme, hosts.value, path, credentials.value);
  return target.ok ? target : fail(`${target.error} in ${redact(url)}`);
}

/** The URL's meaning with the password left out, for logs and messages. */
export function describeMetadataUrl(parsed: MetadataUrl): string {
  const list = (hosts: readonly HostPort[]) => hosts.map(formatHostPort).join(',');
  switch (parsed.kind) {
    case 'memory':
      return 'memory';
    case 'file':
      return `file:${parsed.dir}`;
    case 'redis':
      if (parsed.mode === 'standalone') return `redis://${formatHostPort(parsed)}/${parsed.db}`;
      if (parsed.mode === 'cluster') return `redis+cluster://${list(parsed.nodes)}`;
      return `redis+sentinel://${list(parsed.sentinels)}/${parsed.masterName}/${parsed.db}`;
  }
}

function parseFile(url: string): ReadResult<MetadataUrl> {
  if (url.startsWith('file://')) {
    try {
      return ok({ kind: 'file', dir: fileURLToPath(url) });
    } catch (err) {
      return fail(`invalid file URL ${JSON.stringify(url)}: ${(err as Error).message}`);
    }
  }
  const dir = url.slice('file:'.length);
  return dir === '' ? fail('file: needs a directory, e.g. file:./data/index') : ok({ kind: 'file', dir });
}

function parseCredentials(userinfo: string): ReadResult<RedisCredentials> {
  const colon = userinfo.indexOf(':');
  if (colon === -1) return fail('credentials must be written ":password@" or "user:password@"');
  try {
    const username = decodeURIComponent(userinfo.slice(0, colon));
    const password = decodeURIComponent(userinfo.slice(colon + 1));
    return ok({ ...(username === '' ? {} : { username }), ...(password === '' ? {} : { password }) });
  } catch {
    return fail('credentials contain a malformed %-escape');
  }
}

function parseHosts(list: string, defaultPort: number): ReadResult<HostPort[]> {
  if (list === '') return fail('no host given');
  const hosts: HostPort[] = [];
  for (const item of list.split(',')) {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/@]+))(?::(\d+))?$/.exec(item);
    if (match === null) return fail(`${JSON.stringify(item)} is not host or host:port`);
    const port = match[3] === undefined ? defaultPort : Number(match[3]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return fail(`port ${match[3]} is out of range 1-65535`);
    hosts.push({ host: match[1] ?? match[2] ?? '', port });
  }
  return ok(hosts);
}

function buildTarget(scheme: 'redis' | 'redis+cluster' | 'redis+sentinel', hosts: HostPort[], path: string, credentials: RedisCredentials): ReadResult<RedisTarget> {
  const segments = path === '' ? [] : path.split('/');
  if (scheme === 'redis') {
    const host = hosts[0];
    if (hosts.length !== 1 || host === undefined) return fail('redis:// takes exactly one host (use redis+cluster:// or redis+sentinel:// for several)');
    if (segments.length > 1) return fail('redis:// path must be a database number, e.g. /0');
    const db = parseDb(segments[0]);
    return db.ok ? ok({ kind: 'redis', mode: 'standalone', ...host, db: db.value, ...credentials }) : db;
  }
  if (scheme === 'redis+cluster') {
    if (segments.some((segment) => segment !== '')) return fail('redis+cluster:// takes no path (Redis Cluster has only database 0)');
    return ok({ kind: 'redis', mode: 'cluster', nodes: hosts, ...credentials });
  }
  const masterName = segments[0] ?? '';
  if (masterName === '') return fail('redis+sentinel:// needs the master name as its path, e.g. /mymaster');
  if (segments.length > 2) return fail('redis+sentinel:// path must be /mastername or /mastername/db');
  const db = parseDb(segments[1]);
  return db.ok ? ok({ kind: 'redis', mode: 'sentinel', sentinels: hosts, masterName, db: db.value, ...credentials }) : db;
}

function parseDb(segment: string | undefined): ReadResult<number> {
  if (segment === undefined || segment === '') return ok(0);
  return /^\d{1,5}$/.test(segment) ? ok(Number(segment)) : fail(`database ${JSON.stringify(segment)} is not a number`);
}

function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The URL with any password replaced, for error messages (config errors end up in logs). */
function redact(url: string): string {
  return url.replace(/^([^:]+:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
