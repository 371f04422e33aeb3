/**
 * Starts a Koa app on host:port and stops it gracefully: stop accepting, let in-flight requests finish
 * within a grace period, then cut what is left (cli.md "SIGTERM/SIGINT").
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { answerMalformedRequest } from './malformed-request.js';

export interface RunningServer {
  /** `http://host:port` with the real port. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly server: http.Server;
  /** Stops accepting, waits up to `graceMs` for in-flight requests, then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

/**
 * A connection on which nothing moves for this long while a request arrives is dropped: a request whose
 * declared body never arrives does not hold a connection (and a handler) open forever. Active uploads are
 * never idle, and the server's own work after the request arrived is not bounded by it.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export interface TlsFiles {
  /** PEM certificate chain and private key, as read from --tls-cert and --tls-key. */
  readonly cert: Buffer;
  readonly key: Buffer;
}

export async function listen(app: Koa<never, never> | Koa, opts: { host: string; port: number; idleTimeoutMs?: number; tls?: TlsFiles | null }): Promise<RunningServer> {
  const server: http.Server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, app.callback()) : http.createServer(app.callback());
  // Layer uploads are long; Node's default 5-minute request timeout would cut a slow multi-GiB push. The idle
  // timeout bounds a stalled one instead.
  server.requestTimeout = 0;
  server.timeout = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  // The idle bound is for the client's side of a request: once the request has fully arrived, the server may
  // think as long as it needs (fsync a layer, list a big layer's files) without the connection being cut.
  server.on('request', (req: http.IncomingMessage) => {
    const arrived = () => req.socket.setTimeout(0);
    if (req.complete) arrived();
    else {
      req.socket.setTimeout(server.timeout);
      req.once('end', arrived);
    }
  });
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', answerMalformedRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${opts.tls ? 'https' : 'http'}://${host}:${address.port}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    host,
    port: address.port,
    server,
    close(graceMs = 10_000): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/**
 * Finds a free port by binding port 0 and releasing it. `v1hub up --registry-port 0` needs the registry's
 * port before the Index starts (it is advertised in X-Docker-Endpoints); the tiny race is acceptable there.
 */
export async function reservePort(host: string): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
