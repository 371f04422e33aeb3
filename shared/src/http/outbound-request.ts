/**
 * One small outgoing request (http or https, a private CA allowed) read whole, with one timer over connect,
 * answer and body: what the Index's Web UI asks registries (tags, ancestry, json, the delete). Layers never
 * come here.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import tls from 'node:tls';

const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export interface OutboundAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

export interface OutboundOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** CA certificates (PEM) trusted besides Node's own. */
  readonly ca?: Buffer | string;
  readonly timeoutMs: number;
  /** Sent with a Content-Length. */
  readonly body?: string;
  /** Resolves the host (to refuse some addresses when connecting). */
  readonly lookup?: LookupFunction;
}

/** The TLS options that add `ca` to Node's roots (an empty object without one). */
export function caOptions(ca: Buffer | string | undefined): { ca?: string[] } {
  return ca === undefined ? {} : { ca: [...tls.rootCertificates, ca.toString()] };
}

export function requestText(url: string, opts: OutboundOptions): Promise<OutboundAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const headers = { ...(opts.headers ?? {}), ...(opts.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}) };
    const req = client.request(target, { method: opts.method ?? 'GET', headers, ...(opts.lookup ? { lookup: opts.lookup } : {}), ...(target.protocol === 'https:' ? caOptions(opts.ca) : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) req.destroy(new Error(`the answer exceeds ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', fail);
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs} ms`), { name: 'TimeoutError' })), opts.timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err);
    }
    req.on('error', fail);
    req.end(opts.body);
  });
}
