export { buildRegistryApp } from './app.js';
export { registrySettings, loadRegistryConfig, type RegistryConfig } from './config.js';
export { createRegistryDeps, createRegistryLogger, type RegistryDeps, type RegistryDepsOptions } from './deps.js';
export { startRegistryService, type RunningRegistry } from './service.js';
export type { IndexCall, IndexCallObserver } from './auth/index-client.js';
export type { LayerStorage } from './storage/layer-storage.js';
export { parseStorageUrl } from './storage/storage-url.js';
export { createLayerStorage } from './storage/create-layer-storage.js';
