/** R1–R3: ping, banner and the storage probe; and the live exchange stream. */
import os from 'node:os';
import type { Context } from 'koa';
import { Header, METRICS_CONTENT_TYPE, REGISTRY_VERSION, runStatusChecks, sendJson, serveEventStream } from '@v1hub/shared';
import type { RegistryDeps } from '../../deps.js';

const launchedAt = new Date().toISOString();

export function pingHandlers(deps: RegistryDeps) {
  return {
    /**
     * R1. `X-Docker-Registry-Standalone` in docker-registry's Python spelling (`True`/`False`), or `mirror` for a
     * mirror: a client reads anything but true/1 as "not standalone" and keeps sending tokens (§5.6, §9 item 8).
     */
    async registryPing(ctx: Context): Promise<void> {
      const mode = deps.access.mode;
      ctx.set(Header.RegistryStandalone, mode === 'mirror' ? 'mirror' : mode === 'standalone' ? 'True' : 'False');
      ctx.set(Header.RegistryVersion, REGISTRY_VERSION);
      if (!deps.config.debug) {
        sendJson(ctx, 200, {});
        return;
      }
      ctx.set(Header.RegistryConfig, 'v1hub');
      sendJson(ctx, 200, { versions: { 'docker-registry': REGISTRY_VERSION, node: process.version }, host: [os.hostname(), deps.storage.driverName], launch: [launchedAt] });
    },
    /** Every exchange of this registry while the stream is open (the events-key guard let the reader in). */
    async registryEvents(ctx: Context): Promise<void> {
      serveEventStream(ctx, { subscribe: (listener, onEnd) => deps.exchanges.subscribe(listener, onEnd), hello: { source: deps.exchanges.source, mode: deps.access.mode } });
    },
    async registryRoot(ctx: Context): Promise<void> {
      sendJson(ctx, 200, 'v1hub registry server');
    },
    /**
     * R3 and cli.md's `/_status`: storage, and in index mode the Index (its ping), each bounded in time. The
     * answer keeps docker-registry 0.8's keys (`services`, `failures`, `host`) beside v1hub's `status` and `checks`.
     */
    async registryStatus(ctx: Context): Promise<void> {
      const checks: Record<string, () => Promise<unknown>> = { storage: () => deps.storage.exists('images/_status_probe') };
      if (deps.config.index !== null) checks.index = () => deps.indexProbe();
      const report = await runStatusChecks(checks);
      const failures = Object.fromEntries(Object.entries(report.checks).flatMap(([name, c]) => (c.status === 'ok' ? [] : [[name, c.error ?? 'failing']])));
      sendJson(ctx, report.status === 'ok' ? 200 : 503, { ...report, services: Object.keys(checks), failures, host: [os.hostname()] });
    },

    async registryMetrics(ctx: Context): Promise<void> {
      ctx.type = METRICS_CONTENT_TYPE;
      ctx.body = await deps.metrics.render();
    },
  };
}
