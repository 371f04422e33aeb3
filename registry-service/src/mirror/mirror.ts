/**
 * Mirror mode (§9 item 8, docker-registry's `mirroring`): a read-only pull-through cache of an upstream
 * registry and its Index. What is not held here is asked upstream with the client's own headers forwarded
 * (docker-registry's `source_lookup`); what upstream serves to anyone is also kept:
 *
 * - **Only public content is cached.** Before caching, the mirror asks the upstream Index for the
 *   repository's image list *anonymously* (I8 with `X-Docker-Token: true`). Only when that succeeds does it
 *   fetch, with the anonymous token it got, and keep the answer; a private repository's content is relayed
 *   with the client's credentials and never stored, so nothing held here needs an access check to be served.
 *   (docker-registry cached whatever a privileged client pulled and served it to everyone.)
 * - **Layers stream.** A layer is written to storage while it is sent to the client; one fetch per image at a
 *   time — concurrent pulls of it wait for that fetch and are served from storage. A fetch cut short leaves
 *   nothing behind, and the client's connection is cut too, so it knows.
 * - **Tags are kept for the TTL** (`--mirror-tags-ttl`), and served past it while upstream cannot be reached.
 */
import type { Context } from 'koa';
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { Header, V1Error, buildPath, formatRepoName, isRegistryImageId, type Logger, type RepoName, type RequestState } from '@v1hub/shared';
import type { ImageStore } from '../images/image-store.js';
import { notFoundAs } from '../images/image-store.js';
import type { LayerStorage } from '../storage/layer-storage.js';
import * as paths from '../storage/paths.js';
import { passableHeaders, upstreamUnavailable, type UpstreamAnswer, type UpstreamClient } from './upstream-client.js';

/** How long the upstream Index's "public or not" answer (and its anonymous token) is reused. */
const PUBLIC_ANSWER_MS = 30_000;
const ANONYMOUS: CacheCredential = { 'user-agent': 'v1hub-mirror' };

/** Headers of a fetch whose answer may be kept: anonymous ones, the upstream Index's token if it gave one. */
export type CacheCredential = Readonly<Record<string, string>>;

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
   * no token), an anonymous fetch: whatever upstream answers to that is public by definition.
   */
  async cacheCredential(repo: RepoName | null): Promise<CacheCredential | null> {
    if (repo === null || (await this.upstreamIsStandalone())) return ANONYMOUS;
    const key = formatRepoName(repo);
    const known = this.publicAnswers.get(key);
    if (known && known.expiresAt > this.now()) return known.credential;
    const answer = await this.index.getSmall(buildPath('getRepositoryImages', { ns: repo.namespace, repo: repo.repository }), { ...ANONYMOUS, 'x-docker-token': 'true' });
    let credential: CacheCredential | null = null;
    if (answer.status === 200) {
      const token = answer.headers[Header.Token.toLowerCase()];
      credential = typeof token === 'string' && token !== '' ? { ...ANONYMOUS, authorization: `Token ${token}` } : ANONYMOUS;
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

  /** Forgets the public answer for `repo` (its anonymous token was refused: it expired, or the repository went private). */
  forgetCredential(repo: RepoName): void {
    this.publicAnswers.delete(formatRepoName(repo));
  }

  /**
   * R13: the kept tags while fresh; else, for a public repository, upstream's, kept; past the TTL with upstream
   * away, the kept ones. `private` when upstream serves the repository only to some: the caller relays.
   * Only public tags are ever kept. `path` is the request's tags path, asked upstream as it is.
   */
  async tags(repo: RepoName, path: string): Promise<Record<string, string> | 'private'> {
    const file = paths.mirroredTags(repo.namespace, repo.repository);
    const kept = await this.readTags(file);
    if (kept && this.now() - kept.fetchedAt < this.opts.tagsTtlMs) return kept.tags;
    let answer;
    try {
      const credential = await this.cacheCredential(repo);
      if (credential === null) return 'private';
      answer = await this.upstream.getSmall(path, credential);
    } catch (err) {
      if (kept && err instanceof V1Error && err.status === 503) {
        this.opts.log.warn('upstream unavailable: serving tags kept past their TTL', { repository: formatRepoName(repo), fetchedAt: new Date(kept.fetchedAt).toISOString() });
        return kept.tags;
      }
      throw err;
    }
    if (answer.status === 404) {
      await this.opts.storage.delete(file).catch(notFoundAs(undefined));
      throw new V1Error('REPOSITORY_NOT_FOUND');
    }
    if (answer.status === 401) this.forgetCredential(repo);
    const tags = answer.status === 200 ? tagsOf(answer.bytes) : null;
    if (tags === null) throw upstreamUnavailable(this.upstream.baseUrl, answer.status === 200 ? 'tags answer is not a tag → id object' : `answered ${answer.status}`);
    await this.opts.storage.putContent(file, JSON.stringify({ fetchedAt: this.now(), tags } satisfies MirroredTags));
    return tags;
  }

  /**
   * R6 for an image not held here, with a cache credential: fetched once (concurrent callers wait, then find it
   * held and answer `held`), streamed to the client while it is stored. Resolves `sent` when this call
   * answered the client, `held` when the image is now held and the caller should serve it from storage.
   */
  async sendAndKeepLayer(ctx: Context, id: string, credential: CacheCredential, isHeld: () => Promise<boolean>): Promise<'sent' | 'held'> {
    for (let running = this.layerFetches.get(id); running; running = this.layerFetches.get(id)) {
      await running.catch(() => undefined);
      if (await isHeld()) return 'held';
    }
    let done!: () => void;
    this.layerFetches.set(id, new Promise<void>((resolve) => (done = resolve)));
    try {
      await this.fetchAndKeepLayer(ctx, id, credential);
      return 'sent';
    } finally {
      this.layerFetches.delete(id);
      done();
    }
  }

  private async fetchAndKeepLayer(ctx: Context, id: string, credential: CacheCredential): Promise<void> {
    const log = (ctx.state as RequestState).log;
    const json = await this.upstream.getSmall(`/v1/images/${id}/json`, credential);
    if (json.status !== 200) return relaySmall(ctx, json);
    // What is kept must be what it claims to be: a json naming this id, an ancestry starting with it.
    if (!namesImage(json.bytes, id)) throw upstreamUnavailable(this.upstream.baseUrl, `its json of ${id} names another image`);
    const ancestry = await this.upstream.getSmall(`/v1/images/${id}/ancestry`, credential);
    if (ancestry.status !== 200) return relaySmall(ctx, ancestry);
    const ids = ancestryOf(ancestry.bytes, id);
    if (ids === null) throw upstreamUnavailable(this.upstream.baseUrl, `its ancestry of ${id} does not start with it`);
    const layer = await this.upstream.get(`/v1/images/${id}/layer`, credential);
    if (layer.status !== 200) return relay(ctx, layer);
    const declaredSize = numberHeader(layer.headers['content-length']) ?? numberHeader(json.headers[Header.Size.toLowerCase()]);
    const declaredPayload = json.headers[Header.ChecksumPayload.toLowerCase()];
    const toStorage = new PassThrough({ highWaterMark: 1 << 20 });
    let verdict!: (kept: boolean) => void;
    const toClient = new HoldLastChunk(new Promise<boolean>((resolve) => (verdict = resolve)));
    const res = ctx.res;
    ctx.respond = false;
    res.writeHead(200, passableHeaders(layer.headers));
    // One read of upstream feeds both: pipe() waits for whichever destination is slower. A client that goes
    // away is unhooked and the fetch finishes for the cache; an upstream that fails cuts both. The client's
    // last chunk waits for the stored copy to check out, so a layer that does not match what upstream
    // declared reaches the client as a cut connection, not as a complete body.
    layer.body.pipe(toStorage);
    layer.body.pipe(toClient).pipe(res);
    const clientGone = () => {
      layer.body.unpipe(toClient);
      toClient.destroy();
    };
    res.once('close', clientGone);
    toClient.once('error', () => res.destroy());
    layer.body.once('error', (err) => {
      toStorage.destroy(err);
      res.destroy();
    });
    try {
      const digests = await this.opts.images.storeMirrored(id, {
        json: json.bytes,
        ancestry: ids,
        size: declaredSize,
        payload: typeof declaredPayload === 'string' && declaredPayload !== '' ? declaredPayload : null,
      }, toStorage);
      verdict(true);
      log.info('mirrored layer kept', { image: id.slice(0, 12), bytes: digests.size, upstream: this.upstream.baseUrl });
    } catch (err) {
      verdict(false);
      log.warn('mirrored layer not kept', { image: id.slice(0, 12), error: (err as Error).message });
      res.destroy();
    } finally {
      res.off('close', clientGone);
    }
  }

  private async readTags(file: string): Promise<MirroredTags | null> {
    const bytes = await this.opts.storage.getContent(file).catch(notFoundAs(null));
    if (bytes === null) return null;
    try {
      const doc = JSON.parse(bytes.toString('utf8')) as MirroredTags;
      return typeof doc.fetchedAt === 'number' && tagsOf(Buffer.from(JSON.stringify(doc.tags))) !== null ? doc : null;
    } catch {
      return null;
    }
  }
}

/** Passes chunks on one behind; the last goes out only if `verdict` resolves true, else the stream fails. */
class HoldLastChunk extends Transform {
  private held: Buffer | null = null;

  constructor(private readonly verdict: Promise<boolean>) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.held !== null) this.push(this.held);
    this.held = chunk;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    void this.verdict.then((kept) => {
      if (!kept) return callback(new Error('the layer did not match what upstream declared'));
      if (this.held !== null) this.push(this.held);
      callback();
    });
  }
}

/**
 * Answers the client with an upstream answer as it is: status, headers (but hop-by-hop ones) and body
 * streamed. A body that fails midway cuts the client's connection, which is how it learns the body is short.
 */
export function relay(ctx: Context, answer: UpstreamAnswer, rewrite: Readonly<Record<string, string>> = {}): void {
  ctx.respond = false;
  const res = ctx.res;
  res.writeHead(answer.status, { ...passableHeaders(answer.headers), ...rewrite });
  answer.body.once('error', () => res.destroy());
  res.once('close', () => {
    if (!answer.body.complete) answer.body.destroy();
  });
  answer.body.pipe(res);
}

function relaySmall(ctx: Context, answer: { status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }): void {
  ctx.status = answer.status;
  for (const [name, value] of Object.entries(passableHeaders(answer.headers))) if (name !== 'content-length') ctx.set(name, value);
  ctx.body = answer.bytes;
}

function numberHeader(value: string | string[] | undefined): number | null {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return null;
  return Number(value);
}

function tagsOf(bytes: Buffer): Record<string, string> | null {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
    return Object.values(value).every((id) => typeof id === 'string') ? (value as Record<string, string>) : null;
  } catch {
    return null;
  }
}

function namesImage(bytes: Buffer, id: string): boolean {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as { id?: unknown } | null;
    return value !== null && typeof value === 'object' && value.id === id;
  } catch {
    return false;
  }
}

function ancestryOf(bytes: Buffer, id: string): string[] | null {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown;
    return Array.isArray(value) && value[0] === id && value.every((v) => typeof v === 'string' && isRegistryImageId(v)) ? (value as string[]) : null;
  } catch {
    return null;
  }
}
