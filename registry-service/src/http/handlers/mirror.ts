/**
 * The read routes of a mirror (§9 item 8): what is held here is served by the ordinary handlers; the rest is
 * asked upstream. Layers and tags of public repositories are kept on the way (mirror/mirror.ts); everything
 * else is relayed as upstream answered it, with the client's own headers forwarded (docker-registry's
 * `source_lookup`), and never kept.
 */
import type { Context, Middleware } from 'koa';
import { Header, V1Error, invalidRequest, isValidTag, sendJson, type RepoName } from '@v1hub/shared';
import { tokenRepository } from '../../auth/standalone-access-controller.js';
import type { RegistryDeps } from '../../deps.js';
import { relay, relaySmall, type Mirror } from '../../mirror/mirror.js';
import { forwardableHeaders } from '../../mirror/upstream-client.js';
import type { RegistryRouteName } from '@v1hub/shared';
import { imageIdOf, repoOf } from '../request-helpers.js';

type LocalRouteName = Exclude<RegistryRouteName, 'mirrorGetRepositoryImages' | 'mirrorSearch'>;
type Handlers = Record<LocalRouteName, Middleware>;

interface SearchPage {
  num_results: number;
  query: string;
  results: Array<{ name: string; description: string | null }>;
}

export function mirrorHandlers(deps: RegistryDeps, mirror: Mirror, local: Handlers): Partial<Handlers> & { mirrorGetRepositoryImages: Middleware; mirrorSearch: Middleware } {
  const { images } = deps;

  /** The request asked upstream as it is: same path and query, the client's headers but hop-by-hop ones. */
  async function relayUpstream(ctx: Context): Promise<void> {
    relay(ctx, await mirror.upstream.get(upstreamPath(ctx), forwardableHeaders(ctx.headers), ctx.method === 'HEAD' ? 'HEAD' : 'GET'));
  }

  /** A repository route's name, refused when it has `.` or `..` segments, which a proxy on the way could resolve into another name. */
  function mirroredRepo(ctx: Context): RepoName {
    const path = (ctx.params as { repository: string }).repository;
    if (path.split('/').some((segment) => segment === '.' || segment === '..')) throw invalidRequest(`Invalid repository name (${path}): "." and ".." segments are not mirrored`);
    return repoOf(ctx);
  }

  /** Relays a repository route after checking its name. */
  const relayRepositoryRoute: Middleware = async (ctx) => {
    mirroredRepo(ctx);
    await relayUpstream(ctx);
  };

  /** An image route: served here when the image is held whole, else relayed. */
  const heldOrRelayed = (name: LocalRouteName): Middleware => async (ctx, next) => {
    if (await images.isComplete(imageIdOf(ctx))) return local[name](ctx, next);
    return relayUpstream(ctx);
  };

  return {
    getImageJson: heldOrRelayed('getImageJson'),
    getImageAncestry: heldOrRelayed('getImageAncestry'),
    getImageFiles: heldOrRelayed('getImageFiles'),
    getImageDiff: heldOrRelayed('getImageDiff'),
    getPrivateImageJson: heldOrRelayed('getPrivateImageJson'),
    getPrivateImageLayer: heldOrRelayed('getPrivateImageLayer'),
    getPrivateImageFiles: heldOrRelayed('getPrivateImageFiles'),

    /**
     * R6: held → storage. A whole-layer GET of a public image (one upstream lists for a public repository)
     * is fetched once and kept while it streams; a Range, a HEAD or anything else is relayed.
     */
    async getImageLayer(ctx, next) {
      const id = imageIdOf(ctx);
      const held = () => images.isComplete(id);
      if (await held()) return local.getImageLayer(ctx, next);
      const credential = ctx.method === 'GET' && ctx.get('Range') === '' ? await mirror.cacheCredential(tokenRepository(ctx.get('Authorization') || undefined)) : null;
      if (credential === null || (credential.images !== null && !credential.images.has(id))) return relayUpstream(ctx);
      if ((await mirror.sendAndKeepLayer(ctx, id, credential, held)) === 'held') return local.getImageLayer(ctx, next);
    },

    /** R13: a public repository's tags are kept for the TTL; a private one's are relayed. */
    async getTags(ctx) {
      const tags = await mirror.tags(mirroredRepo(ctx), ctx.path.replace(/\/+$/, ''));
      if (tags === 'private') return relayUpstream(ctx);
      sendJson(ctx, 200, tags);
    },

    /** R14, from the same kept tags (asked upstream as the list). */
    async getTag(ctx) {
      const tags = await mirror.tags(mirroredRepo(ctx), ctx.path.replace(/\/tags\/[^/]+\/*$/, '/tags'));
      if (tags === 'private') return relayUpstream(ctx);
      const tag = (ctx.params as { tag: string }).tag;
      const id = isValidTag(tag) ? tags[tag] : undefined;
      if (id === undefined) throw new V1Error('TAG_NOT_FOUND');
      sendJson(ctx, 200, id);
    },

    getTagJson: relayRepositoryRoute,
    getRepositoryJson: relayRepositoryRoute,
    getRepositoryProperties: relayRepositoryRoute,

    /**
     * The upstream Index's search, merged by name with the repositories held here (docker-registry's mirror
     * search did the same); with upstream away, the held ones alone. Upstream's other answers are relayed.
     */
    async mirrorSearch(ctx, next) {
      let upstream;
      try {
        upstream = await mirror.index.getSmall(upstreamPath(ctx), forwardableHeaders(ctx.headers));
      } catch (err) {
        if (err instanceof V1Error && err.status === 503) return local.searchRegistry(ctx, next);
        throw err;
      }
      const page = upstream.status === 200 ? searchPageOf(upstream.bytes) : null;
      if (page === null) return relaySmall(ctx, upstream);
      const term = typeof ctx.query.q === 'string' ? ctx.query.q.toLowerCase() : '';
      const named = new Set(page.results.map((r) => r.name));
      const held = (await deps.tags.searchPublic(term)).filter((name) => !named.has(name)).map((name) => ({ name, description: null }));
      sendJson(ctx, 200, { ...page, num_results: page.num_results + held.length, results: [...page.results, ...held] });
    },

    /**
     * I8 through the mirror: the upstream Index's answer (token included), with X-Docker-Endpoints naming
     * this mirror, so the client's image and tag calls come here (docker-registry's source_lookup with
     * index_route, §9 item 8).
     */
    async mirrorGetRepositoryImages(ctx) {
      mirroredRepo(ctx);
      const answer = await mirror.index.get(upstreamPath(ctx), forwardableHeaders(ctx.headers), 'GET');
      relay(ctx, answer, answer.headers[Header.Endpoints.toLowerCase()] === undefined ? {} : { [Header.Endpoints]: ctx.host });
    },
  };
}

/** The request's path and query as the client sent them (not re-encoded, dot segments not resolved; never the absolute form). */
function upstreamPath(ctx: Context): string {
  return ctx.querystring === '' ? ctx.path : `${ctx.path}?${ctx.querystring}`;
}

function searchPageOf(bytes: Buffer): SearchPage | null {
  try {
    const page = JSON.parse(bytes.toString('utf8')) as SearchPage;
    return page !== null && typeof page === 'object' && Array.isArray(page.results) && typeof page.num_results === 'number' ? page : null;
  } catch {
    return null;
  }
}
