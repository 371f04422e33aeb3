/**
 * The composition root of the Registry: opens storage, picks the access controller (index or standalone)
 * from a validated config, and builds the image and tag stores. Nothing here runs at import time.
 */
import { ExchangeFeed, createLogger, readCa, recordValidationCall, silentLogger, type Logger } from '@v1hub/shared';
import type { AccessController } from './auth/access-controller.js';
import { IndexAccessController } from './auth/index-access-controller.js';
import { IndexClient, type IndexCallObserver } from './auth/index-client.js';
import { MirrorAccessController } from './auth/mirror-access-controller.js';
import { StandaloneAccessController } from './auth/standalone-access-controller.js';
import type { RegistryConfig } from './config.js';
import { ImageAccess } from './images/image-access.js';
import { ImageStore } from './images/image-store.js';
import { Mirror } from './mirror/mirror.js';
import { UpstreamClient } from './mirror/upstream-client.js';
import { createLayerStorage } from './storage/create-layer-storage.js';
import { STORAGE_ROOT, type LayerStorage } from './storage/layer-storage.js';
import { parseStorageUrl } from './storage/storage-url.js';
import { TagStore } from './tags/tag-store.js';
import { RegistryMetrics } from './metrics.js';
import { IndexV2Access, openV2Access, type V2Access } from './v2/v2-access.js';
import { V2Store } from './v2/v2-store.js';
import { V1Bridge } from './v2/v1-bridge.js';

export interface RegistryDeps {
  readonly config: RegistryConfig;
  readonly log: Logger;
  readonly storage: LayerStorage;
  readonly access: AccessController;
  readonly images: ImageStore;
  /** What a grant may read among images (holders, and the Index's I12 for the rest). */
  readonly imageAccess: ImageAccess;
  readonly tags: TagStore;
  /** Mirror mode: the upstream it caches (§9 item 8); null otherwise. */
  readonly mirror: Mirror | null;
  /** This registry's exchanges, for live viewers (`GET /_events`); idle while nobody watches. */
  readonly exchanges: ExchangeFeed;
  /** What `GET /metrics` shows. */
  readonly metrics: RegistryMetrics;
  /** For `/_status` in index mode: resolves when the Index answers its ping. */
  indexProbe(): Promise<void>;
  /** The registry → Index client in index mode (null standalone or as a mirror). */
  readonly indexClient: IndexClient | null;
  /** The Registry API V2 (`--v2`): its content and who may reach it; null without --v2. */
  readonly v2: { readonly store: V2Store; readonly access: V2Access; readonly bridge: V1Bridge } | null;
  close(): Promise<void>;
}

export interface RegistryDepsOptions {
  readonly log?: Logger;
  readonly now?: () => number;
  /** Use this storage instead of opening one from `config.storage` (the caller closes it). */
  readonly storage?: LayerStorage;
  /** Sees every registry → Index call (scenario transcripts). */
  readonly onIndexCall?: IndexCallObserver;
  /** After how long an upload bound to one repository counts as abandoned (default ABANDONED_UPLOAD_MS). */
  readonly abandonedUploadMs?: number;
}

export function createRegistryLogger(config: Pick<RegistryConfig, 'logLevel' | 'logFormat'>, opts: { color?: boolean } = {}): Logger {
  return createLogger({ level: config.logLevel, ...(config.logFormat === 'auto' ? {} : { format: config.logFormat }), ...opts, bindings: { service: 'registry' } });
}

export async function createRegistryDeps(config: RegistryConfig, opts: RegistryDepsOptions = {}): Promise<RegistryDeps> {
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? Date.now;
  let storage = opts.storage;
  if (!storage) {
    const parsed = parseStorageUrl(config.storage);
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    storage = await createLayerStorage(parsed.config);
    // Probe once at start: a missing bucket, an unreachable endpoint or absent credentials stop the registry
    // here with their real cause, instead of every push getting 503 `Storage unavailable` later.
    try {
      await storage.list(STORAGE_ROOT);
    } catch (err) {
      await storage.close();
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : (err as Error).message;
      throw new Error(`storage ${config.storage} cannot be used: ${cause} (check that it exists, the endpoint answers and the credentials are set)`, { cause: err });
    }
  }
  const ownsStorage = opts.storage === undefined;
  // Every registry → Index call is seen by the caller's observer (scenarios) and by a watched request's event.
  const metrics = new RegistryMetrics();
  const observeIndexCall: IndexCallObserver = (call) => {
    opts.onIndexCall?.(call);
    if (!call.cached) metrics.indexValidationDuration.observe(call.ms / 1000);
    recordValidationCall(() => ({ route: call.route, path: call.cached ? '' : new URL(call.url).pathname, status: call.status, result: call.result, ms: call.ms, ...(call.cached ? { cached: true } : {}) }));
  };
  const ca = readCa(config);
  const indexClient = config.index === null ? null : new IndexClient(config.index, config.indexTimeout, log.child({ component: 'index-client' }), observeIndexCall, ca);
  const access: AccessController =
    indexClient !== null ? new IndexAccessController(indexClient, config.validationCache * 1000, now, observeIndexCall)
      : config.mirrorOf !== null ? new MirrorAccessController(config.mirrorOf)
        : new StandaloneAccessController();
  const theStorage = storage;
  const images = new ImageStore(storage, opts.abandonedUploadMs, now);
  const tags = new TagStore(storage, now);
  const v2Store = new V2Store(storage, now);
  const v2 = config.v2 ? { store: v2Store, access: config.index !== null ? new IndexV2Access(config.index, config.v2Service) : openV2Access(), bridge: new V1Bridge(storage, v2Store, tags, images) } : null;
  const mirrorLog = log.child({ component: 'mirror' });
  const mirror = config.mirrorOf === null ? null : new Mirror({
    upstream: new UpstreamClient(config.mirrorOf, config.indexTimeout, mirrorLog, ca),
    index: new UpstreamClient(config.mirrorIndex ?? config.mirrorOf, config.indexTimeout, mirrorLog, ca),
    tagsTtlMs: config.mirrorTagsTtl * 1000,
    images,
    storage,
    log: mirrorLog,
    now,
  });
  return {
    config,
    log,
    storage,
    access,
    images,
    imageAccess: new ImageAccess(images, tags, access),
    tags,
    v2,
    mirror,
    exchanges: new ExchangeFeed('registry'),
    metrics,
    indexClient,
    indexProbe: async () => {
      if (indexClient === null) throw new Error('this registry has no Index');
      await indexClient.ping();
    },
    async close() {
      indexClient?.close();
      mirror?.close();
      if (ownsStorage) await theStorage.close();
    },
  };
}
