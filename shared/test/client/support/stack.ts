/** Real Index + Registry services in-process, wired the way `v1hub up` wires them, for the client tests. */
import { startIndexService, loadIndexConfig, type RunningIndex } from '@v1hub/index-service';
import { startRegistryService, loadRegistryConfig, type RunningRegistry } from '@v1hub/registry-service';
import { freePort } from '@v1hub/shared/testing';
import { startTcpProxy, type TcpProxy } from '@v1hub/shared/testing';

export const ADMIN_PASSWORD = 'admin-secret';
/** Cheap scrypt parameters: the tests check behaviour, not KDF cost. */
const TEST_KDF = { N: 1024, r: 8, p: 1 };

export interface Stack {
  readonly index: RunningIndex;
  readonly registry: RunningRegistry;
  readonly indexUrl: string;
  /** `127.0.0.1:<port>` of the real registry. */
  readonly registryHost: string;
  /** The TCP proxy in front of the registry, when asked for. */
  readonly proxy: TcpProxy | null;
  close(): Promise<void>;
}

/**
 * Starts a registry (memory storage, token checks through the Index) and an Index advertising it.
 * `endpoints`: what X-Docker-Endpoints lists — the registry, a proxy in front of it, or the proxy then
 * the registry (two endpoints backed by one registry).
 */
export async function startStack(opts: { endpoints?: 'registry' | 'proxy' | 'proxy+registry' } = {}): Promise<Stack> {
  const layout = opts.endpoints ?? 'registry';
  const registryPort = await freePort();
  const proxyPort = layout === 'registry' ? null : await freePort();
  const registryHost = `127.0.0.1:${registryPort}`;
  const endpoints = [...(proxyPort === null ? [] : [`127.0.0.1:${proxyPort}`]), ...(layout === 'proxy' ? [] : [registryHost])];
  const index = await startIndexService(
    loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: ADMIN_PASSWORD, endpoints: endpoints.join(',') } }),
    { kdf: TEST_KDF },
  );
  const registry = await startRegistryService(loadRegistryConfig({ flags: { port: registryPort, storage: 'memory', index: index.url } }));
  const proxy = proxyPort === null ? null : await startTcpProxy(proxyPort, registryPort);
  return {
    index,
    registry,
    indexUrl: index.url,
    registryHost,
    proxy,
    async close() {
      await proxy?.close();
      await registry.close(1000);
      await index.close(1000);
    },
  };
}

/** A standalone registry (its own fake Index, §3.3). */
export async function startStandalone(): Promise<RunningRegistry> {
  return startRegistryService(loadRegistryConfig({ flags: { port: 0, storage: 'memory', standalone: true } }));
}
