/**
 * Repository routes of the Index (v1-protocol.md §3.1 I6–I12): push allocation, image lists, the token
 * validation registries ask for, the two-call delete flow, and layer access checks.
 */
import type { Context } from 'koa';
import { Header, V1Error, formatRepoName, indexUnauthorized, readJsonBody, sendJson, type Access, type RepoName } from '@v1hub/shared';
import type { IndexDeps } from '../../deps.js';
import { readImageList } from '../../domain/repository-service.js';
import type { TokenRecord, UserRecord } from '../../store/metadata-store.js';
import { advertisedEndpoints, hasTokenAuthorization, optionalUser, peerOf, repoFromParams, requireUser, setTokenHeaders, wantsToken } from '../request-helpers.js';

export function repositoryHandlers(deps: IndexDeps) {
  const { repositories, tokens } = deps;

  async function issueIfAsked(ctx: Context, user: UserRecord | null, name: RepoName, access: Access): Promise<void> {
    if (!wantsToken(ctx)) return;
    const issued = await tokens.issue({ user: user?.username ?? null, repo: name, access, peer: peerOf(ctx) });
    setTokenHeaders(ctx, issued.value);
  }

  /** A registry's (or a token-holding client's) question: is this token good for this repository? */
  async function validateToken(ctx: Context, name: RepoName): Promise<TokenRecord> {
    const result = await tokens.validate(ctx.get('Authorization'), name, peerOf(ctx));
    if (!result.valid) throw indexUnauthorized('INVALID_TOKEN');
    return result.token;
  }

  return {
    /** I6: allocate the repository for a push, remember the declared images, hand out a write token. */
    async putRepository(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const user = await requireUser(ctx, deps);
      const { value } = await readJsonBody(ctx, 'JSON_DECODE');
      const images = readImageList(value);
      await repositories.allocateForPush(user, name, images);
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
      const user = await requireUser(ctx, deps);
      const repo = await repositories.require(name);
      await repositories.authorize(user, 'delete', name, repo);
      if (wantsToken(ctx)) {
        await repositories.markForDeletion(name);
        await issueIfAsked(ctx, user, name, 'delete');
        ctx.set(Header.Endpoints, advertisedEndpoints(ctx, deps, name));
        sendJson(ctx, 202, '');
        return;
      }
      const revoked = await deps.store.tokens.revokeAll(formatRepoName(name));
      await repositories.purge(name);
      await tokens.recordRepositoryRevocation(formatRepoName(name), user.username, revoked);
      deps.webhooks.notify({ event: 'delete', repository: formatRepoName(name), user: user.username, time: new Date(deps.now()).toISOString() });
      ctx.state.log.info('repository deleted', { repository: formatRepoName(name), user: user.username });
      sendJson(ctx, 200, '');
    },

    /**
     * I8. (a) A client pulling: the image list, endpoints, and a read token when asked. (b) A registry
     * forwarding `Authorization: Token …`: 200 with the image list means "true", 401 means "false" (§5.3).
     */
    async getRepositoryImages(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      if (hasTokenAuthorization(ctx)) {
        await validateToken(ctx, name);
        sendJson(ctx, 200, await repositories.listImages(name));
        return;
      }
      const user = await optionalUser(ctx, deps);
      const repo = await repositories.get(name);
      if (!repo || repo.deletePending) throw new V1Error('REPOSITORY_NOT_FOUND');
      await repositories.authorize(user, 'read', name, repo, { deniedReadIs401: true });
      const images = await repositories.listImages(name);
      await issueIfAsked(ctx, user, name, 'read');
      ctx.set(Header.Endpoints, advertisedEndpoints(ctx, deps, name));
      sendJson(ctx, 200, images);
    },

    /** I9: the end of a push. Docker ≥0.8 sends `[]` (§10 Q1); whatever comes is merged. 204. */
    async putRepositoryImages(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const user = await requireUser(ctx, deps);
      const repo = await repositories.require(name);
      await repositories.authorize(user, 'write', name, repo);
      const { value } = await readJsonBody(ctx, 'JSON_DECODE');
      await repositories.mergeImages(name, readImageList(value));
      deps.webhooks.notify({ event: 'push', repository: formatRepoName(name), user: user.username, time: new Date(deps.now()).toISOString() });
      sendJson(ctx, 204, '');
    },

    /** I10 (docker-registry's fake index): delete-token headers, nothing deleted. 204. */
    async deleteRepositoryImages(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const user = await requireUser(ctx, deps);
      const repo = await repositories.require(name);
      await repositories.authorize(user, 'delete', name, repo);
      await issueIfAsked(ctx, user, name, 'delete');
      ctx.set(Header.Endpoints, advertisedEndpoints(ctx, deps, name));
      sendJson(ctx, 204, '');
    },

    /** I11: a registry confirms a delete token; the Index consumes it (spec delete flow step 3). */
    async putRepositoryAuth(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      await repositories.require(name);
      if (hasTokenAuthorization(ctx)) {
        const result = await tokens.validate(ctx.get('Authorization'), name, peerOf(ctx));
        if (!result.valid || result.token.access !== 'delete') throw new V1Error('FORBIDDEN', { message: 'Permission denied' });
        await tokens.revoke(result.token);
      } else {
        const user = await requireUser(ctx, deps);
        await repositories.authorize(user, 'delete', name, await repositories.get(name));
      }
      sendJson(ctx, 200, 'OK');
    },

    /**
     * I12: may the holder of this token read this image? `{"access": true}` when the image is in the
     * repository's list (a push declares the whole ancestry, so parents are listed too).
     */
    async getLayerAccess(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const imageId = (ctx.params as { imageId: string }).imageId;
      if (hasTokenAuthorization(ctx)) {
        await validateToken(ctx, name);
      } else {
        const user = await optionalUser(ctx, deps);
        await repositories.authorize(user, 'read', name, await repositories.require(name));
      }
      const images = await repositories.listImages(name);
      const access = images.some((image) => image.id === imageId);
      await deps.audit({
        kind: 'layer-access',
        user: null,
        repository: formatRepoName(name),
        access: 'read',
        result: access ? 'granted' : 'denied',
        peer: peerOf(ctx),
        ...(access ? {} : { reason: `image ${imageId.slice(0, 12)} not in repository` }),
      });
      sendJson(ctx, 200, { access });
    },

    /** v1hub: repository metadata. */
    async getRepositoryInfo(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const user = await optionalUser(ctx, deps);
      const repo = await repositories.require(name);
      await repositories.authorize(user, 'read', name, repo);
      const summary = (await deps.store.repositories.listAll()).find((r) => r.namespace === name.namespace && r.repository === name.repository);
      sendJson(ctx, 200, {
        name: formatRepoName(name),
        description: repo.description,
        private: repo.private,
        owner: repo.owner,
        collaborators: repo.collaborators,
        star_count: summary?.starCount ?? 0,
        created: new Date(repo.createdAt).toISOString(),
        updated: new Date(repo.updatedAt).toISOString(),
      });
    },

    async patchRepositoryInfo(ctx: Context): Promise<void> {
      const name = repoFromParams(ctx);
      const user = await requireUser(ctx, deps);
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
    const user = await requireUser(ctx, deps);
    const repo = await repositories.require(name);
    await repositories.authorize(user, 'manage', name, repo);
    const updated = await repositories.setCollaborator(name, repo, (ctx.params as { username: string }).username, present);
    sendJson(ctx, 200, { name: formatRepoName(name), collaborators: updated.collaborators });
  }

  async function setStar(ctx: Context, starred: boolean): Promise<void> {
    const name = repoFromParams(ctx);
    const user = await requireUser(ctx, deps);
    const repo = await repositories.require(name);
    await repositories.authorize(user, 'read', name, repo);
    const count = await repositories.setStar(name, user.username, starred);
    sendJson(ctx, 200, { name: formatRepoName(name), star_count: count });
  }
}
