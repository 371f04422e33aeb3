/**
 * What is curl-only in the v1 world, over the Index's own JSON endpoints (README "The Index beyond v1"):
 * repository info, description and privacy, collaborators, stars, organisations and their members. One
 * call each, with the saved Basic credentials; a refusal is a V1ClientError with the server's message.
 */
import type { RouteName, RouteParams } from '../protocol/routes.js';
import type { ImageReference } from '../protocol/names.js';
import { attempt, responseError, type ClientContext } from './context.js';
import { basicAuthorization, displayName, indexRepoParams, remoteRepository } from './remote.js';

/** One JSON call to the Index; resolves the decoded body of a 2xx answer. */
async function indexCall(ctx: ClientContext, operation: string, route: RouteName, call: { params?: RouteParams; library?: boolean; body?: unknown }): Promise<unknown> {
  const res = await attempt(operation, () =>
    ctx.transport.request({
      service: 'index',
      route,
      baseUrl: ctx.indexUrl,
      ...(call.params ? { params: call.params } : {}),
      ...(call.library ? { library: true } : {}),
      headers: { Authorization: basicAuthorization(ctx.credentials), ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      retry: false,
    }),
  );
  if (res.status < 200 || res.status > 299) throw await responseError(operation, res);
  if (res.status === 204) {
    await res.discard();
    return null;
  }
  return attempt(operation, () => res.json());
}

function repoCall(ctx: ClientContext, verb: string, ref: ImageReference, route: RouteName, extra: RouteParams = {}, body?: unknown): Promise<unknown> {
  const repo = remoteRepository(ref);
  return indexCall(ctx, `${verb} ${displayName(repo)}`, route, { params: { ...indexRepoParams(repo), ...extra }, library: repo.library, ...(body === undefined ? {} : { body }) });
}

export const manage = {
  repositoryInfo: (ctx: ClientContext, ref: ImageReference) => repoCall(ctx, 'repo info', ref, 'getRepositoryInfo'),
  updateRepository: (ctx: ClientContext, ref: ImageReference, patch: { description?: string; private?: boolean }) => repoCall(ctx, 'repo update', ref, 'patchRepositoryInfo', {}, patch),
  setCollaborator: (ctx: ClientContext, ref: ImageReference, username: string, present: boolean) =>
    repoCall(ctx, present ? 'collaborator add' : 'collaborator remove', ref, present ? 'putCollaborator' : 'deleteCollaborator', { username }),
  webhooks: (ctx: ClientContext, ref: ImageReference) => repoCall(ctx, 'webhooks', ref, 'listWebhooks'),
  addWebhook: (ctx: ClientContext, ref: ImageReference, hook: { url: string; events?: readonly string[]; secret?: string }) => repoCall(ctx, 'webhook add', ref, 'addWebhook', {}, hook),
  removeWebhook: (ctx: ClientContext, ref: ImageReference, hookId: string) => repoCall(ctx, 'webhook remove', ref, 'deleteWebhook', { hookId }),
  webhookDeliveries: (ctx: ClientContext, ref: ImageReference, hookId: string) => repoCall(ctx, 'webhook deliveries', ref, 'getWebhookDeliveries', { hookId }),
  setStar: (ctx: ClientContext, ref: ImageReference, starred: boolean) => repoCall(ctx, starred ? 'star' : 'unstar', ref, starred ? 'putStar' : 'deleteStar'),
  createOrganization: (ctx: ClientContext, name: string) => indexCall(ctx, `org create ${name}`, 'createOrganization', { body: { name } }),
  organization: (ctx: ClientContext, name: string) => indexCall(ctx, `org ${name}`, 'getOrganization', { params: { org: name } }),
  setOrganizationMember: (ctx: ClientContext, org: string, username: string, present: boolean) =>
    indexCall(ctx, `org ${org} members ${present ? 'add' : 'remove'}`, present ? 'putOrganizationMember' : 'deleteOrganizationMember', { params: { org, username } }),
};
