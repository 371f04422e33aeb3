export { buildIndexApp } from './app.js';
export { indexSettings, loadIndexConfig, type IndexConfig } from './config.js';
export { createIndexDeps, createIndexLogger, type IndexDeps, type IndexDepsOptions } from './deps.js';
export { startIndexService, type RunningIndex } from './service.js';
export { ADMIN_USERNAME } from './domain/admin-bootstrap.js';
export type { KdfParams } from './domain/passwords.js';
export * from './store/metadata-store.js';
export { createMetadataStore, parseMetadataUrl } from './store/create-metadata-store.js';
