/** Ping, banner, search, organisations and the admin endpoints of the Index. */
import type { Context } from 'koa';
import { Header, METRICS_CONTENT_TYPE, REGISTRY_VERSION, invalidRequest, readJsonBody, runStatusChecks, sendJson } from '@v1hub/shared';
import type { IndexDeps } from '../../deps.js';
import { readSearchParams } from '../../domain/search-service.js';
import { callerOf, userOf } from '../guards.js';

export function miscHandlers(deps: IndexDeps) {
  return {
    /**
     * I1. An Index that expects tokens must say `X-Docker-Registry-Standalone: false`, or an https client
     * replaces tokens with Basic everywhere and every registry call fails (§5.6, §10 Q3).
     */
    async indexPing(ctx: Context): Promise<void> {
      ctx.set(Header.RegistryStandalone, 'false');
      ctx.set(Header.RegistryVersion, REGISTRY_VERSION);
      sendJson(ctx, 200, { standalone: false, version: REGISTRY_VERSION });
    },

    async indexMetrics(ctx: Context): Promise<void> {
      ctx.type = METRICS_CONTENT_TYPE;
      ctx.body = await deps.metrics.render();
    },

    /** 503 naming each failing dependency; each check bounded in time, so a hung store is a quick 503. */
    async indexStatus(ctx: Context): Promise<void> {
      const report = await runStatusChecks({ metadata: () => deps.store.ping() });
      sendJson(ctx, report.status === 'ok' ? 200 : 503, { ...report, store: deps.store.kind });
    },

    /** I13. Basic is optional; when sent it must be valid, and it reveals the caller's private repositories. */
    async searchIndex(ctx: Context): Promise<void> {
      const params = readSearchParams(ctx.query);
      const user = callerOf(ctx).user;
      sendJson(ctx, 200, await deps.search.search(user, params));
    },

    async createOrganization(ctx: Context): Promise<void> {
      const user = userOf(ctx);
      const { value } = await readJsonBody(ctx, 'JSON_DECODE');
      sendJson(ctx, 201, await deps.organizations.create(user, value));
    },

    async getOrganization(ctx: Context): Promise<void> {
      const user = userOf(ctx);
      sendJson(ctx, 200, await deps.organizations.get(user, (ctx.params as { org: string }).org));
    },

    async putOrganizationMember(ctx: Context): Promise<void> {
      const user = userOf(ctx);
      const { org, username } = ctx.params as { org: string; username: string };
      sendJson(ctx, 200, await deps.organizations.setMember(user, org, username, true));
    },

    async deleteOrganizationMember(ctx: Context): Promise<void> {
      const user = userOf(ctx);
      const { org, username } = ctx.params as { org: string; username: string };
      sendJson(ctx, 200, await deps.organizations.setMember(user, org, username, false));
    },

    /** Most recent first; `?limit=` 1–1000, default 100. */
    async getAuditTrail(ctx: Context): Promise<void> {
      const text = typeof ctx.query.limit === 'string' ? ctx.query.limit : '100';
      const limit = Number(text);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidRequest(`Invalid limit (${text}): a whole number from 1 to 1000`);
      const events = await deps.store.audit.list(limit);
      sendJson(ctx, 200, { events: events.map((e) => ({ ...e, time: new Date(e.time).toISOString() })) });
    },

    /** What garbage collection must keep besides what tags reach: every id a push in progress declared. */
    async getPendingImages(ctx: Context): Promise<void> {
      const ids = new Set<string>();
      for (const repo of await deps.store.repositories.listAll()) {
        const pending = await deps.store.repositories.getPending(repo.namespace, repo.repository);
        for (const entry of pending?.images ?? []) ids.add(entry.id);
      }
      sendJson(ctx, 200, { images: [...ids].sort() });
    },

    async getIndexStats(ctx: Context): Promise<void> {
      sendJson(ctx, 200, { tokens: deps.tokens.stats(), store: deps.store.kind });
    },
  };
}
