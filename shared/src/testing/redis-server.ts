// A throwaway redis-server for tests: real binary, loopback only, its own port and directory, so a
// developer's Redis on 6379 is never touched (design §16: the Redis suites never skip in CI).
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { isExecutableFile, onPath } from './executables.js';
import { freePort } from './free-port.js';
import { makeTempDir, type TempDir } from './temp-dir.js';

/** How to install the binary on Debian/Ubuntu; quoted in every "not found" message. */
export const REDIS_INSTALL_COMMAND = 'apt-get install -y redis-server';

const DEFAULT_BINARY = 'redis-server';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const START_ATTEMPTS = 3;
const OUTPUT_TAIL_CHARS = 4_000;

export interface RedisServerOptions {
  /**
   * Keep data across `kill()` + `restart()` (append-only file, fsync on every write).
   * Off by default: `--save "" --appendonly no`.
   */
  readonly persistence?: boolean;
  /** Binary name or path; defaults to `redis-server` on PATH. */
  readonly binary?: string;
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`, ready for ioredis or any other client. */
  readonly url: string;
  readonly port: number;
  /** The server's working directory (AOF files live here); removed by `stop()`. */
  readonly dir: string;
  /** Graceful shutdown (SIGTERM), then removes `dir`. Safe to call more than once. */
  stop(): Promise<void>;
  /** SIGKILL, to simulate an outage. Keeps `dir`, so `restart()` can recover persisted data. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and directory (stopping it first if it runs). Rejects after `stop()`. */
  restart(): Promise<void>;
}

/** True when the binary can be executed: an explicit path, or a name found on PATH. */
export function redisServerAvailable(binary: string = DEFAULT_BINARY): boolean {
  return binary.includes('/') ? isExecutableFile(binary) : onPath(binary) !== null;
}

/** Anything with mocha's `this.skip()`; a structural type so `shared` does not need mocha's types. */
export interface SkippableContext {
  skip(): void;
}

export interface RequireRedisServerOptions {
  /** Environment to read `CI` from; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly binary?: string;
  /** Where the skip notice goes; defaults to stderr so it stays visible in any reporter. */
  readonly warn?: (message: string) => void;
}

/**
 * Skip policy for Redis suites, for use in a `before` hook: returns when the binary exists; otherwise
 * skips the suite with a notice naming the install command, except under `CI=true`, where it throws
 * so a missing binary fails the build instead of silently dropping coverage.
 */
export function requireRedisServer(ctx: SkippableContext, options: RequireRedisServerOptions = {}): void {
  const binary = options.binary ?? DEFAULT_BINARY;
  if (redisServerAvailable(binary)) return;
  const problem = `${binary} was not found on PATH; install it with \`${REDIS_INSTALL_COMMAND}\``;
  if ((options.env ?? process.env).CI === 'true') {
    throw new Error(`${problem}. CI=true, so the Redis suites fail instead of skipping.`);
  }
  const warn = options.warn ?? ((message: string) => process.stderr.write(`\n  WARNING: ${message}\n`));
  warn(`skipping Redis-backed tests: ${problem}.`);
  ctx.skip();
}

/** Resolves true when something on `port` answers `PING` with `+PONG` within `timeoutMs`. */
export function pingRedis(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    // A peer that hangs up without a word (a server going down, or not Redis) is no answer either; without
    // this the promise would never settle, as the timeout dies with the socket.
    socket.once('close', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      // NOTE: while loading its AOF Redis answers `-LOADING`; that is "not ready yet", not a failure.
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

/** Starts a fresh redis-server on a free loopback port (never 6379) and resolves once it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? DEFAULT_BINARY;
  if (!redisServerAvailable(binary)) {
    throw new Error(`${binary} was not found on PATH; install it with \`${REDIS_INSTALL_COMMAND}\``);
  }
  const dir = await makeTempDir('v1hub-redis');
  let lastError: unknown;
  // NOTE: freePort() releases the port before redis binds it, so another process can win the race;
  // a fresh port on each attempt makes that harmless.
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt += 1) {
    const port = await freePort();
    const server = new ManagedRedisServer(binary, port, dir, options.persistence === true);
    try {
      await server.start();
      return server;
    } catch (err) {
      lastError = err;
    }
  }
  await dir.remove();
  throw lastError;
}

class ManagedRedisServer implements RedisServer {
  readonly url: string;
  readonly dir: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';
  private removed = false;
  // NOTE: if the test process dies without calling stop(), do not leave an orphaned redis-server behind.
  private readonly onProcessExit = () => {
    this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  };

  constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly tempDir: TempDir,
    private readonly persistence: boolean,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
    this.dir = tempDir.path;
  }

  async start(): Promise<void> {
    this.output = '';
    const child = spawn(this.binary, this.args(), { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    const record = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', record);
    child.stderr?.on('data', record);
    process.on('exit', this.onProcessExit);
    try {
      await this.waitUntilReady(child);
    } catch (err) {
      await this.terminate('SIGKILL');
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.terminate('SIGTERM');
    if (!this.removed) {
      this.removed = true;
      await this.tempDir.remove();
    }
  }

  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  async restart(): Promise<void> {
    if (this.removed) throw new Error(`redis-server on port ${this.port} was stopped; start a new one instead`);
    await this.terminate('SIGTERM');
    await this.start();
  }

  private args(): string[] {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--daemonize', 'no', '--save', ''];
    if (this.persistence) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    else args.push('--appendonly', 'no');
    return args;
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`redis-server exited before answering PING on port ${this.port}:\n${this.output}`);
      }
      if (await pingRedis(this.port, 500)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server did not answer PING on port ${this.port} within ${READY_TIMEOUT_MS} ms:\n${this.output}`);
  }

  /** Signals the current process (if any), escalating to SIGKILL if it outlives STOP_TIMEOUT_MS. */
  private async terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    process.off('exit', this.onProcessExit);
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const escalate = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, STOP_TIMEOUT_MS);
    });
    await Promise.race([this.exited, escalate]);
    clearTimeout(timer);
    await this.exited;
  }
}

