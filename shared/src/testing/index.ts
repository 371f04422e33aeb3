// Test helpers shared by every package's tests ("@v1hub/shared/testing"). Nothing here is imported by
// production code, and nothing here imports a service package.
export { freePort } from './free-port.js';
export { makeTempDir, type TempDir } from './temp-dir.js';
export {
  REDIS_INSTALL_COMMAND,
  pingRedis,
  redisServerAvailable,
  requireRedisServer,
  startRedisServer,
  type RedisServer,
  type RedisServerOptions,
  type RequireRedisServerOptions,
  type SkippableContext,
} from './redis-server.js';
export { startRedisCluster, startRedisSentinelSet, type RedisClusterTopology, type RedisSentinelTopology, type SentinelOptions, type TopologyNode, type TopologyOptions } from './redis-topologies.js';
export { startS3Server, type S3Server, type S3ServerOptions } from './s3-server.js';
export * from './image-fixtures.js';
export * from './spawn-cli.js';
export * from './tcp-proxy.js';
export * from './tcp-balancer.js';
export * from './docker-save-fixtures.js';
export * from './modern-save-fixtures.js';
export * from './dockerd.js';
export * from './chromium.js';
export { waitUntil } from './wait-until.js';
