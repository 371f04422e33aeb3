/**
 * How a mirror talks to its upstream registry and Index (§9 item 8): plain GETs whose answer comes back as a
 * stream, so a layer is never held whole. An upstream that cannot be reached, or sends no head within the
 * timeout, is the 503 `Upstream … unavailable` naming it — never a hang and never a 500.
 */
import http from 'node:http';
import https from 'node:https';
import { V1Error, type Logger } from '@v1hub/shared';

/** Small answers (json, ancestry, tags, image lists) are read whole up to this size; layers are streamed. */
const MAX_SMALL_ANSWER_BYTES = 16 * 1024 * 1024;
const MAX_SOCKETS = 32;

/**
 * Request headers that describe one hop, or that a cache fetch must not inherit, and are never forwarded:
 * RFC 9110 §7.6.1 hop-by-hop fields, plus `host` and `location` (docker-registry's lookup_source dropped those
 * two) and `accept-encoding` (the mirror stores the bytes upstream has, not a compressed transfer of them).
 */
const NOT_FORWARDED = new Set(['host', 'location', 'connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'accept-encoding']);

/** Answer headers that belong to the upstream hop, not to the content, and are not passed on. */
const NOT_PASSED_ON = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'date', 'server', 'set-cookie', 'trailer', 'upgrade']);

export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body, unread: the caller consumes or destroys it. */
  readonly body: http.IncomingMessage;
}

/** The 503 a client gets when the upstream cannot answer, naming it. */
export function upstreamUnavailable(baseUrl: string, cause: string): V1Error {
  return new V1Error('UNAVAILABLE', { message: `Upstream ${baseUrl} unavailable (${cause}); only content this mirror already holds can be served` });
}

/** The client's request headers a mirror forwards upstream (docker-registry's lookup_source), by lower-case name. */
export function forwardableHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** An upstream answer's headers a mirror passes on to its client. */
export function passableHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_PASSED_ON.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export class UpstreamClient {
  private readonly agent: http.Agent;
  private readonly client: typeof http | typeof https;

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {
    const options = { keepAlive: true, maxSockets: MAX_SOCKETS };
    const secure = baseUrl.startsWith('https:');
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
    this.client = secure ? https : http;
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * GET (or HEAD) `path`, with its query, upstream. Resolves with the head as soon as it arrives; the timeout covers
   * connecting and the head only, so a long layer is not cut. Rejects the 503 when upstream is unreachable.
   */
  get(path: string, headers: Readonly<Record<string, string>>, method: 'GET' | 'HEAD' = 'GET'): Promise<UpstreamAnswer> {
    const url = `${this.baseUrl}${path}`;
    return new Promise((resolve, reject) => {
      const req = this.client.request(url, { method, agent: this.agent, headers }, (res) => {
        clearTimeout(timer);
        this.log.info('upstream answered', { method, url, status: res.statusCode });
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res });
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(upstreamUnavailable(this.baseUrl, (err as NodeJS.ErrnoException).code ?? err.message));
      });
      req.end();
    });
  }

  /** GET and read a small answer whole (at most 16 MiB; more is the 503, as no such answer is that large). */
  async getSmall(path: string, headers: Readonly<Record<string, string>>): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: Buffer }> {
    const answer = await this.get(path, headers);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of answer.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_SMALL_ANSWER_BYTES) throw new Error(`answer larger than ${MAX_SMALL_ANSWER_BYTES} bytes`);
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      answer.body.destroy();
      throw upstreamUnavailable(this.baseUrl, (err as Error).message);
    }
    if (!answer.body.complete) throw upstreamUnavailable(this.baseUrl, 'answer cut short');
    return { status: answer.status, headers: answer.headers, bytes: Buffer.concat(chunks) };
  }
}
