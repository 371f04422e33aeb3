/**
 * One base URL the registry calls (its Index, a mirror's upstream), parsed once: the http or https module, a
 * kept-alive agent, and the request options every call reuses (a URL string given to `http.get` is parsed
 * again on every call, and would resolve `..` segments of a path that must be sent as written).
 */
import http from 'node:http';
import https from 'node:https';
import { caOptions } from '@v1hub/shared/core';

export interface HttpTarget {
  readonly client: typeof http | typeof https;
  readonly agent: http.Agent;
  /** Options for `client.request`, the path aside: `path` is `basePath` + the call's own path. */
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  readonly basePath: string;
}

/** `ca`: CA certificates (PEM) trusted for an https target besides Node's own (`--ca`). */
export function httpTarget(baseUrl: string, agentOptions: http.AgentOptions, ca?: Buffer): HttpTarget {
  const url = new URL(baseUrl);
  const secure = url.protocol === 'https:';
  return {
    client: secure ? https : http,
    agent: secure ? new https.Agent({ ...agentOptions, ...caOptions(ca) }) : new http.Agent(agentOptions),
    protocol: url.protocol,
    // `[::1]` is how a URL writes an IPv6 host; the socket layer wants it bare.
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port,
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}
