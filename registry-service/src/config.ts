/**
 * The Registry's settings (cli.md "Services": `v1hub registry`). Each key is also a flag and a `V1HUB_*`
 * variable; precedence defaults < --config file < env < flags. Exactly one of `--index URL` (token checks
 * through that Index) and `--standalone` (no Index at all) must be given.
 */
import { bool, hostPortProblem, httpUrlProblem, int, list, loadConfig, oneOf, optionalStr, port, str, stripTrailingSlash, type ConfigOf, type ConfigSources } from '@v1hub/shared';
import { parseStorageUrl } from './storage/storage-url.js';

export const registrySettings = {
  host: str('Address to listen on', '127.0.0.1'),
  port: port('Port to listen on (0 picks a free one)', 5001),
  storage: str('Layer storage: local:DIR, memory, s3://bucket[/prefix]?endpoint=…&region=…&forcePathStyle=true', 'local:.v1hub/registry', (v) => {
    const parsed = parseStorageUrl(v);
    return parsed.ok ? null : parsed.problems.join('; ');
  }),
  index: optionalStr('URL of the Index that validates tokens (index mode)', httpUrlProblem),
  standalone: bool('Run without an Index: any or no token passes, and the Index subset clients call is served here', false),
  validationCache: int('Seconds a token validation answer from the Index may be reused (0 = ask every time, as docker-registry did)', 0, { min: 0, max: 3600 }),
  indexTimeout: int('Milliseconds to wait for the Index before answering 503', 5000, { min: 100, max: 120_000 }),
  endpoints: list('Standalone mode: registries advertised in X-Docker-Endpoints (default: the Host the client used)', [], hostPortProblem),
  debug: bool('Ping shows versions and X-Docker-Registry-Config, as docker-registry did with debug: true', false),
  logLevel: oneOf('Log level', 'info', ['debug', 'info', 'warn', 'error'] as const),
  logFormat: oneOf('Log format (default: pretty on a terminal, else json)', 'auto', ['auto', 'json', 'pretty'] as const),
};

export type RegistryConfig = ConfigOf<typeof registrySettings>;

export function loadRegistryConfig(sources: ConfigSources): RegistryConfig {
  const config = loadConfig(registrySettings, sources, (c) => {
    if (c.index === null && !c.standalone) return ['one of --index URL or --standalone is required'];
    if (c.index !== null && c.standalone) return ['--index and --standalone exclude each other: pick one'];
    return [];
  });
  return config.index === null ? config : Object.freeze({ ...config, index: stripTrailingSlash(config.index) });
}
