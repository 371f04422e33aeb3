/**
 * How a mirror talks to its upstream registry and Index (§9 item 8): plain GETs whose answer comes back as a
 * stream, so a layer is never held whole. An upstream that cannot be reached, or sends no head within the
 * timeout, is the 503 `Upstream … unavailable` naming it — never a hang and never a 500.
 */
import type http from 'node:http';
import { V1Error, type Logger } from '@v1hub/shared/core';
import { httpTarget, type HttpTarget } from '../outbound/http-target.js';

/** Small answers (json, ancestry, tags, image lists) are read whole up to this size; layers are streamed. */
const MAX_SMALL_ANSWER_BYTES = 16 * 1024 * 1024;
/** A body that sends nothing for this long (and at least the head timeout) is cut: upstream is gone. */
const BODY_IDLE_MS = 30_000;

/**
 * Request headers that describe one hop, or that a cache fetch must not inherit, and are never forwarded:
 * RFC 9110 §7.6.1 hop-by-hop fields, plus `host` and `location` (docker-registry's lookup_source dropped those
 * two), `accept-encoding` (the mirror stores the bytes upstream has, not a compressed transfer of them) and a
 * client's claims about its address.
 */
const NOT_FORWARDED = new Set([
  'host', 'location', 'connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'accept-encoding',
  // What a client claims about its own address is not the mirror's to vouch for upstream.
  'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip',
]);

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

/**
 * The problem with a `--mirror-of` / `--mirror-index` value, or null. Credentials in the URL are refused:
 * Node would send them as Basic on every request, the anonymous "is it public?" question included (so
 * private content would be kept), and they would show in logs and messages. The value is not echoed.
 */
export function upstreamUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (user:password@): the mirror asks its upstream anonymously and forwards each client\'s own';
  if (url.search !== '' || url.hash !== '') return 'must not have a query or fragment';
  return null;
}

/** The client's request headers a mirror forwards upstream (docker-registry's lookup_source), by lower-case name. */
export function forwardableHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  return headersWithout(headers, NOT_FORWARDED);
}

/** An upstream answer's headers a mirror passes on to its client. */
export function passableHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  return headersWithout(headers, NOT_PASSED_ON);
}

function headersWithout(headers: http.IncomingHttpHeaders, left: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || left.has(name)) continue;
    // A repeated field is one comma-separated field (RFC 9110 §5.3); set-cookie, the exception, is never passed.
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export class UpstreamClient {
  private readonly target: HttpTarget;

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    ca?: Buffer,
  ) {
    // No socket limit: a slow layer download must not queue every other request behind it.
    this.target = httpTarget(baseUrl, { keepAlive: true }, ca);
  }

  close(): void {
    this.target.agent.destroy();
  }

  /**
   * GET (or HEAD) `path`, with its query, upstream. The path is sent exactly as given (no URL parsing, which
   * would resolve `..` and `%2E%2E` segments into another path than the one the mirror read). Resolves with
   * the head as soon as it arrives; the timeout covers connecting and the head, then each silence in the
   * body (BODY_IDLE_MS). Rejects the 503 when upstream is unreachable or silent.
   */
  get(path: string, headers: Readonly<Record<string, string>>, method: 'GET' | 'HEAD' = 'GET'): Promise<UpstreamAnswer> {
    const shown = `${this.baseUrl}${path}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (cause: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(upstreamUnavailable(this.baseUrl, cause));
        req.destroy();
      };
      const { client, agent, protocol, hostname, port, basePath } = this.target;
      const req = client.request({ protocol, hostname, port, path: `${basePath}${path}`, method, agent, headers }, (res) => {
        if (settled) {
          res.destroy();
          return;
        }
        settled = true;
        clearTimeout(timer);
        res.setTimeout(Math.max(this.timeoutMs, BODY_IDLE_MS), () => res.destroy(new Error('upstream went silent in the middle of its answer')));
        this.log.info('upstream answered', { method, url: shown, status: res.statusCode });
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res });
      });
      // The timer rejects by itself rather than through the request's error event, so no path of `http` can leave it pending.
      const timer = setTimeout(() => fail(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
      req.on('error', (err) => fail((err as NodeJS.ErrnoException).code ?? err.message));
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
