/** Tag and repository routes of the Registry (v1-protocol.md §4.1 R13–R22). */
import type { Context } from 'koa';
import { V1Error, formatRepoName, isRegistryImageId, readJsonBody, sendJson, type RepoName, type RequestState } from '@v1hub/shared';
import type { RegistryDeps } from '../../deps.js';
import { grantOf, repoOf } from '../request-helpers.js';
import { describeCleanup, imagesOfRepository, removeUnreferencedImages } from '../../images/repository-cleanup.js';

export function repositoryHandlers(deps: RegistryDeps) {
  /**
   * Tells the Index of a tag change (its repository's `tag` webhooks), with the token the change was made
   * with. Not awaited: the client has its answer whatever the Index says or how long it takes.
   */
  function reportTagChange(ctx: Context, repo: RepoName, change: { tag: string; image: string | null; action: 'set' | 'delete' }): void {
    const authorization = grantOf(ctx).authorization;
    if (deps.indexClient === null || authorization === undefined) return;
    const log = (ctx.state as RequestState).log;
    deps.indexClient.tagChanged(authorization, repo, change).then(
      (status) => {
        if (status !== 202) log.warn('the Index refused a tag change report', { repository: formatRepoName(repo), tag: change.tag, status });
      },
      (err: Error) => log.warn('tag change not reported to the Index', { repository: formatRepoName(repo), tag: change.tag, error: err.message }),
    );
  }

  const { tags, images } = deps;
  return {
    /** R13: an object `{"<tag>": "<id>"}` (the spec's list example is wrong, §10 Q16). */
    async getTags(ctx: Context): Promise<void> {
      sendJson(ctx, 200, await tags.list(repoOf(ctx)));
    },
    /** R14: the id as a JSON string. */
    async getTag(ctx: Context): Promise<void> {
      sendJson(ctx, 200, await tags.get(repoOf(ctx), (ctx.params as { tag: string }).tag));
    },
    /**
     * R15: body is a JSON string (`"<id>"`). The image and its whole ancestry must be readable through the
     * token (held by this repository, or readable where they are held): a tag never makes content someone
     * else uploaded reachable from here. Then the repository holds the whole chain, so pulls through it need
     * no further Index question.
     */
    async putTag(ctx: Context): Promise<void> {
      const repo = repoOf(ctx);
      const tag = (ctx.params as { tag: string }).tag;
      let body: unknown;
      try {
        ({ value: body } = await readJsonBody(ctx, 'INVALID_DATA'));
      } catch (err) {
        // docker-registry checked the tag name before it looked at the body.
        if (err instanceof V1Error && err.code === 'INVALID_DATA') body = null;
        else throw err;
      }
      const grant = grantOf(ctx);
      let chain: string[] = [];
      await tags.put(repo, tag, body, ctx.get('User-Agent'), async (id) => {
        if (!(await images.exists(id))) return false;
        chain = await images.getAncestry(id);
        return deps.imageAccess.mayReadAll(grant, chain);
      });
      for (const id of chain) await images.addHolder(id, formatRepoName(repo));
      reportTagChange(ctx, repo, { tag, image: chain[0] ?? null, action: 'set' });
      sendJson(ctx, 200, true);
    },
    /** R16. */
    async deleteTag(ctx: Context): Promise<void> {
      const repo = repoOf(ctx);
      const tag = (ctx.params as { tag: string }).tag;
      await tags.delete(repo, tag);
      reportTagChange(ctx, repo, { tag, image: null, action: 'delete' });
      sendJson(ctx, 200, true);
    },
    /** R17: never 404. */
    async getTagJson(ctx: Context): Promise<void> {
      sendJson(ctx, 200, await tags.getTagJson(repoOf(ctx), (ctx.params as { tag: string }).tag));
    },
    /** R18: never 404. */
    async getRepositoryJson(ctx: Context): Promise<void> {
      sendJson(ctx, 200, await tags.getRepositoryJson(repoOf(ctx)));
    },
    /** R19: all tags and the repository directory go, then the images no other repository reaches. */
    async deleteRegistryRepository(ctx: Context): Promise<void> {
      const repo = repoOf(ctx);
      const candidates = await imagesOfRepository(tags, images, repo);
      await tags.deleteRepository(repo);
      const removed = await removeUnreferencedImages(tags, images, repo, candidates);
      // What stays (other repositories reach it) is no longer held by the deleted repository.
      for (const id of candidates) if (!removed.includes(id) && isRegistryImageId(id)) await images.removeHolder(id, formatRepoName(repo));
      ctx.state.log.info('repository deleted', describeCleanup(repo, removed));
      sendJson(ctx, 200, true);
    },
    /** R20. */
    async getRepositoryProperties(ctx: Context): Promise<void> {
      sendJson(ctx, 200, { access: (await tags.isPrivate(repoOf(ctx))) ? 'private' : 'public' });
    },
    /** R21: `{"access": "private" | "public"}`; anything else is 400 `Invalid data`. */
    async putRepositoryProperties(ctx: Context): Promise<void> {
      const repo = repoOf(ctx);
      const { value } = await readJsonBody(ctx, 'INVALID_DATA');
      const access = value !== null && typeof value === 'object' ? (value as { access?: unknown }).access : undefined;
      // LEGACY: §4.1 R21 — docker-registry crashed (500) on a missing `access`; a 400 says what is wrong.
      if (access !== 'private' && access !== 'public') throw new V1Error('INVALID_DATA');
      await tags.setPrivate(repo, access === 'private');
      sendJson(ctx, 200, true);
    },
    /** R22: repositories this registry holds whose name contains the term; `description` is null. */
    async searchRegistry(ctx: Context): Promise<void> {
      const q = typeof ctx.query.q === 'string' ? ctx.query.q.toLowerCase() : '';
      const results = (await tags.searchPublic(q)).map((name) => ({ name, description: null }));
      sendJson(ctx, 200, { num_results: results.length, query: ctx.query.q ?? '', results });
    },
  };
}
