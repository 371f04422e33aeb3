/**
 * When a Redis write is acknowledged. Redis replicates asynchronously: a master that dies right after a write
 * can take it with it, and the replica the sentinels (or the cluster) promote never had it. With
 * `--metadata-replicas N` the store answers a write only after `WAIT N` says N replicas have every write the
 * connection sent so far; if they do not within WAIT_TIMEOUT_MS the write is refused (503), not acknowledged.
 * So an acknowledged write survives the loss of the master as long as one of those N replicas is promoted.
 * N = 0 (the default) acknowledges as soon as the master has the write, as Redis itself does.
 *
 * Redis Cluster: one connection per master, so WAIT goes to every master (a write may have gone to any).
 */
import { Cluster } from 'ioredis';
import { StoreUnavailableError, type StoreOperation } from '../metadata-store.js';
import type { RedisClient } from './scripts.js';

/** Below the command timeout (1.5 s), so WAIT answers with its count rather than the client giving up. */
export const WAIT_TIMEOUT_MS = 1_000;

export type ReplicationBarrier = () => Promise<void>;

export function replicationBarrier(client: RedisClient, replicas: number): ReplicationBarrier | null {
  if (replicas <= 0) return null;
  return async () => {
    const connections = client instanceof Cluster ? client.nodes('master') : [client];
    const counts = await Promise.all(connections.map((connection) => connection.wait(replicas, WAIT_TIMEOUT_MS)));
    const reached = Math.min(...counts);
    if (reached < replicas) throw new StoreUnavailableError(`Redis: the write reached ${reached} of ${replicas} replicas within ${WAIT_TIMEOUT_MS} ms, so it is not acknowledged`);
  };
}

/**
 * `store` with each acknowledged write (as STORE_OPERATIONS marks them) followed by `barrier`; reads and the
 * audit trail's appends untouched.
 * A write that failed is not waited for.
 */
export function acknowledgedWrites<T extends object>(store: T, operations: Record<keyof T, StoreOperation>, barrier: ReplicationBarrier | null): T {
  if (barrier === null) return store;
  const wrapped = { ...store };
  for (const [name, operation] of Object.entries(operations) as [keyof T, StoreOperation][]) {
    if (!operation.acknowledged) continue;
    const method = store[name] as unknown as (...args: unknown[]) => Promise<unknown>;
    (wrapped as Record<keyof T, unknown>)[name] = async (...args: unknown[]) => {
      const result = await method.apply(store, args);
      await barrier();
      return result;
    };
  }
  return wrapped;
}

