/**
 * The Index's settings (cli.md "Services": `v1hub index`). Each key is also a flag (`--token-ttl`) and an
 * environment variable (`V1HUB_TOKEN_TTL`); precedence defaults < --config file < env < flags.
 */
import { bool, readableFile, hostPortProblem, httpUrlProblem, int, list, loadConfig, oneOf, optionalStr, port, str, tlsProblems, tlsSettings, type ConfigOf, type ConfigSources } from '@v1hub/shared/core';
import { passwordProblem } from './domain/user-service.js';
import { parseMetadataUrl } from './store/metadata-url.js';

export const indexSettings = {
  host: str('Address to listen on', '127.0.0.1'),
  port: port('Port to listen on (0 picks a free one)', 5000),
  metadata: str('Metadata store: memory, file:DIR, redis://…, redis+cluster://…, redis+sentinel://…', 'memory', (v) => {
    const parsed = parseMetadataUrl(v);
    return parsed.ok ? null : parsed.error;
  }),
  metadataReplicas: int('Redis: a write is acknowledged only once this many replicas have it (WAIT), so a master lost right after it cannot take it along; refused with 503 when they do not within 1 s. 0 = once the master has it', 0, { min: 0, max: 16 }),
  keyPrefix: str('Prefix of every Redis key', 'v1hub:', (v) => (v.length > 0 && !/[\s{}]/.test(v) ? null : 'must be a non-empty string without spaces or braces (braces are Redis Cluster hash tags)')),
  endpoints: list('Registries advertised in X-Docker-Endpoints (bare host:port); default: the Host the client used', [], hostPortProblem),
  endpointAllocation: oneOf('How repositories map to --endpoints: ordered (every repository, the list as given) or per-repository (rotated by a hash of the name, so each repository has its own primary registry)', 'ordered', ['ordered', 'per-repository'] as const),
  replicas: int('How many of --endpoints each repository is advertised with (0 = all of them)', 0, { min: 0, max: 64 }),
  activation: oneOf('How new accounts become active: auto (at once) or admin (an administrator activates them; until then login and token requests are 403 "Account is not active", §8)', 'auto', ['auto', 'admin'] as const),
  tokenTtl: int('Token lifetime in seconds', 600, { min: 1, max: 7 * 24 * 3600 }),
  webhook: list('Global webhook URLs: every repository\'s push, create and delete events are POSTed there (queued and retried like repository hooks, unsigned)', [], httpUrlProblem),
  webhookPrivateTargets: bool('Let repository owners aim hooks at loopback, private and link-local addresses (off: a hook could otherwise reach the Index\'s own network)', false),
  adminPassword: { ...optionalStr('Password of the admin account created at first start (else one is generated and printed once)', (v) => (passwordProblem(v) ? 'must be at least 5 characters (the Index refuses shorter passwords)' : null)), secret: true },
  eventsKey: { ...optionalStr('Key shared with the registries (their --events-key): /live reads their exchanges at GET /_events with it; unset, /live shows the Index\'s side only. v1hub up sets one for both services', (v) => (v.length < 16 ? 'must be at least 16 characters' : null)), secret: true },
  v2: bool('Also be the token server of the Registry API V2 (GET /v2/token, ES256 JWTs), so today\'s Docker logs in, pushes and pulls through registries started with --v2. Off: /v2/ stays a 404, as Docker 1.6–1.8 need to keep speaking v1', false),
  v2Key: optionalStr('PKCS#8 PEM file of the P-256 key v2 tokens are signed with; every Index of one deployment needs the same file. Unset: a key made at start (tokens then end with the process)', readableFile),
  ...tlsSettings,
  logLevel: oneOf('Log level', 'info', ['debug', 'info', 'warn', 'error'] as const),
  logFormat: oneOf('Log format (default: pretty on a terminal, else json)', 'auto', ['auto', 'json', 'pretty'] as const),
};

export type IndexConfig = ConfigOf<typeof indexSettings>;

export function loadIndexConfig(sources: ConfigSources): IndexConfig {
  return loadConfig(indexSettings, sources, (config) => [...tlsProblems(config), ...replicaProblems(config)]);
}

/** Only Redis replicates: elsewhere the setting would promise a safety nothing provides. */
function replicaProblems(config: { metadata: string; metadataReplicas: number }): string[] {
  if (config.metadataReplicas === 0 || config.metadata.startsWith('redis')) return [];
  return ['--metadata-replicas needs a Redis --metadata (redis://, redis+sentinel:// or redis+cluster://)'];
}
