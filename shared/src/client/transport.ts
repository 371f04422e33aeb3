/**
 * The shim's HTTP layer: builds every URL from the route table, adds the Docker 1.x User-Agent, sends
 * bodies (chunked streams included), applies an idle timeout, retries idempotent calls on 5xx and
 * network errors with bounded backoff, and reports every exchange with credentials masked.
 *
 * Built on node:http rather than fetch because the protocol needs what fetch hides: repeated header
 * lines on both sides (`X-Docker-Endpoints` sent once per endpoint, §6.3 step 3; every `X-Docker-Token`
 * line read back, §5.2), header names spelled as Docker spelled them, and a chunked upload with
 * back-pressure (§2 "Request bodies").
 */
import http from 'node:http';
import https from 'node:https';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ROUTES, buildPath, type RouteName, type RouteParams } from '../protocol/routes.js';
import { emitExchange, maskHeaders, type ExchangeHook } from './exchange.js';
import { isRetryableStatus, resolveRetryPolicy, waitBeforeRetry, type RetryPolicy } from './retry.js';
import { TransportResponse } from './transport-response.js';

/** The User-Agent of the Docker 1.5 daemon (§2 "Client User-Agent"), plus our own product token. */
export const DOCKER_USER_AGENT = 'docker/1.5.0 go/go1.4.1 git-commit/a8a31ef kernel/3.16.0 os/linux arch/amd64 v1hub/0.1.0';
/** Go 1.4's default User-Agent, which the ping and the 1.5 login POST carried (§2, §3.1 I1/I3). */
export const GO_USER_AGENT = 'Go 1.1 package http';

/**
 * Calls the client makes that the route table does not list, because no v1 service serves them: the v2
 * probe Docker ≥1.5 sent before the v1 ping (§3.1 I2), which must fail.
 */
export const CLIENT_ONLY_ROUTES = {
  pingV2: { method: 'GET', path: '/v2/' },
} as const;

/** A route of the table, or a client-only call. */
export type ClientRouteName = RouteName | keyof typeof CLIENT_ONLY_ROUTES;

/** A request body: text or bytes (sent with Content-Length), or a stream factory (sent chunked). */
export type RequestBody = string | Uint8Array | (() => Readable);

/** Options of a {@link Transport}. */
export interface TransportOptions {
  /** User-Agent of every call except the ping and the login POST. Default {@link DOCKER_USER_AGENT}. */
  readonly userAgent?: string;
  /** Milliseconds without any byte moving before a call is abandoned. Default 30 000. */
  readonly timeoutMs?: number;
  /** Backoff for idempotent calls; `{retries: 0}` disables retries. */
  readonly retry?: Partial<RetryPolicy>;
  /** Receives every exchange, credentials masked. */
  readonly onExchange?: ExchangeHook;
}

/** One call of a route. */
export interface TransportRequest {
  readonly service: 'index' | 'registry';
  readonly route: ClientRouteName;
  /** Which of the route's paths to use (the registry ping is `/v1/_ping`, its second path). */
  readonly pathIndex?: number;
  /** `scheme://host[:port]` of the service (paths come from the route table and start with /v1/). */
  readonly baseUrl: string;
  readonly params?: RouteParams;
  /** The one-segment `library` form of a repository route (§1.3). */
  readonly library?: boolean;
  readonly query?: Readonly<Record<string, string>>;
  /** Extra headers; an array value is sent as repeated header lines. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: RequestBody;
  /** Allow retries. Default: true for every method but POST. Stream bodies are re-opened per try. */
  readonly retry?: boolean;
  /** Send Go's plain User-Agent instead of Docker's (ping, login POST). */
  readonly plainUserAgent?: boolean;
  readonly signal?: AbortSignal;
}

/** A call that got no HTTP response (connection refused, reset, timeout), after any retries. */
export class TransportError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly url: string,
    cause: unknown,
  ) {
    super(`${method} ${path}: ${describeNetworkError(cause)}`, { cause });
    this.name = 'TransportError';
  }
}

/** Sends route calls; one per client, holding its own keep-alive connection pool. */
export class Transport {
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly onExchange: ExchangeHook | undefined;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });

  constructor(options: TransportOptions = {}) {
    this.userAgent = options.userAgent ?? DOCKER_USER_AGENT;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.policy = resolveRetryPolicy(options.retry);
    this.onExchange = options.onExchange;
  }

  /** The retry policy in force (the workflows use it for their own resumable reads). */
  get retryPolicy(): RetryPolicy {
    return this.policy;
  }

  /**
   * Sends a call and resolves with the response once its headers arrived; 5xx answers and network
   * errors are retried when allowed. Resolves with the last response when 5xx retries run out; rejects
   * with a {@link TransportError} when no response came at all, or with the abort reason.
   */
  async request(req: TransportRequest): Promise<TransportResponse> {
    const method = routeMethod(req.route);
    const retries = (req.retry ?? method !== 'POST') ? this.policy.retries : 0;
    for (let attempt = 1; ; attempt++) {
      const last = attempt > retries;
      try {
        const res = await this.send(req, attempt);
        if (last || !isRetryableStatus(res.status)) return res;
        await res.discard();
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason;
        if (last) throw err;
      }
      await waitBeforeRetry(this.policy, attempt, req.signal);
    }
  }

  /** Closes idle keep-alive connections. The transport stays usable. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private send(req: TransportRequest, attempt: number): Promise<TransportResponse> {
    const method = routeMethod(req.route);
    const path = routePath(req);
    const query = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
    const url = new URL(`${path}${query}`, req.baseUrl);
    const headers: Record<string, string | string[]> = { 'User-Agent': req.plainUserAgent ? GO_USER_AGENT : this.userAgent };
    for (const [name, value] of Object.entries(req.headers ?? {})) headers[name] = typeof value === 'string' ? value : [...value];
    const body = req.body;
    if (typeof body === 'string' || body instanceof Uint8Array) headers['Content-Length'] = String(Buffer.byteLength(body));
    const started = performance.now();
    let requestBytes: number | undefined = body === undefined ? undefined : 0;

    const report = (status: number, responseHeaders: Record<string, string>, responseBytes: number | undefined, error: Error | null): void => {
      emitExchange(this.onExchange, {
        service: req.service,
        route: req.route,
        method,
        url: url.toString(),
        requestHeaders: maskHeaders(headers),
        status,
        responseHeaders: maskHeaders(responseHeaders),
        ms: Math.round(performance.now() - started),
        attempt,
        ...(requestBytes === undefined ? {} : { requestBytes }),
        ...(responseBytes === undefined ? {} : { responseBytes }),
        ...(error ? { error: describeNetworkError(error) } : {}),
      });
    };

    return new Promise<TransportResponse>((resolve, reject) => {
      const lib = url.protocol === 'https:' ? https : http;
      const agent = url.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
      let uploadError: Error | null = null;
      let responded = false;
      const clientRequest = lib.request(url, { method, headers, agent, ...(req.signal ? { signal: req.signal } : {}) }, (message) => {
        responded = true;
        const res: TransportResponse = new TransportResponse(message.statusCode ?? 0, method, path, url.toString(), message, (bytes, error) =>
          report(res.status, res.headers(), bytes, error),
        );
        resolve(res);
      });
      clientRequest.setTimeout(this.timeoutMs, () => clientRequest.destroy(new Error(`no data for ${this.timeoutMs} ms`)));
      let failed = false;
      clientRequest.on('error', (err) => {
        // After the response arrived, its body stream reports any failure itself.
        if (responded || failed) return;
        failed = true;
        const cause = uploadError ?? err;
        report(0, {}, undefined, cause);
        reject(new TransportError(method, path, url.toString(), cause));
      });
      if (body === undefined) {
        clientRequest.end();
      } else if (typeof body === 'string' || body instanceof Uint8Array) {
        requestBytes = Buffer.byteLength(body);
        clientRequest.end(body);
      } else {
        const counter = new Transform({
          transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
            requestBytes = (requestBytes ?? 0) + chunk.length;
            callback(null, chunk);
          },
        });
        pipeline(body(), counter, clientRequest).catch((err: Error) => {
          // A server may answer before reading the whole body (a 401 on PUT layer) and close: the answer
          // is what matters then. Before any answer, a failing source (file read, gzip) must not look
          // like a network error: keep its reason.
          if (responded) return;
          uploadError ??= err;
          clientRequest.destroy(err);
        });
      }
    });
  }
}

function routeMethod(route: ClientRouteName): string {
  return route === 'pingV2' ? CLIENT_ONLY_ROUTES.pingV2.method : ROUTES[route].method;
}

function routePath(req: TransportRequest): string {
  if (req.route === 'pingV2') return CLIENT_ONLY_ROUTES.pingV2.path;
  return buildPath(req.route, req.params ?? {}, { library: req.library ?? false, ...(req.pathIndex === undefined ? {} : { pathIndex: req.pathIndex }) });
}

/** A short reason for a network-level failure: `connect ECONNREFUSED 127.0.0.1:5001`, `socket hang up`. */
export function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
