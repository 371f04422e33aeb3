/**
 * `v1hub index`, `v1hub registry` and `v1hub up` (cli.md "Services"). Each prints one line containing
 * `listening on http://HOST:PORT` per service once it accepts connections, runs until SIGINT/SIGTERM and
 * exits 0 after a clean shutdown. A bad setting stops it at start with every problem listed (exit 2).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, bool, loadConfig, port, reservePort, str, optionalStr, oneOf, tlsProblems, tlsSettings, type ConfigOf, type Setting } from '@v1hub/shared/core';
import type { RunningIndex } from '@v1hub/index-service';
import { indexSettings, loadIndexConfig } from '@v1hub/index-service/config';
import type { RunningRegistry } from '@v1hub/registry-service';
import { loadRegistryConfig, registrySettings } from '@v1hub/registry-service/config';
import { writeExampleImage } from '@v1hub/shared/client';
import { CliError, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { runUntilSignal, SHUTDOWN_GRACE_MS } from './lifecycle.js';
import { addSettingsOptions, settingsFlags } from './settings-options.js';

// The services themselves are loaded when one starts: their settings schemas (above) are all the other
// commands need, and importing both packages cost every `v1hub` command 0.3 s of start-up (issue 12).
const indexService = () => import('@v1hub/index-service');
const registryService = () => import('@v1hub/registry-service');

/** `v1hub up`: the whole stack on embedded defaults. */
export const upSettings = {
  host: str('Address both services listen on', '127.0.0.1'),
  indexPort: port('Port of the Index', 5000),
  registryPort: port('Port of the Registry', 5001),
  data: str('Directory for embedded data (git-ignored)', '.v1hub'),
  metadata: optionalStr('Index metadata store (default: file:<data>/index)', problemOf(indexSettings.metadata)),
  storage: optionalStr('Registry storage (default: local:<data>/registry)', problemOf(registrySettings.storage)),
  tlsCert: optionalStr('PEM certificate both services serve https with (with --tls-key)', problemOf(tlsSettings.tlsCert)),
  tlsKey: optionalStr('PEM private key of --tls-cert', problemOf(tlsSettings.tlsKey)),
  ca: optionalStr('PEM CA certificates the services trust for each other\'s https (default: --tls-cert itself, right for a self-signed certificate)', problemOf(tlsSettings.ca)),
  v2: bool('Serve the Registry API V2 beside v1 (the Index its token server): today\'s Docker logs in, pushes and pulls', false),
  logLevel: oneOf('Log level', 'info', ['debug', 'info', 'warn', 'error'] as const),
};

type UpConfig = ConfigOf<typeof upSettings>;

/**
 * `up`'s own settings. When they are bad, the services' environment is checked too (with stand-in flags), so
 * every problem is listed at once whichever layer it sits in.
 */
function loadUpConfig(io: CliIo, opts: Record<string, unknown>): UpConfig {
  try {
    return loadConfig(upSettings, { env: io.env, file: (opts.config as string | undefined) ?? null, flags: settingsFlags(opts, upSettings) }, tlsProblems);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const problems = problemsOf([
      () => loadIndexConfig({ env: io.env, flags: { port: 0, metadata: 'memory' } }),
      () => loadRegistryConfig({ env: io.env, flags: { port: 0, storage: 'memory', standalone: true } }),
    ]);
    throw new CliError(new ConfigError([...new Set([...err.problems, ...problems])]).message, EXIT_USAGE);
  }
}

/** The configuration problems of each loader, together. */
function problemsOf(loaders: readonly (() => unknown)[]): string[] {
  return loaders.flatMap((load) => {
    try {
      load();
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  });
}

/** The check of a service's own setting, reused by `up` so it lists every problem before starting anything. */
function problemOf(setting: Setting<unknown>): (value: string) => string | null {
  return (value) => {
    const result = setting.read(value);
    return result.ok ? null : result.error;
  };
}

function configOrUsage<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT_USAGE);
    throw err;
  }
}

function announceIndex(io: CliIo, index: RunningIndex): void {
  io.out(`v1hub index listening on ${index.url}`);
  if (index.generatedAdminPassword) io.out(`admin account created: user admin, password ${index.generatedAdminPassword} (shown once; set V1HUB_ADMIN_PASSWORD to choose it)`);
}

export function registerServiceCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  addSettingsOptions(program.command('index').description('Run the Index: accounts, repositories, tokens, search'), indexSettings, ['adminPassword']).action(async (opts: Record<string, unknown>) => {
    const config = configOrUsage(() => loadIndexConfig({ env: io.env, file: (opts.config as string | undefined) ?? null, flags: settingsFlags(opts, indexSettings) }));
    const { startIndexService, createIndexLogger } = await indexService();
    const index = await startOrExplain('the Index', () => startIndexService(config, { log: createIndexLogger(config, logColor(io)) }));
    // Handlers go in before the "listening" line: whoever reads that line may signal us at once.
    const stopped = runUntilSignal(() => index.close(SHUTDOWN_GRACE_MS));
    announceIndex(io, index);
    await stopped;
    setExit(EXIT_OK);
  });

  addSettingsOptions(program.command('registry').description('Run a Registry: images, layers, tags (--index URL, --standalone or --mirror-of URL)'), registrySettings).action(async (opts: Record<string, unknown>) => {
    const config = configOrUsage(() => loadRegistryConfig({ env: io.env, file: (opts.config as string | undefined) ?? null, flags: settingsFlags(opts, registrySettings) }));
    const { startRegistryService, createRegistryLogger } = await registryService();
    const registry = await startOrExplain('the registry', () => startRegistryService(config, { log: createRegistryLogger(config, logColor(io)) }));
    const stopped = runUntilSignal(() => registry.close(SHUTDOWN_GRACE_MS));
    const mode = config.standalone ? 'standalone' : config.mirrorOf !== null ? `mirror of ${config.mirrorOf}, index ${config.mirrorIndex}` : `index ${config.index}`;
    io.out(`v1hub registry (${mode}) listening on ${registry.url}`);
    await stopped;
    setExit(EXIT_OK);
  });

  addSettingsOptions(program.command('up').description('Run the Index and a Registry together on embedded defaults (npm start)'), upSettings).action(async (opts: Record<string, unknown>) => {
    const up = loadUpConfig(io, opts);
    const example = await writeExampleTarball(up.data);
    const { index, registry } = await startStack(up, io);
    const stopped = runUntilSignal(async () => {
      await registry.close(SHUTDOWN_GRACE_MS);
      await index.close(SHUTDOWN_GRACE_MS);
    });
    announceIndex(io, index);
    io.out(`v1hub registry listening on ${registry.url}`);
    io.out(`v1hub web UI: ${index.url}/`);
    io.out('');
    io.out('Try:');
    // Listening on every address (0.0.0.0 or ::) is reached through loopback from here.
    const server = `${localAddressOf(up.host)}:${index.port}`;
    // Over TLS on a local address the client needs --ca (it would use plain http there otherwise).
    const caFlag = up.tlsCert === null ? '' : ` --ca ${up.ca ?? up.tlsCert}`;
    io.out(`  npx v1hub login ${server} -u alice -p password1 -e alice@example.com${caFlag}`);
    io.out(`  npx v1hub push ${server}/alice/example:latest --from ${example}${caFlag}`);
    io.out(`  npx v1hub pull ${server}/alice/example:latest --to /tmp/example.tar${caFlag}`);
    io.out('Press Ctrl-C to stop.');
    await stopped;
    setExit(EXIT_OK);
  });
}

/**
 * Writes the example image into the data directory (it is deterministic: the same bytes every start) and
 * returns the path to print: relative to the working directory when inside it, as the banner is copy-pasted
 * from there.
 */
async function writeExampleTarball(data: string): Promise<string> {
  const file = path.resolve(data, 'example-image.tar');
  try {
    await writeExampleImage(file);
  } catch (err) {
    throw new CliError(`cannot write the example image into ${data}: ${(err as Error).message} (choose another --data DIR)`, EXIT_USAGE);
  }
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** NO_COLOR (no-color.org): set and not empty turns the pretty log's colours off. */
function logColor(io: CliIo): { color: boolean } {
  return { color: !io.env.NO_COLOR };
}

/**
 * A service that cannot start (its store or storage unusable, its port taken) is a configuration problem:
 * one line with the real cause, exit 2.
 */
async function startOrExplain<T>(what: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot start ${what}: ${(err as Error).message.replace(/\s+/g, ' ').trim()}`, EXIT_USAGE);
  }
}

/** The address (URL form: IPv6 in brackets) to reach a service listening on `host` from this machine. */
function localAddressOf(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

async function startStack(up: UpConfig, io: CliIo): Promise<{ index: RunningIndex; registry: RunningRegistry }> {
  const data = path.resolve(up.data);
  const registryPort = up.registryPort === 0 ? await reservePort(up.host) : up.registryPort;
  const advertisedHost = localAddressOf(up.host);
  // The Index's live view reads the registry's exchanges with a key both share: one made for this run
  // unless V1HUB_EVENTS_KEY chooses it.
  const eventsKey = io.env.V1HUB_EVENTS_KEY || randomBytes(24).toString('base64url');
  // With TLS both services serve the same certificate, and each trusts it (or --ca) for calls to the other.
  const tls = up.tlsCert === null ? {} : { tlsCert: up.tlsCert, tlsKey: up.tlsKey, ca: up.ca ?? up.tlsCert };
  const scheme = up.tlsCert === null ? 'http' : 'https';
  const loadIndex = () =>
    loadIndexConfig({
      env: io.env,
      flags: { host: up.host, port: up.indexPort, metadata: up.metadata ?? `file:${path.join(data, 'index')}`, endpoints: `${advertisedHost}:${registryPort}`, eventsKey, ...tls, v2: up.v2, logLevel: up.logLevel },
    });
  const loadRegistry = (indexUrl: string) =>
    loadRegistryConfig({
      env: io.env,
      flags: { host: up.host, port: registryPort, storage: up.storage ?? `local:${path.join(data, 'registry')}`, index: indexUrl, eventsKey, ...tls, v2: up.v2, logLevel: up.logLevel },
    });
  // Both services' settings (environment included) are checked before either starts, every problem at once;
  // the registry's Index URL is only known once the Index listens, so it is checked with a stand-in first.
  const problems = problemsOf([loadIndex, () => loadRegistry(`${scheme}://${advertisedHost}:${up.indexPort || 1}`)]);
  if (problems.length > 0) throw new CliError(new ConfigError(problems).message, EXIT_USAGE);
  const indexConfig = loadIndex();
  const [{ startIndexService, createIndexLogger }, { startRegistryService, createRegistryLogger }] = await Promise.all([indexService(), registryService()]);
  const index = await startOrExplain('the Index', () => startIndexService(indexConfig, { log: createIndexLogger(indexConfig, logColor(io)) }));
  try {
    const registryConfig = configOrUsage(() => loadRegistry(`${scheme}://${advertisedHost}:${index.port}`));
    const registry = await startOrExplain('the registry', () => startRegistryService(registryConfig, { log: createRegistryLogger(registryConfig, logColor(io)) }));
    return { index, registry };
  } catch (err) {
    await index.close();
    throw err;
  }
}
