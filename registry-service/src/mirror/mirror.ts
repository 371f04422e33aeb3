/**
 * Mirror mode (§9 item 8, docker-registry's `mirroring`): a read-only pull-through cache of an upstream
 * registry and its Index. What is not held here is asked upstream with the client's own headers forwarded
 * (docker-registry's `source_lookup`); what upstream serves to anyone is also kept:
 *
 * - **Only public content is kept.** Before keeping, the mirror asks the upstream Index for the repository's
 *   image list *anonymously* (I8 with `X-Docker-Token: true`). Only when that succeeds, and the image is on
 *   that list, does it fetch with the anonymous token it got and keep the answer; a private repository's
 *   content is relayed with the client's credentials and never stored, so nothing held here needs an access
 *   check to be served. (docker-registry kept whatever a privileged client pulled and served it to everyone.)
 * - **Layers stream.** A layer is written to storage at upstream's pace while it is sent to the client; one
 *   fetch per image at a time, and concurrent pulls of it wait for the stored copy. A client slower than
 *   upstream is fed from a bounded queue, then, once it falls too far behind, from the stored copy. A fetch
 *   cut short leaves nothing behind, and the client's connection is cut too, so it knows.
 * - **Tags are kept for the TTL** (`--mirror-tags-ttl`), and served past it while upstream cannot be reached.
 */
import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { PassThrough } from 'node:stream';
import { Header, V1Error, buildPath, formatRepoName, isRegistryImageId, type Logger, type RepoName, type RequestState } from '@v1hub/shared';
import type { ImageStore } from '../images/image-store.js';
import { notFoundAs } from '../images/image-store.js';
import type { LayerStorage, OpenedObject } from '../storage/layer-storage.js';
import * as paths from '../storage/paths.js';
import { passableHeaders, upstreamUnavailable, type UpstreamAnswer, type UpstreamClient } from './upstream-client.js';

/** How long the upstream Index's "public or not" answer (and its anonymous token) is reused. */
const PUBLIC_ANSWER_MS = 30_000;
/** Bytes a client may fall behind the upstream fetch before it is served the rest from the stored copy. */
const CLIENT_QUEUE_BYTES = 8 << 20;
const ANONYMOUS: Readonly<Record<string, string>> = { 'user-agent': 'v1hub-mirror' };

/** How to fetch a repository's content for keeping: anonymous headers, and the images upstream lists for it. */
export interface CacheCredential {
  readonly headers: Readonly<Record<string, string>>;
  /** The ids the upstream Index lists for the repository; null when there is no list to check (standalone upstream). */
  readonly images: ReadonlySet<string> | null;
}

interface MirroredTags {
  readonly fetchedAt: number;
  readonly tags: Record<string, string>;
}

export interface MirrorOptions {
  readonly upstream: UpstreamClient;
  readonly index: UpstreamClient;
  readonly tagsTtlMs: number;
  readonly images: ImageStore;
  readonly storage: LayerStorage;
  readonly log: Logger;
  readonly now?: () => number;
}

export class Mirror {
  readonly upstream: UpstreamClient;
  readonly index: UpstreamClient;
  private readonly publicAnswers = new Map<string, { credential: CacheCredential | null; expiresAt: number }>();
  private readonly layerFetches = new Map<string, Promise<void>>();
  private standalone: { value: boolean; expiresAt: number } | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: MirrorOptions) {
    this.upstream = opts.upstream;
    this.index = opts.index;
    this.now = opts.now ?? Date.now;
  }

  close(): void {
    this.upstream.close();
    this.index.close();
  }

  /**
   * The credential to fetch `repo`'s content with for keeping, or null when upstream does not serve it to
   * anyone (private, absent, or an Index that does not answer I8). With no repository (a client that sent
   * no token) or a standalone upstream, an anonymous fetch: whatever upstream answers to it is public.
   */
  async cacheCredential(repo: RepoName | null): Promise<CacheCredential | null> {
    if (repo === null || (await this.upstreamIsStandalone())) return { headers: ANONYMOUS, images: null };
    const key = formatRepoName(repo);
    const known = this.publicAnswers.get(key);
    if (known && known.expiresAt > this.now()) return known.credential;
    const answer = await this.index.getSmall(buildPath('getRepositoryImages', { ns: repo.namespace, repo: repo.repository }), { ...ANONYMOUS, 'x-docker-token': 'true' });
    const listed = answer.status === 200 ? imageListOf(answer.bytes) : null;
    let credential: CacheCredential | null = null;
    if (listed !== null) {
      const token = answer.headers[Header.Token.toLowerCase()];
      credential = { headers: typeof token === 'string' && token !== '' ? { ...ANONYMOUS, authorization: `Token ${token}` } : ANONYMOUS, images: listed };
    }
    this.publicAnswers.set(key, { credential, expiresAt: this.now() + PUBLIC_ANSWER_MS });
    return credential;
  }

  /**
   * A standalone upstream (its ping says so, §5.6) checks nothing, so all it holds is public and there is no
   * Index to ask. Asked again after PUBLIC_ANSWER_MS, so an upstream restarted in another mode is noticed.
   */
  private async upstreamIsStandalone(): Promise<boolean> {
    if (this.standalone && this.standalone.expiresAt > this.now()) return this.standalone.value;
    const ping = await this.upstream.getSmall('/v1/_ping', ANONYMOUS);
    const header = String(ping.headers[Header.RegistryStandalone.toLowerCase()] ?? '').toLowerCase();
    const value = ping.status === 200 && (header === 'true' || header === '1');
    this.standalone = { value, expiresAt: this.now() + PUBLIC_ANSWER_MS };
    return value;
  }

  /**
   * R13: for a repository upstream still serves to anyone, the kept tags while fresh, else upstream's, kept;
   * with upstream away, the kept ones whatever their age. `private` when upstream serves the repository only
   * to some: the caller relays. `path` is the request's tags path, asked upstream as it is.
   */
  async tags(repo: RepoName, path: string): Promise<Record<string, string> | 'private'> {
    const file = paths.mirroredTags(repo.namespace, repo.repository);
    const kept = await this.readTags(file);
    let answer;
    try {
      // Asked first even for fresh tags (the answer is reused for PUBLIC_ANSWER_MS): a repository that went
      // private stops being served from here within that time.
      const credential = await this.cacheCredential(repo);
      if (credential === null) return 'private';
      if (kept && this.now() - kept.fetchedAt < this.opts.tagsTtlMs) return kept.tags;
      answer = await this.upstream.getSmall(path, credential.headers);
    } catch (err) {
      if (kept && err instanceof V1Error && err.status === 503) {
        this.opts.log.warn('upstream unavailable: serving kept tags', { repository: formatRepoName(repo), fetchedAt: new Date(kept.fetchedAt).toISOString() });
        return kept.tags;
      }
      throw err;
    }
    if (answer.status === 404) {
      await this.opts.storage.delete(file).catch(notFoundAs(undefined));
      throw new V1Error('REPOSITORY_NOT_FOUND');
    }
    if (answer.status === 401) this.publicAnswers.delete(formatRepoName(repo));
    const tags = answer.status === 200 ? tagsOf(answer.bytes) : null;
    if (tags === null) throw upstreamUnavailable(this.upstream.baseUrl, answer.status === 200 ? 'its tags answer is not a tag → id object' : `it answered ${answer.status}`);
    await this.opts.storage.putContent(file, JSON.stringify({ fetchedAt: this.now(), tags } satisfies MirroredTags));
    return tags;
  }

  /**
   * R6 for an image not held here, with a cache credential: fetched once (concurrent callers wait for the
   * stored copy, then find it held and answer `held`), sent to the client while it is stored. Resolves
   * `sent` when this call answered the client, `held` when the caller should serve the image from storage.
   */
  async sendAndKeepLayer(ctx: Context, id: string, credential: CacheCredential, isHeld: () => Promise<boolean>): Promise<'sent' | 'held'> {
    for (let running = this.layerFetches.get(id); running; running = this.layerFetches.get(id)) {
      await running;
      if (await isHeld()) return 'held';
    }
    let stored!: () => void;
    this.layerFetches.set(id, new Promise<void>((resolve) => (stored = resolve)));
    let finishClient: (() => Promise<void>) | null;
    try {
      finishClient = await this.fetchAndKeepLayer(ctx, id, credential);
    } finally {
      this.layerFetches.delete(id);
      stored();
    }
    if (finishClient) await finishClient();
    return 'sent';
  }

  /**
   * Fetches json, ancestry and layer with `credential`, answers the client, keeps the image. Resolves once the
   * copy is stored (or refused), with what is left to do for the client (the rest of its body), or null.
   */
  private async fetchAndKeepLayer(ctx: Context, id: string, credential: CacheCredential): Promise<(() => Promise<void>) | null> {
    const log = (ctx.state as RequestState).log;
    const json = await this.upstream.getSmall(`/v1/images/${id}/json`, credential.headers);
    if (json.status !== 200) return relaySmall(ctx, json);
    // What is kept must be what it claims to be: a json naming this id, an ancestry starting with it.
    if (!namesImage(json.bytes, id)) throw upstreamUnavailable(this.upstream.baseUrl, `its json of ${id} names another image`);
    const ancestry = await this.upstream.getSmall(`/v1/images/${id}/ancestry`, credential.headers);
    if (ancestry.status !== 200) return relaySmall(ctx, ancestry);
    const ids = ancestryOf(ancestry.bytes, id);
    if (ids === null) throw upstreamUnavailable(this.upstream.baseUrl, `its ancestry of ${id} does not start with it`);
    const layer = await this.upstream.get(`/v1/images/${id}/layer`, credential.headers);
    if (layer.status !== 200) {
      relay(ctx, layer);
      return null;
    }
    const declaredSize = numberHeader(layer.headers['content-length']) ?? numberHeader(json.headers[Header.Size.toLowerCase()]);
    const declaredPayload = json.headers[Header.ChecksumPayload.toLowerCase()];
    ctx.respond = false;
    const client = new ClientFeed(ctx.res, passableHeaders(layer.headers));
    const toStorage = new PassThrough({ highWaterMark: 1 << 20 });
    layer.body.on('data', (chunk: Buffer) => client.offer(chunk));
    layer.body.once('error', (err) => toStorage.destroy(err));
    layer.body.pipe(toStorage);
    let size: number;
    try {
      size = (await this.opts.images.storeMirrored(id, {
        json: json.bytes,
        ancestry: ids,
        size: declaredSize,
        payload: typeof declaredPayload === 'string' && declaredPayload !== '' ? declaredPayload : null,
      }, toStorage)).size;
    } catch (err) {
      // Upstream cut, storage failed, or the copy does not match: nothing is kept, and the client, which may
      // have had all but its last chunk, learns of it by a cut connection.
      if (!layer.body.complete) layer.body.destroy();
      client.fail();
      log.warn('mirrored layer not kept', { image: id.slice(0, 12), error: (err as Error).message });
      return null;
    }
    log.info('mirrored layer kept', { image: id.slice(0, 12), bytes: size, upstream: this.upstream.baseUrl });
    return () => client.finish((from) => this.opts.images.openLayer(id, { start: from, end: size - 1 }), size);
  }

  private async readTags(file: string): Promise<MirroredTags | null> {
    const bytes = await this.opts.storage.getContent(file).catch(notFoundAs(null));
    if (bytes === null) return null;
    try {
      const doc = JSON.parse(bytes.toString('utf8')) as MirroredTags;
      return typeof doc.fetchedAt === 'number' && tagMapOf(doc.tags) !== null ? doc : null;
    } catch {
      return null;
    }
  }
}

/**
 * The client's side of a layer being kept: chunks as upstream sends them, one held back until the stored copy
 * checks out (so a copy that does not match reaches the client as a cut connection, not as a whole body).
 * A client that falls CLIENT_QUEUE_BYTES behind, or is not reading, is detached so it slows nobody; it gets
 * the rest from the stored copy. A client that went away is simply not written to.
 */
class ClientFeed {
  private queue: Buffer[] = [];
  private queued = 0;
  /** Bytes handed to the response. */
  private sent = 0;
  private waitingForDrain = false;
  private detached = false;

  constructor(private readonly res: ServerResponse, headers: Record<string, string>) {
    if (res.destroyed) this.detached = true;
    else res.writeHead(200, headers);
  }

  offer(chunk: Buffer): void {
    if (this.detached) return;
    if (this.res.destroyed || this.queued + chunk.length > CLIENT_QUEUE_BYTES) {
      this.detach();
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.pump();
  }

  /** The copy is stored: send what is left (from the queue, or from storage when detached) and end. */
  async finish(openRest: (from: number) => Promise<OpenedObject>, size: number): Promise<void> {
    if (this.res.destroyed) return;
    try {
      if (!this.detached) {
        for (const chunk of this.queue) this.res.write(chunk);
        this.sent += this.queued;
      } else if (this.sent < size) {
        await (await openRest(this.sent)).writeTo(this.res);
      }
      this.res.end();
    } catch {
      this.res.destroy();
    }
  }

  fail(): void {
    this.detach();
    this.res.destroy();
  }

  /** Writes every queued chunk but the newest while the response takes them. */
  private pump(): void {
    while (!this.waitingForDrain && this.queue.length > 1) {
      const chunk = this.queue.shift() as Buffer;
      this.queued -= chunk.length;
      this.sent += chunk.length;
      if (!this.res.write(chunk)) {
        this.waitingForDrain = true;
        this.res.once('drain', () => {
          this.waitingForDrain = false;
          if (!this.detached) this.pump();
        });
      }
    }
  }

  private detach(): void {
    this.detached = true;
    this.queue = [];
    this.queued = 0;
  }
}

/**
 * Answers the client with an upstream answer as it is: status, headers (but hop-by-hop ones) and body
 * streamed. A body that fails midway cuts the client's connection, which is how it learns the body is short;
 * a client that went away releases the upstream answer.
 */
export function relay(ctx: Context, answer: UpstreamAnswer, rewrite: Readonly<Record<string, string>> = {}): void {
  ctx.respond = false;
  const res = ctx.res;
  if (res.destroyed) {
    answer.body.destroy();
    return;
  }
  res.writeHead(answer.status, { ...passableHeaders(answer.headers), ...rewrite });
  answer.body.once('error', () => res.destroy());
  res.once('close', () => {
    if (!answer.body.complete) answer.body.destroy();
  });
  answer.body.pipe(res);
}

export function relaySmall(ctx: Context, answer: { status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }): null {
  ctx.status = answer.status;
  for (const [name, value] of Object.entries(passableHeaders(answer.headers))) if (name !== 'content-length') ctx.set(name, value);
  ctx.body = answer.bytes;
  return null;
}

function numberHeader(value: string | string[] | undefined): number | null {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return null;
  return Number(value);
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function tagsOf(bytes: Buffer): Record<string, string> | null {
  return tagMapOf(parseJson(bytes));
}

/** `value` when it is a tag → id object, else null. */
function tagMapOf(value: unknown): Record<string, string> | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return Object.values(value).every((id) => typeof id === 'string') ? (value as Record<string, string>) : null;
}

/** The ids of an I8 answer (`[{"id": …}, …]`), or null when it is not one. */
function imageListOf(bytes: Buffer): Set<string> | null {
  const value = parseJson(bytes);
  if (!Array.isArray(value)) return null;
  const ids = new Set<string>();
  for (const entry of value) if (entry !== null && typeof entry === 'object' && typeof (entry as { id?: unknown }).id === 'string') ids.add((entry as { id: string }).id);
  return ids;
}

function namesImage(bytes: Buffer, id: string): boolean {
  const value = parseJson(bytes) as { id?: unknown } | null | undefined;
  return value !== null && typeof value === 'object' && value.id === id;
}

function ancestryOf(bytes: Buffer, id: string): string[] | null {
  const value = parseJson(bytes);
  return Array.isArray(value) && value[0] === id && value.every((v) => typeof v === 'string' && isRegistryImageId(v)) ? (value as string[]) : null;
}
