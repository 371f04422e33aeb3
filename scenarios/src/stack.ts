/**
 * The services a scenario talks to: started in-process on free ports with the chosen backends (so the
 * registry → Index calls can be watched), or already running elsewhere (`--index`/`--registry`).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { reservePort } from '@v1hub/shared';
import { loadIndexConfig, startIndexService, type RunningIndex } from '@v1hub/index-service';
import { loadRegistryConfig, startRegistryService, type IndexCall, type RunningRegistry } from '@v1hub/registry-service';
import type { Recorder } from './recorder.js';
import type { Participant } from './transcript.js';

/** `index+registry+v2`: the same pair started with --v2 (workflow F). */
export type Topology = 'index+registry' | 'index+registry+v2' | 'standalone' | 'custom-index';

export interface Backends {
  /** Index metadata: `memory`, `file:DIR`, `redis://…`. A `file:` dir gets a fresh subdirectory per run. */
  readonly metadata: string;
  /** Registry storage: `memory`, `local:DIR`, `s3://…`. Each registry gets its own subdirectory / prefix. */
  readonly storage: string;
}

export interface StackService {
  readonly name: Participant;
  readonly url: string;
  /** `host:port`, as a client names it. */
  readonly server: string;
  /** Stops the service (to show failover); idempotent. */
  stop(): Promise<void>;
  /** In-process registries only: whether its storage still holds an image (to show what a delete left). */
  holdsImage?(id: string): Promise<boolean>;
}

export interface Stack {
  readonly external: boolean;
  readonly backend: string;
  /** The Index clients use (absent in the standalone topology). */
  readonly index: StackService | null;
  /** Registries in the order the Index advertises them. */
  readonly registries: StackService[];
  /** custom-index only: a second Index, and a registry that trusts it instead of ours. */
  readonly otherIndex: StackService | null;
  readonly foreignRegistry: StackService | null;
  close(): Promise<void>;
}

export const ADMIN_PASSWORD = 'scenario-admin';
const TEST_KDF = { N: 1024, r: 8, p: 1 };

function service(name: Participant, running: { url: string; close(graceMs?: number): Promise<void> } | RunningRegistry): StackService {
  let stopped: Promise<void> | null = null;
  const inspect = 'deps' in running && 'images' in running.deps ? { holdsImage: (id: string) => running.deps.images.exists(id) } : {};
  return { name, url: running.url, server: running.url.replace(/^https?:\/\//, ''), stop: () => (stopped ??= running.close(0)), ...inspect };
}

/** Per-run backends: a fresh temp subdirectory for file/local, a fresh prefix for Redis keys and S3 objects. */
async function isolate(backends: Backends, runDir: string, name: string): Promise<{ metadata: string; storage: string; keyPrefix: string }> {
  const keyPrefix = `v1hub-scenario:${path.basename(runDir)}:${name}:`;
  const metadata = backends.metadata.startsWith('file:') ? `file:${path.join(runDir, name, 'index')}` : backends.metadata;
  let storage = backends.storage;
  if (storage.startsWith('local:')) storage = `local:${path.join(runDir, name, 'registry')}`;
  else if (storage.startsWith('s3://')) {
    const url = new URL(storage);
    url.pathname = `${url.pathname.replace(/\/$/, '')}/${path.basename(runDir)}/${name}`;
    storage = url.toString();
  }
  return { metadata, storage, keyPrefix };
}

export async function startStack(topology: Topology, backends: Backends, recorder: Recorder): Promise<Stack> {
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'v1hub-scenario-'));
  const closers: (() => Promise<void>)[] = [];
  const observe = (from: Participant, to: Participant) => (call: IndexCall) =>
    recorder.record({ from, to, method: call.method, url: call.url, status: call.status, ms: call.ms, requestHeaders: call.requestHeaders, verdict: call.result ? 'true' : 'false', ...(call.cached ? { summary: 'answered from the validation cache' } : {}) });

  async function startIndex(name: Participant, endpoints: string[], extra: Record<string, unknown> = {}): Promise<RunningIndex> {
    const b = await isolate(backends, runDir, name);
    const index = await startIndexService(loadIndexConfig({ flags: { port: 0, metadata: b.metadata, keyPrefix: b.keyPrefix, endpoints: endpoints.join(','), adminPassword: ADMIN_PASSWORD, ...extra } }), { kdf: TEST_KDF });
    closers.push(() => index.close(0));
    return index;
  }
  const v2 = topology === 'index+registry+v2';
  async function startRegistry(name: Participant, opts: { index?: { url: string; name: Participant }; port?: number }): Promise<RunningRegistry> {
    const b = await isolate(backends, runDir, name);
    const flags = { port: opts.port ?? 0, storage: b.storage, ...(opts.index ? { index: opts.index.url } : { standalone: true }), ...(v2 ? { v2: true } : {}) };
    const registry = await startRegistryService(loadRegistryConfig({ flags }), opts.index ? { onIndexCall: observe(name, opts.index.name) } : {});
    closers.push(() => registry.close(0));
    return registry;
  }

  try {
    if (topology === 'standalone') {
      const registry = await startRegistry('registry', {});
      return finish(null, [service('registry', registry)], null, null);
    }
    const names: Participant[] = topology === 'custom-index' ? ['registry', 'registry-2', 'registry-3'] : ['registry'];
    const ports = await Promise.all(names.map(() => reservePort('127.0.0.1')));
    // Scenario E: the Index spreads repositories over its registries, two replicas each (workflows.md E).
    const allocation = topology === 'custom-index' ? { endpointAllocation: 'per-repository', replicas: 2 } : {};
    const index = await startIndex('index', ports.map((p) => `127.0.0.1:${p}`), { ...allocation, ...(v2 ? { v2: true } : {}) });
    const registries: StackService[] = [];
    for (const [i, name] of names.entries()) registries.push(service(name, await startRegistry(name, { index: { url: index.url, name: 'index' }, port: ports[i] as number })));
    if (topology !== 'custom-index') return finish(service('index', index), registries, null, null);
    const foreignPort = await reservePort('127.0.0.1');
    const other = await startIndex('index-2', [`127.0.0.1:${foreignPort}`]);
    const foreign = await startRegistry('registry-foreign', { index: { url: other.url, name: 'index-2' }, port: foreignPort });
    return finish(service('index', index), registries, service('index-2', other), service('registry-foreign', foreign));
  } catch (err) {
    await closeAll();
    throw err;
  }

  async function closeAll(): Promise<void> {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await fs.rm(runDir, { recursive: true, force: true });
  }

  function finish(index: StackService | null, registries: StackService[], otherIndex: StackService | null, foreignRegistry: StackService | null): Stack {
    return { external: false, backend: `${backends.metadata.split(':')[0]} + ${backends.storage.split(':')[0]}`, index, registries, otherIndex, foreignRegistry, close: closeAll };
  }
}

/** Services already running: nothing to start, and the registry → Index calls cannot be watched. */
export function externalStack(indexUrl: string | null, registryUrl: string): Stack {
  const wrap = (name: Participant, url: string): StackService => ({ name, url: url.replace(/\/$/, ''), server: url.replace(/^https?:\/\//, '').replace(/\/$/, ''), stop: async () => undefined });
  return { external: true, backend: 'external', index: indexUrl ? wrap('index', indexUrl) : null, registries: [wrap('registry', registryUrl)], otherIndex: null, foreignRegistry: null, close: async () => undefined };
}
