/** R1–R3: ping, banner and the storage probe; and the live exchange stream. */
import os from 'node:os';
import type { Context } from 'koa';
import { Header, REGISTRY_VERSION, sendJson, serveEventStream } from '@v1hub/shared';
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
    /** R3: 503 when the storage probe fails. */
    async registryStatus(ctx: Context): Promise<void> {
      const failures: Record<string, string> = {};
      try {
        await deps.storage.exists('images/_status_probe');
      } catch (err) {
        failures.storage = (err as Error).message;
      }
      sendJson(ctx, Object.keys(failures).length ? 503 : 200, { services: ['storage'], failures, host: [os.hostname()] });
    },
  };
}
