/**
 * What a repository page shows that only a registry knows: tags, each tag's image chain, layer sizes and
 * creation dates. The Index holds none of it (the v1 split: the Index has image ids and checksums, the
 * registry has json, layers and tags), so the page asks a registry the repository is advertised on, as any
 * client would: with a read token this Index issues for the visitor, which the registry checks with the
 * Index like any other (§5.3). The token is deleted once the page has what it needs.
 */
import { buildPath, formatRepoName, requestText, type RepoName } from '@v1hub/shared';
import type { IndexDeps } from '../../deps.js';
import type { UserRecord } from '../../store/metadata-store.js';

const REQUEST_TIMEOUT_MS = 3_000;
const MAX_TAGS = 50;
const MAX_IMAGES = 200;
const CONCURRENCY = 8;

export interface ImageDetails {
  readonly id: string;
  readonly parent: string | null;
  /** Stored layer bytes (`X-Docker-Size`), when the registry said. */
  readonly size: number | null;
  readonly created: string | null;
  readonly checksum: string | null;
}

export interface TagDetails {
  readonly tag: string;
  readonly imageId: string;
  /** The tagged image first, then its parents (ancestry order). */
  readonly chain: readonly string[];
  /** Sum of the chain's known layer sizes. */
  readonly totalSize: number;
}

export interface RegistryView {
  /** The registry that answered (bare host:port), or null when none did. */
  readonly registry: string | null;
  readonly tags: readonly TagDetails[];
  readonly images: ReadonlyMap<string, ImageDetails>;
  /** Why the details are missing or partial, in words for the page. */
  readonly problem: string | null;
  /** More tags than the page shows. */
  readonly truncated: boolean;
}

async function getJson(url: string, authorization: string, ca: Buffer | undefined): Promise<{ status: number; body: unknown; header(name: string): string | null }> {
  const res = await requestText(url, { headers: { Authorization: authorization, 'User-Agent': 'v1hub-index-web' }, timeoutMs: REQUEST_TIMEOUT_MS, ...(ca ? { ca } : {}) });
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    body = null;
  }
  return { status: res.status, body, header: (name) => { const v = res.headers[name.toLowerCase()]; return typeof v === 'string' ? v : null; } };
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const isId = (value: unknown): value is string => typeof value === 'string' && /^[a-f0-9]{64}$/.test(value);

export async function readRegistryView(deps: IndexDeps, opts: { repo: RepoName; viewer: UserRecord | null; endpoints: readonly string[]; scheme: string; checksums: ReadonlyMap<string, string> }): Promise<RegistryView> {
  const empty = (problem: string | null, registry: string | null = null): RegistryView => ({ registry, tags: [], images: new Map(), problem, truncated: false });
  if (opts.endpoints.length === 0) return empty('No registry is advertised for this repository.');
  const issued = await deps.tokens.issue({ user: opts.viewer?.username ?? null, repo: opts.repo, access: 'read', peer: 'web-ui' });
  const authorization = `Token ${issued.value}`;
  try {
    const failures: string[] = [];
    for (const endpoint of opts.endpoints) {
      const base = `${opts.scheme}://${endpoint}`;
      let tags: Record<string, unknown>;
      try {
        const res = await getJson(base + buildPath('getTags', { ns: opts.repo.namespace, repo: opts.repo.repository }), authorization, deps.ca);
        if (res.status === 404) return empty(null, endpoint);
        if (res.status !== 200 || res.body === null || typeof res.body !== 'object' || Array.isArray(res.body)) {
          failures.push(`${endpoint} answered ${res.status}`);
          continue;
        }
        tags = res.body as Record<string, unknown>;
      } catch (err) {
        failures.push(`${endpoint} did not answer (${(err as Error).message})`);
        continue;
      }
      return await readTags(base, endpoint, tags, authorization, opts.checksums, deps.ca);
    }
    return empty(`The registries could not be read: ${failures.join('; ')}.`);
  } finally {
    await deps.store.tokens.delete(formatRepoName(opts.repo), issued.record.signature).catch(() => undefined);
  }
}

async function readTags(base: string, endpoint: string, body: Record<string, unknown>, authorization: string, checksums: ReadonlyMap<string, string>, ca: Buffer | undefined): Promise<RegistryView> {
  const all = Object.entries(body).filter((entry): entry is [string, string] => isId(entry[1])).sort(([a], [b]) => (a === 'latest' ? -1 : b === 'latest' ? 1 : a.localeCompare(b)));
  const shown = all.slice(0, MAX_TAGS);
  const chains = await mapLimited(shown, CONCURRENCY, async ([, id]) => {
    try {
      const res = await getJson(`${base}${buildPath('getImageAncestry', { imageId: id })}`, authorization, ca);
      return Array.isArray(res.body) ? res.body.filter(isId) : [id];
    } catch {
      return [id];
    }
  });
  const ids = [...new Set(chains.flat())].slice(0, MAX_IMAGES);
  const details = await mapLimited(ids, CONCURRENCY, async (id): Promise<ImageDetails> => {
    try {
      const res = await getJson(`${base}${buildPath('getImageJson', { imageId: id })}`, authorization, ca);
      const json = (res.body ?? {}) as Record<string, unknown>;
      const sizeHeader = res.header('X-Docker-Size');
      const size = Number(sizeHeader);
      return {
        id,
        parent: isId(json.parent) ? json.parent : null,
        size: res.status === 200 && sizeHeader !== null && Number.isFinite(size) ? size : null,
        created: typeof json.created === 'string' ? json.created : null,
        checksum: res.header('X-Docker-Checksum-Payload') ?? checksums.get(id) ?? null,
      };
    } catch {
      return { id, parent: null, size: null, created: null, checksum: checksums.get(id) ?? null };
    }
  });
  const images = new Map(details.map((d) => [d.id, d]));
  const tags = shown.map(([tag, imageId], i) => {
    const chain = chains[i] ?? [imageId];
    return { tag, imageId, chain, totalSize: chain.reduce((sum, id) => sum + (images.get(id)?.size ?? 0), 0) };
  });
  return { registry: endpoint, tags, images, problem: null, truncated: all.length > shown.length };
}
