/** Starts a real Index on a free port with a memory store and a cheap KDF, plus a small fetch helper. */
import { formatBasic } from '@v1hub/shared';
import { loadIndexConfig, startIndexService, type RunningIndex } from '../../src/index.js';
import type { IndexDepsOptions } from '../../src/deps.js';

export const ADMIN_PASSWORD = 'admin-secret';
/** Cheap scrypt parameters: tests check behaviour, not KDF cost. */
export const TEST_KDF = { N: 1024, r: 8, p: 1 };

export async function startTestIndex(flags: Record<string, unknown> = {}, opts: Pick<IndexDepsOptions, 'now' | 'webhooks'> = {}): Promise<RunningIndex> {
  const config = loadIndexConfig({ flags: { port: 0, metadata: 'memory', adminPassword: ADMIN_PASSWORD, ...flags } });
  return startIndexService(config, { kdf: TEST_KDF, ...opts });
}

export interface CallOptions {
  readonly user?: [string, string];
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** Send this exact text as the body. */
  readonly raw?: string;
}

export interface CallResult {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
  readonly headers: Headers;
}

export function client(baseUrl: string) {
  return async function call(method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.user) headers.Authorization = formatBasic(opts.user[0], opts.user[1]);
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, headers: res.headers };
  };
}

export const hex = (c: string) => c.repeat(64);

/** Signs up a user through the wire (I3). */
export async function signup(call: ReturnType<typeof client>, username: string, password = 'password1', email = `${username}@example.com`): Promise<[string, string]> {
  const r = await call('POST', '/v1/users/', { body: { username, password, email } });
  if (r.status !== 201) throw new Error(`signup ${username}: ${r.status} ${r.text}`);
  return [username, password];
}
