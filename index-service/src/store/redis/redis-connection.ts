/**
 * Opens the ioredis client for a RedisTarget, configured to fail fast and heal by itself:
 *
 * - while disconnected, commands are refused at once (`enableOfflineQueue: false`) instead of queuing,
 *   and a command that gets no answer fails after COMMAND_TIMEOUT_MS, so a request meets a 503 within
 *   about two seconds instead of hanging;
 * - ioredis reconnects forever, waiting at most RECONNECT_CAP_MS between attempts, so the store recovers
 *   within about a second of Redis coming back.
 *
 * Every ioredis or network error becomes StoreUnavailableError (toStoreError).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '@v1hub/shared';
import { StoreError, StoreUnavailableError } from '../metadata-store.js';
import { describeMetadataUrl, type RedisTarget } from '../metadata-url.js';
import type { RedisClient } from './scripts.js';

export const COMMAND_TIMEOUT_MS = 1_500;
export const CONNECT_TIMEOUT_MS = 1_500;
export const RECONNECT_CAP_MS = 1_000;
/** How long opening the store waits for Redis before giving up. */
export const READY_WAIT_MS = 5_000;

const reconnectDelay = (attempt: number): number => Math.min(100 * attempt, RECONNECT_CAP_MS);

const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: CONNECT_TIMEOUT_MS,
  maxRetriesPerRequest: 1,
  retryStrategy: reconnectDelay,
  enableAutoPipelining: true,
};

/** Connects and waits until Redis answers; rejects StoreUnavailableError after `readyWaitMs`. */
export async function connectRedis(target: RedisTarget, options: { log?: Logger; readyWaitMs?: number } = {}): Promise<RedisClient> {
  const readyWaitMs = options.readyWaitMs ?? READY_WAIT_MS;
  const client = createClient(target);
  watchConnection(client, describeMetadataUrl(target), options.log);
  try {
    await waitUntilReady(client, readyWaitMs);
    return client;
  } catch (err) {
    client.disconnect();
    throw new StoreUnavailableError(`Redis at ${describeMetadataUrl(target)} did not answer within ${readyWaitMs} ms: ${(err as Error).message}`, { cause: err });
  }
}

function createClient(target: RedisTarget): RedisClient {
  const credentials = { username: target.username, password: target.password };
  switch (target.mode) {
    case 'standalone':
      return new Redis({ ...FAIL_FAST, ...credentials, host: target.host, port: target.port, db: target.db });
    case 'sentinel':
      return new Redis({
        ...FAIL_FAST,
        ...credentials,
        sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
        name: target.masterName,
        db: target.db,
        sentinelRetryStrategy: reconnectDelay,
      });
    case 'cluster':
      return new Cluster(
        target.nodes.map(({ host, port }) => ({ host, port })),
        {
          enableOfflineQueue: false,
          enableAutoPipelining: true,
          clusterRetryStrategy: reconnectDelay,
          slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
          redisOptions: { ...credentials, commandTimeout: COMMAND_TIMEOUT_MS, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 1 },
        },
      );
  }
}

/** Logs an outage once when it starts and once when it ends (ioredis reports every failed reconnect). */
function watchConnection(client: RedisClient, where: string, log: Logger | undefined): void {
  let up = false;
  let lastError = '';
  client.on('ready', () => {
    if (lastError !== '') log?.info('Redis connection restored', { redis: where });
    up = true;
    lastError = '';
  });
  client.on('error', (err: Error) => {
    if (up || lastError === '') log?.warn('Redis connection problem', { redis: where, err: err.message });
    up = false;
    lastError = err.message;
  });
  client.on('close', () => {
    if (up) log?.warn('Redis connection lost; reconnecting', { redis: where });
    up = false;
    lastError ||= 'connection closed';
  });
}

function waitUntilReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (err: Error) => {
      lastError = err;
    };
    const finish = (err?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onReady = () => finish();
    const timer = setTimeout(() => finish(lastError ?? new Error('timed out')), timeoutMs);
    client.on('ready', onReady);
    client.on('error', onError);
  });
}

/** Our own errors pass through; anything from ioredis or the network means "Redis did not answer". */
export function toStoreError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreUnavailableError(`Redis: ${message}`, { cause: err });
}
