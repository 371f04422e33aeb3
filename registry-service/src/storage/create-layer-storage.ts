// Builds the configured driver, always behind CheckedLayerStorage (path grammar + error family).
import { CheckedLayerStorage } from './checked-storage.js';
import type { LayerStorage } from './layer-storage.js';
import { LocalLayerStorage } from './local/local-layer-storage.js';
import { MemoryLayerStorage } from './memory/memory-layer-storage.js';

/** Parsed, validated storage configuration (see storage-url.ts for the command-line form). */
export type LayerStorageConfig =
  | { readonly driver: 'memory' }
  | { readonly driver: 'local'; readonly root: string }
  | {
      readonly driver: 's3';
      readonly bucket: string;
      /** Key prefix without leading or trailing `/`; '' for the bucket root. */
      readonly prefix: string;
      readonly region: string;
      /** Custom endpoint (MinIO, s3rver, …); undefined for AWS. */
      readonly endpoint?: string;
      readonly forcePathStyle: boolean;
    };

/**
 * Opens the storage described by `config`. S3 credentials come from the SDK's default chain
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, shared profile, instance role, …). Rejects
 * StorageBackendError if a local root cannot be created.
 */
export async function createLayerStorage(config: LayerStorageConfig): Promise<LayerStorage> {
  switch (config.driver) {
    case 'memory':
      return new CheckedLayerStorage(new MemoryLayerStorage());
    case 'local':
      return new CheckedLayerStorage(await LocalLayerStorage.open({ root: config.root }));
    case 's3': {
      // Loaded on demand: the AWS SDK takes a third of a second to import, and most runs never use it.
      const { createS3Client, S3LayerStorage } = await import('./s3/s3-layer-storage.js');
      const client = createS3Client({
        region: config.region,
        forcePathStyle: config.forcePathStyle,
        ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      });
      return new CheckedLayerStorage(new S3LayerStorage({ client, bucket: config.bucket, prefix: config.prefix, ownsClient: true }));
    }
  }
}
