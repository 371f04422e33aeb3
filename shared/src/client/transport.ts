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
import tls from 'node:tls';
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
  /**
   * Milliseconds to connect, and then to the first byte of the answer, before a call is given up (default
   * DEFAULT_TIMEOUT_MS): a server that accepts connections and never answers fails fast. A call whose body
   * streams (a layer) waits STREAM_TIMEOUT_MS at least, as the server fsyncs the layer before it answers.
   */
  readonly timeoutMs?: number;
  /** Backoff for idempotent calls; `{retries: 0}` disables retries. */
  readonly retry?: Partial<RetryPolicy>;
  /** Receives every exchange, credentials masked. */
  readonly onExchange?: ExchangeHook;
  /** Told before each retry, so a person sees why nothing happens (cli: one line per retry on a TTY). */
  readonly onRetry?: (retry: RetryNotice) => void;
  /** CA certificates (PEM) trusted for https on top of Node's own (and NODE_EXTRA_CA_CERTS): `--ca FILE`. */
  readonly ca?: string | Buffer;
}

/** Default connect and first-byte timeout of a call. */
export const DEFAULT_TIMEOUT_MS = 5_000;
/** The least a call with a streamed body waits for its answer once the body is sent. */
export const STREAM_TIMEOUT_MS = 60_000;

/** Why a call is tried again: which service at which host, which try comes next, out of how many. */
export interface RetryNotice {
  readonly service: 'index' | 'registry';
  /** `host:port`. */
  readonly host: string;
  readonly retry: number;
  readonly retries: number;
  /** `not answering`, `refused the connection`, `answered 503` … */
  readonly reason: string;
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
    /** Which service the call was for: the error names it ("registry 127.0.0.1:5001 refused the connection"). */
    readonly service: 'index' | 'registry' = 'registry',
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
  private readonly onRetry: ((retry: RetryNotice) => void) | undefined;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent: https.Agent;

  constructor(options: TransportOptions = {}) {
    this.userAgent = options.userAgent ?? DOCKER_USER_AGENT;
    // A private CA is added to Node's roots, not put in their place: public certificates keep working.
    this.httpsAgent = new https.Agent({ keepAlive: true, ...(options.ca ? { ca: [...tls.rootCertificates, options.ca.toString()] } : {}) });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.policy = resolveRetryPolicy(options.retry);
    this.onExchange = options.onExchange;
    this.onRetry = options.onRetry;
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
      let reason: string;
      try {
        const res = await this.send(req, attempt);
        if (last || !isRetryableStatus(res.status)) return res;
        reason = `answered ${res.status}`;
        await res.discard();
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason;
        // A certificate that is not trusted now will not be trusted on the next try either.
        if (last || tlsReason(err instanceof TransportError ? err.cause : err) !== null) throw err;
        reason = networkReason(err instanceof TransportError ? err.cause : err);
      }
      this.onRetry?.({ service: req.service, host: new URL(req.baseUrl).host, retry: attempt, retries, reason });
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
      const streamed = typeof body === 'function';
      const waitMs = streamed ? Math.max(this.timeoutMs, STREAM_TIMEOUT_MS) : this.timeoutMs;
      // Socket inactivity covers the connection and the wait for the first byte (and a stalled transfer).
      clientRequest.setTimeout(waitMs, () => clientRequest.destroy(new NotAnsweringError(waitMs)));
      let failed = false;
      clientRequest.on('error', (err) => {
        // After the response arrived, its body stream reports any failure itself.
        if (responded || failed) return;
        failed = true;
        const cause = uploadError ?? err;
        report(0, {}, undefined, cause);
        reject(new TransportError(method, path, url.toString(), cause, req.service));
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

/** The server took the connection (or not even that) and sent nothing within the timeout. */
export class NotAnsweringError extends Error {
  constructor(readonly ms: number) {
    super(`not answering (nothing within ${ms / 1000} s)`);
    this.name = 'NotAnsweringError';
  }
}

/** Certificate problems, as OpenSSL and Node name them. */
const UNTRUSTED_CERTIFICATE = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE']);

/** What went wrong with https, in words with what to do, or null when it was not a TLS problem. */
export function tlsReason(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (UNTRUSTED_CERTIFICATE.has(code)) return `presented a certificate no trusted CA signed (${code}): give its CA with --ca FILE (or NODE_EXTRA_CA_CERTS)`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `presented a certificate for another name (${code}): connect with a name the certificate lists`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `presented a certificate outside its validity dates (${code})`;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') return 'does not speak https here (plain http? use --insecure)';
  return null;
}

/** How a person would say what went wrong with a server: `refused the connection`, `not answering`. */
export function networkReason(err: unknown): string {
  if (err instanceof NotAnsweringError) return 'not answering';
  const tls = tlsReason(err);
  if (tls !== null) return tls;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'refused the connection';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'dropped the connection';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'is not a known host name';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'cannot be reached';
  return describeNetworkError(err);
}

/** A short reason for a network-level failure: `connect ECONNREFUSED 127.0.0.1:5001`, `socket hang up`. */
export function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
