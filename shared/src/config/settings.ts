/**
 * Typed readers for configuration values. Each turns a raw value — a string from the environment or a
 * flag, or any JSON value from a config file — into a typed value or a one-line problem. They never throw,
 * so the loader can report every problem at once (design §8, after Outline's env.ts).
 */

export type ReadResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface Setting<T> {
  /** One line for --help and the README table. */
  readonly doc: string;
  readonly default: T;
  readonly read: (raw: unknown) => ReadResult<T>;
  /** Shown instead of the value in logs and error messages. */
  readonly secret?: boolean;
}

const ok = <T>(value: T): ReadResult<T> => ({ ok: true, value });
const fail = <T>(error: string): ReadResult<T> => ({ ok: false, error });

export function str(doc: string, def: string, check?: (v: string) => string | null): Setting<string> {
  return {
    doc,
    default: def,
    read: (raw) => {
      if (typeof raw !== 'string') return fail('must be a string');
      const problem = check?.(raw);
      return problem ? fail(problem) : ok(raw);
    },
  };
}

export function optionalStr(doc: string, check?: (v: string) => string | null): Setting<string | null> {
  return {
    doc,
    default: null,
    read: (raw) => {
      if (raw === null || raw === '') return ok(null);
      if (typeof raw !== 'string') return fail('must be a string');
      const problem = check?.(raw);
      return problem ? fail(problem) : ok(raw);
    },
  };
}

export function int(doc: string, def: number, range: { min: number; max: number }): Setting<number> {
  return {
    doc,
    default: def,
    read: (raw) => {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
      if (!Number.isSafeInteger(n)) return fail(`must be a whole number, got ${JSON.stringify(raw)}`);
      if (n < range.min || n > range.max) return fail(`must be between ${range.min} and ${range.max}, got ${n}`);
      return ok(n);
    },
  };
}

export function port(doc: string, def: number): Setting<number> {
  return int(doc, def, { min: 0, max: 65535 });
}

export function bool(doc: string, def: boolean): Setting<boolean> {
  return {
    doc,
    default: def,
    read: (raw) => {
      if (typeof raw === 'boolean') return ok(raw);
      if (typeof raw === 'string') {
        const v = raw.trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(v)) return ok(true);
        if (['0', 'false', 'no', 'off', ''].includes(v)) return ok(false);
      }
      return fail(`must be true or false, got ${JSON.stringify(raw)}`);
    },
  };
}

export function oneOf<T extends string>(doc: string, def: T, values: readonly T[]): Setting<T> {
  return {
    doc,
    default: def,
    read: (raw) =>
      typeof raw === 'string' && (values as readonly string[]).includes(raw)
        ? ok(raw as T)
        : fail(`must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`),
  };
}

/** A list: a JSON array, or a comma-separated string; repeated flags arrive as arrays. */
export function list(doc: string, def: readonly string[], check?: (v: string) => string | null): Setting<readonly string[]> {
  return {
    doc,
    default: def,
    read: (raw) => {
      const items = Array.isArray(raw) ? raw.flatMap((v) => (typeof v === 'string' ? v.split(',') : [v])) : typeof raw === 'string' ? raw.split(',') : null;
      if (!items) return fail('must be a list (JSON array or comma-separated string)');
      const out: string[] = [];
      for (const item of items) {
        if (typeof item !== 'string') return fail('list items must be strings');
        const v = item.trim();
        if (v === '') continue;
        const problem = check?.(v);
        if (problem) return fail(problem);
        out.push(v);
      }
      return ok(out);
    },
  };
}

/** `http://` or `https://` URL, trailing slashes stripped. */
export function httpUrlProblem(v: string): string | null {
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must be an http(s) URL, got ${v}`;
    return null;
  } catch {
    return `must be an http(s) URL, got ${v}`;
  }
}

export function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** A bare `host[:port]` as X-Docker-Endpoints needs it: no scheme, no path (§3.2 item 4). */
export function hostPortProblem(v: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return `must be a bare host[:port] without a scheme, got ${v}`;
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(v)) return `must be host[:port], got ${v}`;
  const portText = v.match(/:(\d+)$/)?.[1];
  if (portText !== undefined && Number(portText) > 65535) return `port out of range in ${v}`;
  return null;
}
