/**
 * A small structured logger: JSON lines for machines, a readable line for a terminal. Redaction is built
 * in, not left to call sites: credentials never reach a sink (docker-registry logged tokens; we do not).
 */
import { maskTokenValue } from '../protocol/token.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'pretty';
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose every line carries `bindings` too. */
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  /** Colour the pretty format (default true; callers pass false when `NO_COLOR` is set, no-color.org). */
  readonly color?: boolean;
  /** Where lines go; defaults to stderr so stdout stays free for command output. */
  readonly write?: (line: string) => void;
  readonly bindings?: LogFields;
  readonly clock?: () => Date;
}

/** Keys whose values are secrets: never logged, whatever their nesting. */
const SECRET_KEYS = new Set(['authorization', 'password', 'passwd', 'secret', 'secretaccesskey', 'cookie', 'set-cookie', 'auth']);
/** Keys whose values carry tokens: logged with the signature masked. */
const TOKEN_KEYS = new Set(['x-docker-token', 'www-authenticate', 'token', 'signature']);

/** Returns a copy of `value` with secrets replaced; safe on cycles and deep objects. */
export function redact(value: unknown, key = '', depth = 0, seen = new WeakSet<object>()): unknown {
  const k = key.toLowerCase();
  if (SECRET_KEYS.has(k)) return value == null || value === '' ? value : '[redacted]';
  if (TOKEN_KEYS.has(k)) {
    if (typeof value === 'string') return k === 'signature' || k === 'token' ? maskSignatureLike(value) : maskTokenValue(value);
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? maskTokenValue(v) : '[redacted]'));
    return value == null ? value : '[redacted]';
  }
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...(value.stack ? { stack: value.stack } : {}) };
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, '', depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [childKey, childValue] of Object.entries(value)) out[childKey] = redact(childValue, childKey, depth + 1, seen);
  return out;
}

function maskSignatureLike(value: string): string {
  return value.includes('signature') ? maskTokenValue(value) : value.length <= 6 ? '******' : `${value.slice(0, 6)}…`;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const threshold = LEVELS[opts.level ?? 'info'];
  const format = opts.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clock = opts.clock ?? (() => new Date());
  const make = (bindings: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
      if (LEVELS[level] < threshold) return;
      const record = redact({ ...bindings, ...fields }) as LogFields;
      const time = clock().toISOString();
      write(format === 'json' ? JSON.stringify({ time, level, msg, ...record }) : prettyLine(time, level, msg, record, opts.color ?? true));
    };
    return {
      debug: (msg, fields) => emit('debug', msg, fields),
      info: (msg, fields) => emit('info', msg, fields),
      warn: (msg, fields) => emit('warn', msg, fields),
      error: (msg, fields) => emit('error', msg, fields),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make(opts.bindings ?? {});
}

const COLOURS: Record<LogLevel, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };

function prettyLine(time: string, level: LogLevel, msg: string, fields: LogFields, color: boolean): string {
  const { stack, ...rest } = fields as LogFields & { stack?: unknown };
  // A field with no value is left out (as JSON.stringify does), never printed as `key=undefined`.
  const pairs = Object.entries(rest).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const paint = (code: string, text: string) => (color ? `${code}${text}\x1b[0m` : text);
  const line = `${time.slice(11, 23)} ${paint(COLOURS[level], level.padEnd(5))} ${msg}${pairs.length ? ` ${paint('\x1b[90m', pairs.join(' '))}` : ''}`;
  return typeof stack === 'string' ? `${line}\n${stack}` : line;
}

/** A logger that drops everything (tests, libraries used quietly). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
