/**
 * Asking the person at the terminal: a visible line (a username, an email) and a hidden one (a password,
 * echoed as nothing), on stderr so stdout stays the result. Only on a TTY; elsewhere callers say which flag
 * to use instead. `--password-stdin` reads a password piped in, as `docker login` does.
 */
import { createInterface } from 'node:readline';
import { CliError, EXIT_USAGE } from './io.js';

/** Ctrl-C or Ctrl-D at a prompt: no answer. */
const CANCELLED = 'cancelled at the prompt';

export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

export async function promptLine(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once('SIGINT', () => reject(new CliError(CANCELLED, EXIT_USAGE)));
      rl.once('close', () => reject(new CliError(CANCELLED, EXIT_USAGE)));
      rl.question(question, (answer) => resolve(answer.trim()));
    });
  } finally {
    rl.removeAllListeners('close');
    rl.close();
  }
}

/** Reads one line without echoing it; the terminal's mode is restored on every way out. */
export async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the question shows, so nothing typed after it can appear on the screen.
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.resume();
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer = '';
      const onData = (text: string) => {
        for (const char of text) {
          if (char === '\r' || char === '\n') {
            stdin.off('data', onData);
            resolve(answer);
            return;
          }
          if (char === '\u0003' || char === '\u0004') {
            stdin.off('data', onData);
            reject(new CliError(CANCELLED, EXIT_USAGE));
            return;
          }
          if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1);
          else answer += char;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

/** `--password-stdin`: everything on standard input, without its trailing newline. */
export async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new CliError('--password-stdin: standard input was empty; pipe the password in (e.g. `echo "$PW" | v1hub login … --password-stdin`)', EXIT_USAGE);
  return password;
}
