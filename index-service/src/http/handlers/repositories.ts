/**
 * Repository routes of the Index (v1-protocol.md §3.1 I6–I12): push allocation, image lists, the token
 * validation registries ask for, the two-call delete flow, and layer access checks.
 */
import type { Context } from 'koa';
import { Header, V1Error, formatRepoName, isRegistryImageId, readJsonBody, sendJson, type Access, type RepoName } from '@v1hub/shared';
import type { IndexDeps } from '../../deps.js';
import { readImageList } from '../../domain/repository-service.js';
import type { UserRecord } from '../../store/metadata-store.js';
import { purgeRepository } from '../repository-purge.js';
import { callerOf, userOf } from '../guards.js';
import { advertisedEndpoints, peerOf, repoFromParams, setTokenHeaders, wantsToken } from '../request-helpers.js';

export function repositoryHandlers(deps: IndexDeps) {
  const { repositories, tokens } = deps;

  async function issueIfAsked(ctx: Context, user: UserRecord | null, name: RepoName, access: Access): Promise<void> {
    if (!wantsToken(ctx)) return;
    const issued = await tokens.issue({ user: user?.username ?? null, repo: name, access, peer: peerOf(ctx) });
    setTokenHeaders(ctx, issued.value);
  }

  return {
    /** I6: allocate the repository for a push, remember the declared images, hand out a write token. */
    async putRepository(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const user = userOf(ctx);
      const { value } = await readJsonBody(ctx, 'JSON_DECODE');
      const images = readImageList(value);
      const { created } = await repositories.allocateForPush(user, name, images);
      if (created) await deps.webhooks.notify({ event: 'create', repository: formatRepoName(name), user: user.username, time: new Date(deps.now()).toISOString() });
      await issueIfAsked(ctx, user, name, 'write');
      ctx.set(Header.Endpoints, advertisedEndpoints(ctx, deps, name));
      sendJson(ctx, 200, '');
    },

    /**
     * I7 then I7b (§6.4). With `X-Docker-Token: true` this is the first call: mark the repository for
     * deletion and answer 202 with a delete token. Without it, the client reports the registries are done:
     * purge every record, tokens included, and answer 200.
     */
    async deleteRepository(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const user = userOf(ctx);
      const repo = await repositories.require(name);
      await repositories.authorize(user, 'delete', name, repo);
      if (wantsToken(ctx)) {
        await repositories.markForDeletion(name);
        await issueIfAsked(ctx, user, name, 'delete');
        ctx.set(Header.Endpoints, advertisedEndpoints(ctx, deps, name));
        sendJson(ctx, 202, '');
        return;
      }
      await purgeRepository(deps, name, user);
      ctx.state.log.info('repository deleted', { repository: formatRepoName(name), user: user.username });
      sendJson(ctx, 200, '');
    },

    /**
     * I8. (a) A client pulling: the image list, endpoints, and a read token when asked. (b) A registry
     * forwarding `Authorization: Token …` (validated by the route's guard): 200 with the image list means
     * "true", 401 means "false" (§5.3). The ids a push in progress declared are listed only to those who may
     * write the repository (its pusher, and registries asking with a write token): nobody else learns them
     * before the push completes, so nobody can race the pusher to upload them.
     */
    async getRepositoryImages(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const { user, token } = callerOf(ctx);
      if (token) {
        const images = token.access === 'write' ? await repositories.uploadableImages(name, user) : await repositories.listImages(name);
        sendJson(ctx, 200, images);
        return;
      }
      const repo = await repositories.get(name);
      if (!repo || repo.deletePending) throw new V1Error('REPOSITORY_NOT_FOUND');
      await repositories.authorize(user, 'read', name, repo, { deniedReadIs401: true });
      const images = await repositories.listImages(name, { includePending: await repositories.can(user, 'write', name, repo) });
      await issueIfAsked(ctx, user, name, 'read');
      ctx.set(Header.Endpoints, advertisedEndpoints(ctx, deps, name));
      sendJson(ctx, 200, images);
    },

    /**
     * I9: the end of a push. The ids the push declared join the repository's list, then whatever comes is
     * merged (Docker ≥0.8 sends `[]`, §10 Q1). 204.
     */
    async putRepositoryImages(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const user = userOf(ctx);
      const repo = await repositories.require(name);
      await repositories.authorize(user, 'write', name, repo);
      const { value } = await readJsonBody(ctx, 'JSON_DECODE');
      const { declared } = await repositories.completePush(name, readImageList(value));
      await deps.webhooks.notify({
        event: 'push',
        repository: formatRepoName(name),
        user: user.username,
        time: new Date(deps.now()).toISOString(),
        tags: declared.flatMap((entry) => (typeof entry.Tag === 'string' ? [{ tag: entry.Tag, image: entry.id }] : [])),
        images: [...new Set(declared.map((entry) => entry.id))],
      });
      sendJson(ctx, 204, '');
    },

    /** I10 (docker-registry's fake index): delete-token headers, nothing deleted. 204. */
    async deleteRepositoryImages(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const user = userOf(ctx);
      const repo = await repositories.require(name);
      await repositories.authorize(user, 'delete', name, repo);
      await issueIfAsked(ctx, user, name, 'delete');
      ctx.set(Header.Endpoints, advertisedEndpoints(ctx, deps, name));
      sendJson(ctx, 204, '');
    },

    /** I11: a registry confirms a delete token (checked by the guard); the Index consumes it (spec delete flow step 3). */
    async putRepositoryAuth(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const { user, token } = callerOf(ctx);
      if (token) {
        await tokens.revoke(token);
      } else {
        await repositories.authorize(user, 'delete', name, await repositories.require(name));
      }
      sendJson(ctx, 200, 'OK');
    },

    /**
     * I12: may the holder of this token read this image? A v1hub registry says which repositories hold the
     * image (`?repositories=ns/a,ns/b`, the one that uploaded it first): the answer is true when the token's
     * user (or anyone, for a public repository) may read one of them *now*. Declaring an id in one's own push
     * grants nothing about content another repository uploaded. A registry that names no holders (any other
     * v1 registry) gets the legacy answer — the id is in the token repository's list — unless another
     * repository, one the caller may not read, declared that id first.
     */
    async getLayerAccess(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const imageId = (ctx.params as { imageId: string }).imageId;
      const { user, token } = callerOf(ctx);
      if (!token) await repositories.authorize(user, 'read', name, await repositories.require(name));
      const holders = typeof ctx.query.repositories === 'string' ? ctx.query.repositories : null;
      let access: boolean;
      let reason: string | undefined;
      if (!isRegistryImageId(imageId)) {
        access = false;
        reason = 'invalid image id';
      } else if (holders === null) {
        access = await repositories.listedAndOwn(name, user, imageId);
        if (!access) reason = `image ${imageId.slice(0, 12)} not in repository, or declared first by one the caller may not read`;
      } else {
        access = await repositories.mayReadAny(user, holders.split(','));
        if (!access) reason = `no repository holding image ${imageId.slice(0, 12)} is readable`;
      }
      await deps.audit({
        kind: 'layer-access',
        user: user?.username ?? null,
        repository: formatRepoName(name),
        access: 'read',
        result: access ? 'granted' : 'denied',
        peer: peerOf(ctx),
        ...(reason === undefined ? {} : { reason }),
      });
      sendJson(ctx, 200, { access });
    },

    /** v1hub: repository metadata. */
    async getRepositoryInfo(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const user = callerOf(ctx).user;
      const repo = await repositories.require(name);
      await repositories.authorize(user, 'read', name, repo);
      sendJson(ctx, 200, {
        name: formatRepoName(name),
        description: repo.description,
        private: repo.private,
        owner: repo.owner,
        collaborators: repo.collaborators,
        star_count: await deps.store.repositories.starCount(name.namespace, name.repository),
        created: new Date(repo.createdAt).toISOString(),
        updated: new Date(repo.updatedAt).toISOString(),
      });
    },

    async patchRepositoryInfo(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const user = userOf(ctx);
      const repo = await repositories.require(name);
      await repositories.authorize(user, 'manage', name, repo);
      const { value } = await readJsonBody(ctx, 'JSON_DECODE');
      const updated = await repositories.updateInfo(name, value);
      sendJson(ctx, 200, { name: formatRepoName(name), description: updated.description, private: updated.private });
    },

    async putCollaborator(ctx: Context): Promise<void> {
      await setCollaborator(ctx, true);
    },
    async deleteCollaborator(ctx: Context): Promise<void> {
      await setCollaborator(ctx, false);
    },
    async putStar(ctx: Context): Promise<void> {
      await setStar(ctx, true);
    },
    async deleteStar(ctx: Context): Promise<void> {
      await setStar(ctx, false);
    },
  };

  async function setCollaborator(ctx: Context, present: boolean): Promise<void> {
    const name = repoFromParams(ctx);
    const user = userOf(ctx);
    const repo = await repositories.require(name);
    await repositories.authorize(user, 'manage', name, repo);
    const updated = await repositories.setCollaborator(name, repo, (ctx.params as { username: string }).username, present);
    sendJson(ctx, 200, { name: formatRepoName(name), collaborators: updated.collaborators });
  }

  async function setStar(ctx: Context, starred: boolean): Promise<void> {
    const name = repoFromParams(ctx);
    const user = userOf(ctx);
    const repo = await repositories.require(name);
    await repositories.authorize(user, 'read', name, repo);
    const count = await repositories.setStar(name, user.username, starred);
    sendJson(ctx, 200, { name: formatRepoName(name), star_count: count });
  }
}
