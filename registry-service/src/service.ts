/** Starts the Registry as a running service (the CLI and the tests call this; nothing reads process.env). */
import { layerDigestPoolForThisMachine, listen, readTlsFiles, type RunningServer } from '@v1hub/shared';
import { buildRegistryApp } from './app.js';
import type { RegistryConfig } from './config.js';
import { createRegistryDeps, type RegistryDeps, type RegistryDepsOptions } from './deps.js';

export interface RunningRegistry {
  readonly url: string;
  readonly port: number;
  readonly deps: RegistryDeps;
  close(graceMs?: number): Promise<void>;
}

/** `idleTimeoutMs`: drop a connection on which nothing moved this long (default DEFAULT_IDLE_TIMEOUT_MS). */
export async function startRegistryService(config: RegistryConfig, opts: RegistryDepsOptions & { idleTimeoutMs?: number } = {}): Promise<RunningRegistry> {
  const deps = await createRegistryDeps(config, opts);
  let server: RunningServer;
  try {
    server = await listen(buildRegistryApp(deps), { host: config.host, port: config.port, tls: readTlsFiles(config), ...(opts.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.idleTimeoutMs }) });
  } catch (err) {
    await deps.close();
    throw err;
  }
  // The digest workers boot now rather than under the first push (a thread start is tens of milliseconds).
  layerDigestPoolForThisMachine()?.warm();
  deps.log.info('registry listening', { url: server.url, mode: deps.access.mode, index: config.index, storage: deps.storage.driverName });
  return {
    url: server.url,
    port: server.port,
    deps,
    async close(graceMs) {
      // Live viewers' streams never finish by themselves: end them, or they would hold the grace period.
      deps.exchanges.end();
      await server.close(graceMs);
      await deps.close();
    },
  };
}
