/** Readers shared by the Registry handlers: validated ids and repository names, the access grant. */
import type { Context, Next } from 'koa';
import { V1Error, formatRepoName, invalidRequest, isRegistryImageId, parseRegistryRepoPath, type RepoName } from '@v1hub/shared';
import type { Uploader } from '../images/image-store.js';
import type { Grant } from '../auth/access-controller.js';
import type { RegistryDeps } from '../deps.js';

export interface RegistryState {
  grant?: Grant;
  declaredImages?: readonly string[];
}

/** The image id of the URL; 404 `Invalid image ID` for anything but 16 or 64 lowercase hex (§8). */
export function imageIdOf(ctx: Context): string {
  const id = (ctx.params as { imageId: string }).imageId;
  if (!isRegistryImageId(id)) throw new V1Error('INVALID_IMAGE_ID');
  return id;
}

/**
 * The repository of the URL, read as docker-registry read it: no name rules, the rest after the namespace
 * `quote_plus`-ed (`parseRegistryRepoPath`, §8). 400 only for an empty namespace or repository.
 */
export function repoOf(ctx: Context): RepoName {
  const name = parseRegistryRepoPath((ctx.params as { repository: string }).repository);
  if (!name.ok) throw invalidRequest(name.error);
  return name.value;
}

export function grantOf(ctx: Context): Grant {
  return (ctx.state as RegistryState).grant ?? { repository: null, images: null, authorization: undefined };
}

/** The repository an upload step is bound to: the token's (index mode); null in standalone mode. */
export function uploaderOf(ctx: Context, deps: RegistryDeps): Uploader {
  const repo = grantOf(ctx).repository;
  return deps.access.mode !== 'index' || repo === null ? null : formatRepoName(repo);
}

/** 404 `Image not found` — exactly what a missing image gets — unless the grant may read the image. */
export async function requireReadable(ctx: Context, deps: RegistryDeps, imageId: string): Promise<void> {
  if (!(await deps.imageAccess.mayRead(grantOf(ctx), imageId))) throw new V1Error('IMAGE_NOT_FOUND');
}

/**
 * The `tok` guard of §4.1: asks the access controller before the handler runs. It comes first, so an
 * unauthorised request is a 401 whatever its name; the URL's repository is compared with the token's as
 * docker-registry compared them (`ns/quoted-rest`). An unreadable name (`//x`) is compared as sent, which
 * can only mismatch; the handler then refuses it.
 */
export function requireToken(deps: RegistryDeps) {
  return async function tokenGuard(ctx: Context, next: Next): Promise<void> {
    const path = (ctx.params as { repository?: string }).repository;
    const parsed = path === undefined ? null : parseRegistryRepoPath(path);
    const repo = parsed === null ? null : parsed.ok ? parsed.value : { namespace: path ?? '', repository: '' };
    (ctx.state as RegistryState).grant = await deps.access.authorize({ authorization: ctx.get('Authorization') || undefined, method: ctx.method, repo });
    await next();
  };
}

/**
 * The `index-admin` guard: the registry has no accounts, so it forwards the caller's Basic credentials to its
 * Index's admin-only list of ids declared by pushes in progress. A yes is the ids (kept for the handler: a
 * garbage collection needs them anyway); a no is the Index's own 401 or 403.
 */
export function requireIndexAdmin(deps: RegistryDeps) {
  return async function indexAdmin(ctx: Context, next: Next): Promise<void> {
    if (deps.indexClient === null) throw new V1Error('NOT_FOUND', { message: 'This registry has no Index to ask who is an administrator: run v1hub gc against its storage instead' });
    const authorization = ctx.get('Authorization');
    if (!/^\s*basic\s/i.test(authorization)) throw new V1Error('UNAUTHORIZED', { message: 'Administrator credentials of the Index required', headers: { 'WWW-Authenticate': 'Basic realm="auth required"' } });
    (ctx.state as RegistryState).declaredImages = await deps.indexClient.pendingImagesAsAdmin(authorization);
    await next();
  };
}

/** Ids the Index listed for pushes in progress (set by the `index-admin` guard). */
export function declaredImagesOf(ctx: Context): readonly string[] {
  return (ctx.state as RegistryState).declaredImages ?? [];
}
