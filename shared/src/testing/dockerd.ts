// A private Docker engine for tests: Debian's `dockerd` with its own data-root, exec-root, socket and
// pidfile in a temporary directory, no iptables, no bridge, the vfs storage driver, stopped by its pid.
// It never touches a system engine or /var/lib/docker.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isExecutableFile, onPath } from './executables.js';
import type { SkippableContext } from './redis-server.js';
import { makeTempDir } from './temp-dir.js';

const run = promisify(execFile);

/** How to install the engine on Debian; quoted in every "not found" message. */
export const DOCKERD_INSTALL_COMMAND = 'apt-get install -y docker.io';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

export interface Dockerd {
  /** `unix:///…/docker.sock`. */
  readonly host: string;
  /** Runs the docker client against this engine; rejects with its stderr on a non-zero exit. */
  docker(args: readonly string[]): Promise<string>;
  /** SIGTERM by pid, waits for the exit, removes the directory. Safe to call more than once. */
  stop(): Promise<void>;
}

/** The docker client to drive the engine with: Debian's beside dockerd when present, else any on PATH. */
function dockerClient(): string | null {
  if (isExecutableFile('/usr/bin/docker')) return '/usr/bin/docker';
  return onPath('docker');
}

/** True when both the engine and a client can be run (and we are root, as dockerd needs). */
export function dockerdAvailable(): boolean {
  return onPath('dockerd') !== null && dockerClient() !== null && process.getuid?.() === 0;
}

/**
 * Skip policy for engine suites, for a `before` hook: returns when dockerd can run; otherwise skips with a
 * notice naming the install command, except under `CI=true`, where it throws so that missing coverage fails.
 */
export function requireDockerd(ctx: SkippableContext, env: Readonly<Record<string, string | undefined>> = process.env): void {
  if (dockerdAvailable()) return;
  const problem = `dockerd (and a docker client, run as root) is not available; install it with \`${DOCKERD_INSTALL_COMMAND}\``;
  if (env.CI === 'true') throw new Error(`${problem}. CI=true, so the engine suites fail instead of skipping.`);
  process.stderr.write(`\n  WARNING: skipping Docker engine tests: ${problem}.\n`);
  ctx.skip();
}

/** Starts a private engine and waits until it answers `/_ping`. */
/** `insecureRegistries`: `host:port`s the engine may reach over plain http (loopback ones already are). */
export async function startDockerd(opts: { insecureRegistries?: readonly string[] } = {}): Promise<Dockerd> {
  const dir = await makeTempDir('v1hub-dockerd');
  const socket = join(dir.path, 'docker.sock');
  const pidfile = join(dir.path, 'docker.pid');
  const child = spawn('dockerd', [
    '--data-root', join(dir.path, 'data'),
    '--exec-root', join(dir.path, 'exec'),
    '--host', `unix://${socket}`,
    '--pidfile', pidfile,
    '--iptables=false', '--ip-masq=false', '--bridge=none', '--storage-driver=vfs',
    '--log-level=error',
    ...(opts.insecureRegistries ?? []).map((registry) => `--insecure-registry=${registry}`),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const client = dockerClient() as string;
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir.path, 'client') };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopByPid(child, pidfile, exited);
    await dir.remove();
  };
  try {
    await waitForPing(socket, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host: `unix://${socket}`,
    async docker(args) {
      try {
        const { stdout } = await run(client, [...args], { env, maxBuffer: 64 * 1024 * 1024 });
        return stdout;
      } catch (err) {
        const stderr = (err as { stderr?: string }).stderr ?? '';
        throw new Error(`docker ${args.join(' ')} failed: ${stderr.trim() || (err as Error).message}`, { cause: err });
      }
    },
    stop,
  };
}

async function waitForPing(socket: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dockerd exited at start (code ${child.exitCode}): ${log().trim()}`);
    if (await ping(socket)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`dockerd did not answer /_ping within ${READY_TIMEOUT_MS} ms: ${log().trim()}`);
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** SIGTERM to the pid dockerd wrote (its own pid), then SIGKILL after a grace period. */
async function stopByPid(child: ChildProcess, pidfile: string, exited: Promise<void>): Promise<void> {
  const pid = Number((await readFile(pidfile, 'utf8').catch(() => '')).trim()) || child.pid;
  if (pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
