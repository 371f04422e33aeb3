/**
 * Starts the Index as a running service: open the store, create the admin account on first start, listen.
 * The CLI (`v1hub index`, `v1hub up`) and the tests call this; nothing reads process.env here.
 */
import { listen, readTlsFiles, type Logger, type RunningServer } from '@v1hub/shared';
import { buildIndexApp } from './app.js';
import type { IndexConfig } from './config.js';
import { createIndexDeps, type IndexDeps, type IndexDepsOptions } from './deps.js';
import { ensureAdminAccount } from './domain/admin-bootstrap.js';

export interface RunningIndex {
  readonly url: string;
  readonly port: number;
  readonly deps: IndexDeps;
  /** Set when this start created the admin account with a generated password: show it once. */
  readonly generatedAdminPassword: string | null;
  /** Stops accepting, finishes in-flight requests (grace), closes the store. */
  close(graceMs?: number): Promise<void>;
}

/** `idleTimeoutMs`: drop a connection on which nothing moved this long (default DEFAULT_IDLE_TIMEOUT_MS). */
export async function startIndexService(config: IndexConfig, opts: IndexDepsOptions & { log?: Logger; idleTimeoutMs?: number } = {}): Promise<RunningIndex> {
  const deps = await createIndexDeps(config, opts);
  let server: RunningServer;
  let generatedAdminPassword: string | null;
  try {
    ({ generatedPassword: generatedAdminPassword } = await ensureAdminAccount(deps.store, deps.users, config.adminPassword));
    server = await listen(buildIndexApp(deps), { host: config.host, port: config.port, tls: readTlsFiles(config), ...(opts.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.idleTimeoutMs }) });
  } catch (err) {
    await deps.close();
    throw err;
  }
  deps.webhooks.start();
  deps.log.info('index listening', { url: server.url, metadata: deps.store.kind, endpoints: config.endpoints });
  return {
    url: server.url,
    port: server.port,
    deps,
    generatedAdminPassword,
    async close(graceMs) {
      // Live viewers' streams never finish by themselves: end them, or they would hold the grace period.
      deps.live.close();
      await server.close(graceMs);
      await deps.close();
    },
  };
}
