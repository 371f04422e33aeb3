/**
 * docker-registry's built-in fake Index (v1-protocol.md §3.3), mounted only in standalone mode so that a
 * Docker 1.x client can push to and pull from a registry with no Index at all. It checks nothing.
 */
import crypto from 'node:crypto';
import type { Context } from 'koa';
import { Header, V1Error, formatRepoName, readJsonBody, sendJson, sendRawJson, setNoCache, type Access, type RepoName } from '@v1hub/shared';
import type { RegistryDeps } from '../../deps.js';
import { isImageEntry, mergeImageLists } from '../../tags/tag-store.js';
import { repoOf } from '../request-helpers.js';

const SIGNATURE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** 16 random `[A-Z0-9]`, like the fake index's signatures (§5.1). */
function fakeSignature(): string {
  const bytes = crypto.randomBytes(16);
  return [...bytes].map((b) => SIGNATURE_CHARS[b % SIGNATURE_CHARS.length]).join('');
}

export function standaloneIndexHandlers(deps: RegistryDeps) {
  function setTokenHeaders(ctx: Context, repo: RepoName, access: Access): void {
    const token = `Token signature=${fakeSignature()},repository="${formatRepoName(repo)}",access=${access}`;
    // LEGACY: §3.3 / §10 Q7 — the fake index put `Token ` inside X-Docker-Token too, so clients sent
    // `Authorization: Token Token signature=…`; every token parser in v1hub accepts that.
    ctx.set(Header.Token, token);
    ctx.set(Header.WwwAuthenticate, token);
    ctx.set(Header.Endpoints, deps.config.endpoints.length ? deps.config.endpoints.join(',') : ctx.host);
  }

  /**
   * docker-registry's `update_index_images`: the first list is stored as sent, bytes and all; later ones are
   * merged by id. Items that name no image are skipped in a merge (docker-registry crashed on them, a 500).
   */
  async function merge(ctx: Context, repo: RepoName): Promise<void> {
    const { raw, value } = await readJsonBody(ctx, 'JSON_DECODE');
    if (!Array.isArray(value)) throw new V1Error('INVALID_DATA');
    const stored = await deps.tags.getIndexImages(repo);
    if (stored === null) {
      await deps.tags.putIndexImagesBytes(repo, raw);
      return;
    }
    await deps.tags.putIndexImages(repo, mergeImageLists(stored, value.filter(isImageEntry)));
  }

  return {
    async standaloneCheckLogin(ctx: Context): Promise<void> {
      sendJson(ctx, 200, 'OK');
    },
    /** Always 201: Docker prints "Account created…" against a standalone registry (§10 Q5). */
    async standaloneCreateUser(ctx: Context): Promise<void> {
      await readJsonBody(ctx, 'JSON_DECODE');
      sendJson(ctx, 201, 'User Created');
    },
    async standaloneUpdateUser(ctx: Context): Promise<void> {
      sendJson(ctx, 204, '');
    },
    async standalonePutRepository(ctx: Context): Promise<void> {
      const repo = repoOf(ctx);
      await merge(ctx, repo);
      setTokenHeaders(ctx, repo, 'write');
      sendJson(ctx, 200, '');
    },
    async standalonePutRepositoryImages(ctx: Context): Promise<void> {
      const repo = repoOf(ctx);
      await merge(ctx, repo);
      setTokenHeaders(ctx, repo, 'write');
      sendJson(ctx, 204, '');
    },
    async standaloneGetRepositoryImages(ctx: Context): Promise<void> {
      const repo = repoOf(ctx);
      // LEGACY: §3.3 — "200 with the stored raw list": the bytes as stored, not re-serialised.
      const stored = await deps.tags.getIndexImagesBytes(repo);
      if (stored === null) throw new V1Error('IMAGES_NOT_FOUND');
      setTokenHeaders(ctx, repo, 'read');
      sendRawJson(ctx, stored);
      setNoCache(ctx);
    },
    async standaloneDeleteRepositoryImages(ctx: Context): Promise<void> {
      setTokenHeaders(ctx, repoOf(ctx), 'delete');
      sendJson(ctx, 204, '');
    },
    async standalonePutRepositoryAuth(ctx: Context): Promise<void> {
      sendJson(ctx, 200, 'OK');
    },
  };
}
