/**
 * Opens the MetadataStore a `metadata` URL names (see metadata-url.ts for the forms). The composition root
 * calls this once; config validation calls parseMetadataUrl alone.
 */
import { openFileMetadataStore } from './file/file-metadata-store.js';
import { MemoryMetadataStore } from './memory/memory-metadata-store.js';
import type { MetadataStore } from './metadata-store.js';
import type { MetadataUrl } from './metadata-url.js';
import type { CommonStoreOptions } from './store-options.js';

export { describeMetadataUrl, parseMetadataUrl, type HostPort, type MetadataUrl, type RedisTarget } from './metadata-url.js';
export { DEFAULT_AUDIT_CAPACITY, type CommonStoreOptions } from './store-options.js';
export { DEFAULT_KEY_PREFIX } from './redis/keys.js';

export interface CreateMetadataStoreOptions extends CommonStoreOptions {
  /** Prefix of every Redis key (Redis only); defaults to `v1hub:`. */
  readonly keyPrefix?: string;
  /** Redis only: acknowledge a write once this many replicas have it (WAIT); 0, the default, once the master has it. */
  readonly replicas?: number;
}

/**
 * Opens the store. Rejects StoreUnavailableError when Redis does not answer within a few seconds, and
 * StoreError when a file store's directory is locked by another process or its files are corrupt.
 */
export async function createMetadataStore(url: MetadataUrl, options: CreateMetadataStoreOptions = {}): Promise<MetadataStore> {
  switch (url.kind) {
    case 'memory':
      return new MemoryMetadataStore(options);
    case 'file':
      return openFileMetadataStore(url.dir, options);
    case 'redis': {
      // Loaded on demand: ioredis is not needed by embedded runs.
      const { openRedisMetadataStore } = await import('./redis/redis-metadata-store.js');
      return openRedisMetadataStore(url, options);
    }
  }
}
