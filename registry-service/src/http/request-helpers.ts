/** Readers shared by the Registry handlers: validated ids and repository names, the access grant. */
import type { Context, Next } from 'koa';
import { LIBRARY_NAMESPACE, V1Error, formatRepoName, isRegistryImageId, repoFromRouteParams, type RepoName } from '@v1hub/shared';
import type { Uploader } from '../images/image-store.js';
import type { Grant } from '../auth/access-controller.js';
import type { RegistryDeps } from '../deps.js';

export interface RegistryState {
  grant?: Grant;
}

/** The image id of the URL; 404 `Invalid image ID` for anything but 16 or 64 lowercase hex (§8). */
export function imageIdOf(ctx: Context): string {
  const id = (ctx.params as { imageId: string }).imageId;
  if (!isRegistryImageId(id)) throw new V1Error('INVALID_IMAGE_ID');
  return id;
}

/** The repository of the URL (`:ns/:repo` or the one-segment library form). */
export function repoOf(ctx: Context): RepoName {
  return repoFromRouteParams(ctx.params as Record<string, string>);
}

export function grantOf(ctx: Context): Grant {
  return (ctx.state as RegistryState).grant ?? { repository: null, images: null, authorization: undefined };
}

/** The repository an upload step is bound to: the token's (index mode); null in standalone mode. */
export function uploaderOf(ctx: Context, deps: RegistryDeps): Uploader {
  const repo = grantOf(ctx).repository;
  return deps.access.mode === 'standalone' || repo === null ? null : formatRepoName(repo);
}

/** 404 `Image not found` — exactly what a missing image gets — unless the grant may read the image. */
export async function requireReadable(ctx: Context, deps: RegistryDeps, imageId: string): Promise<void> {
  if (!(await deps.imageAccess.mayRead(grantOf(ctx), imageId))) throw new V1Error('IMAGE_NOT_FOUND');
}

/**
 * The `tok` guard of §4.1: asks the access controller before the handler runs. It comes first, before any
 * name validation, so an unauthorised request is a 401 whatever its name; the URL's repository is compared
 * with the token's as written (an invalid name can only mismatch). Handlers validate names afterwards.
 */
export function requireToken(deps: RegistryDeps) {
  return async function tokenGuard(ctx: Context, next: Next): Promise<void> {
    const params = ctx.params as { ns?: string; repo?: string };
    const repo = params.repo === undefined ? null : { namespace: params.ns ?? LIBRARY_NAMESPACE, repository: params.repo };
    (ctx.state as RegistryState).grant = await deps.access.authorize({ authorization: ctx.get('Authorization') || undefined, method: ctx.method, repo });
    await next();
  };
}
