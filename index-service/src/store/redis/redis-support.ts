/** Small helpers the Redis store's parts share. */
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './scripts.js';
import type { RedisKeys } from './keys.js';
import { toStoreError } from './redis-connection.js';

export interface RedisContext {
  readonly client: RedisClient;
  readonly keys: RedisKeys;
}

/** Runs `fn`, turning any failure that is not already a StoreError into StoreUnavailableError. */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toStoreError(err);
  }
}

/** Executes a MULTI and returns the replies; a failed command inside it rejects the whole call. */
export async function execMulti(multi: ChainableCommander): Promise<unknown[]> {
  const results = await multi.exec();
  if (results === null) throw new Error('MULTI was aborted');
  return results.map(([err, reply]) => {
    if (err) throw err;
    return reply;
  });
}
