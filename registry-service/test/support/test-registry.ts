/** Starts real Registry servers on free ports for tests, and a fetch helper that keeps raw bytes. */
import { loadRegistryConfig, startRegistryService, type IndexCall, type RunningRegistry } from '../../src/index.js';

export async function startStandaloneRegistry(flags: Record<string, unknown> = {}): Promise<RunningRegistry> {
  return startRegistryService(loadRegistryConfig({ flags: { port: 0, storage: 'memory', standalone: true, ...flags } }));
}

export async function startIndexedRegistry(indexUrl: string, flags: Record<string, unknown> = {}, onIndexCall?: (c: IndexCall) => void): Promise<RunningRegistry> {
  return startRegistryService(loadRegistryConfig({ flags: { port: 0, storage: 'memory', index: indexUrl, ...flags } }), onIndexCall ? { onIndexCall } : {});
}

export interface RawResult {
  readonly status: number;
  readonly body: Buffer;
  readonly text: string;
  readonly json: unknown;
  readonly headers: Headers;
}

export function rawClient(baseUrl: string) {
  return async function call(method: string, path: string, opts: { headers?: Record<string, string>; body?: Buffer | string; chunked?: boolean } = {}): Promise<RawResult> {
    let body: RequestInit['body'] = opts.body;
    const init: RequestInit & { duplex?: 'half' } = { method, headers: opts.headers ?? {} };
    if (opts.chunked && opts.body !== undefined) {
      const bytes = Buffer.from(opts.body);
      body = new ReadableStream({
        start(c) {
          for (let i = 0; i < bytes.length; i += 1000) c.enqueue(bytes.subarray(i, i + 1000));
          c.close();
        },
      });
      init.duplex = 'half';
    }
    if (body !== undefined) init.body = body;
    const res = await fetch(`${baseUrl}${path}`, init);
    const buf = Buffer.from(await res.arrayBuffer());
    const text = buf.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, body: buf, text, json, headers: res.headers };
  };
}

export const errorOf = (r: RawResult) => (r.json as { error?: string } | undefined)?.error;
