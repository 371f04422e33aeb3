/**
 * Runs the v1hub CLI as a real child process, from source (tsx), for end-to-end tests: services are started
 * the way a user starts them, and killed the way a crash kills them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** scenarios/src/cli/run.ts, found from this file so tests in any package can spawn the CLI. */
export const CLI_ENTRY = path.resolve(import.meta.dirname, '../../../scenarios/src/cli/run.ts');
const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
/** tsx's loader by absolute URL, so the child can run from any working directory. */
const TSX_LOADER = import.meta.resolve('tsx');

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` on stdout (rejects if the process exits first or after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal name). */
  exited(): Promise<number | string>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** The node command line that runs the CLI from source, and the environment it runs in. */
function cliInvocation(args: readonly string[], env: Record<string, string | undefined> = {}): { argv: string[]; env: NodeJS.ProcessEnv } {
  return {
    argv: [process.execPath, '--import', TSX_LOADER, '--conditions=@v1hub/source', CLI_ENTRY, ...args],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  };
}

export function spawnCli(args: readonly string[], opts: { env?: Record<string, string | undefined>; cwd?: string; stdin?: string } = {}): CliProcess {
  const { argv, env } = cliInvocation(args, opts.env);
  const child = spawn(argv[0] as string, argv.slice(1), { cwd: opts.cwd ?? REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin?.end(opts.stdin ?? '');
  const exit = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = out.match(pattern);
          if (!match) return false;
          cleanup();
          resolve(match);
          return true;
        };
        const onData = () => void check();
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; stdout: ${out}; stderr: ${err.slice(-2000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
        };
        if (check()) return;
        child.stdout?.on('data', onData);
        void exit.then((code) => {
          if (check()) return;
          cleanup();
          reject(new Error(`process exited (${code}) before printing ${pattern}; stdout: ${out}; stderr: ${err.slice(-2000)}`));
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}

/** Runs a CLI command to completion; resolves with its exit code and output. */
export async function runCli(args: readonly string[], opts: { env?: Record<string, string | undefined>; cwd?: string; stdin?: string } = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const proc = spawnCli(args, opts);
  const code = await proc.exited();
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

/**
 * Runs a CLI command on a pseudo-terminal (util-linux `script`, part of every Debian base system), for what
 * the CLI only draws on a TTY. stdout and stderr share the terminal, so they arrive as one `output`.
 * `answers` are typed in order, each once its prompt has appeared (a person at the keyboard).
 */
export async function runCliInTerminal(args: readonly string[], opts: { env?: Record<string, string | undefined>; cwd?: string; answers?: readonly { prompt: RegExp; answer: string }[] } = {}): Promise<{ code: number | string; output: string }> {
  const { argv, env } = cliInvocation(args, opts.env);
  const child = spawn('script', ['--quiet', '--return', '--command', argv.map(shellQuote).join(' '), '/dev/null'], { cwd: opts.cwd ?? REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const pending = [...(opts.answers ?? [])];
  let answered = 0;
  const onOutput = (d: string) => {
    output += d;
    const next = pending[0];
    if (next && next.prompt.test(output.slice(answered))) {
      pending.shift();
      answered = output.length;
      child.stdin.write(`${next.answer}\r`);
    }
  };
  child.stdout.setEncoding('utf8').on('data', onOutput);
  child.stderr.setEncoding('utf8').on('data', onOutput);
  const code = await new Promise<number | string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? signal ?? -1));
  });
  return { code, output };
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
