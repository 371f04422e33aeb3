/**
 * The protocol core without the service frameworks: names, tokens, routes, errors, checksums, settings and
 * plain node:http helpers. What a CLI command that starts no service needs; importing it leaves Koa and
 * prom-client unloaded (about 0.2 s of start-up). The package's main entry re-exports all of it.
 */
export * from './errors.js';
export * from './protocol/headers.js';
export * from './protocol/names.js';
export * from './protocol/token.js';
export * from './protocol/routes.js';
export * from './protocol/v2.js';
export * from './protocol/v2-routes.js';
export { configFromV1Chain, v1ChainFromConfig, type DerivedV1Image, type V1ChainLink } from './image/v1-compat.js';
export * from './protocol/legacy-json.js';
export * from './protocol/json-problem.js';
export * from './log/logger.js';
export * from './time/clock.js';
export * from './config/settings.js';
export * from './config/load.js';
export * from './http/listen.js';
export * from './checksum/index.js';
export * from './tar/build-tar.js';
export * from './tar/compression.js';
export * from './protocol/workflow-steps.js';
export * from './config/tls-settings.js';
export * from './render/sequence-diagram.js';
export * from './http/outbound-request.js';
