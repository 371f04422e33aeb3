/**
 * The Registry's settings (cli.md "Services": `v1hub registry`). Each key is also a flag and a `V1HUB_*`
 * variable; precedence defaults < --config file < env < flags. Exactly one of `--index URL` (token checks
 * through that Index), `--standalone` (no Index at all) and `--mirror-of URL` (a read-only pull-through cache
 * of an upstream registry, §9 item 8) must be given.
 */
import { bool, hostPortProblem, httpUrlProblem, int, list, loadConfig, oneOf, optionalStr, port, str, stripTrailingSlash, tlsProblems, tlsSettings, type ConfigOf, type ConfigSources } from '@v1hub/shared/core';
import { upstreamUrlProblem } from './mirror/upstream-client.js';
import { parseStorageUrl } from './storage/storage-url.js';

/** Images whose files changed more recently than this are kept by garbage collection by default (an upload whose tag is not set yet). */
export const DEFAULT_GC_GRACE_MS = 60 * 60 * 1000;

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
  mirrorOf: optionalStr('Mirror mode: the upstream v1 registry this registry is a read-only pull-through cache of', upstreamUrlProblem),
  mirrorIndex: optionalStr('Mirror mode: the upstream Index (token and privacy questions, I8 proxied); default: the --mirror-of URL, as docker-registry did', upstreamUrlProblem),
  mirrorTagsTtl: int('Mirror mode: seconds cached tags are served before upstream is asked again (docker-registry: 172800)', 172_800, { min: 0, max: 31_536_000 }),
  eventsKey: { ...optionalStr('Key that lets a live viewer (the Index\'s /live) read this registry\'s exchanges at GET /_events with Authorization: Bearer KEY; unset, the stream is off. v1hub up sets one for both services', (v) => (v.length < 16 ? 'must be at least 16 characters' : null)), secret: true },
  v2: bool('Also serve the Registry API V2 (/v2/) on the same storage: index mode checks Bearer JWTs the Index signed (its --v2) with its public key, standalone mode lets anyone in, as `docker run registry` does. Off: /v2/ stays a 404, as Docker 1.6–1.8 need to keep speaking v1', false),
  v2Service: str('The service name this registry gives in its v2 challenge; the tokens it accepts must be issued for it', 'v1hub-registry'),
  ...tlsSettings,
  debug: bool('Ping shows versions and X-Docker-Registry-Config, as docker-registry did with debug: true', false),
  logLevel: oneOf('Log level', 'info', ['debug', 'info', 'warn', 'error'] as const),
  logFormat: oneOf('Log format (default: pretty on a terminal, else json)', 'auto', ['auto', 'json', 'pretty'] as const),
};

export type RegistryConfig = ConfigOf<typeof registrySettings>;

export function loadRegistryConfig(sources: ConfigSources): RegistryConfig {
  const config = loadConfig(registrySettings, sources, (c) => {
    const modes = [c.index !== null && '--index', c.standalone && '--standalone', c.mirrorOf !== null && '--mirror-of'].filter((m): m is string => m !== false);
    if (modes.length === 0) return ['one of --index URL, --standalone or --mirror-of URL is required'];
    if (modes.length > 1) return [`${modes.join(' and ')} exclude each other: pick one`];
    if (c.mirrorOf === null && c.mirrorIndex !== null) return ['--mirror-index needs --mirror-of URL'];
    if (c.v2 && c.mirrorOf !== null) return ['--v2 serves a registry\'s own content: it does not combine with --mirror-of'];
    return tlsProblems(c);
  });
  const strip = (url: string | null) => (url === null ? null : stripTrailingSlash(url));
  const mirrorOf = strip(config.mirrorOf);
  return Object.freeze({ ...config, index: strip(config.index), mirrorOf, mirrorIndex: strip(config.mirrorIndex) ?? mirrorOf });
}
