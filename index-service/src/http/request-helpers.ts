/**
 * Small readers shared by the Index handlers: who is calling (Basic credentials), which repository the URL
 * names, whether a token was asked for, and the `X-Docker-Endpoints` to advertise.
 */
import crypto from 'node:crypto';
import type { Context } from 'koa';
import { Header, formatRepoName, indexUnauthorized, parseAuthorization, repoFromRouteParams, type RepoName, formatTokenChallenge } from '@v1hub/shared';
import type { UserRecord } from '../store/metadata-store.js';
import type { IndexDeps } from '../deps.js';

/** The repository named by `:ns/:repo` or the one-segment library form; 400 for an invalid name. */
export function repoFromParams(ctx: Context): RepoName {
  return repoFromRouteParams(ctx.params as Record<string, string>);
}

/** True when the client asked for a token (`X-Docker-Token: true`, §3.2 item 1). */
export function wantsToken(ctx: Context): boolean {
  // Node joins a repeated header line with ", ": `X-Docker-Token: true` sent twice still asks for a token.
  return ctx.get(Header.Token).split(',').some((value) => value.trim().toLowerCase() === 'true');
}

/**
 * The caller's account from Basic credentials, or null when none were sent. Only the route guards
 * (http/guards.ts) call it; handlers read the caller the guard established. Empty credentials
 * (`Basic Og==`, Docker 1.5 with nobody logged in, §10 Q20) count as none. Wrong credentials are a 401
 * even where anonymous access would do: if credentials are sent they must be valid (§3.2 item 1).
 */
export async function optionalUser(ctx: Context, deps: IndexDeps): Promise<UserRecord | null> {
  const header = ctx.get('Authorization');
  if (header === '') return null;
  const parsed = parseAuthorization(header);
  if (!parsed.ok) throw indexUnauthorized('UNAUTHORIZED', parsed.error);
  if (parsed.value.scheme !== 'basic') throw indexUnauthorized('UNAUTHORIZED', 'Basic credentials expected');
  if (parsed.value.username === '' && parsed.value.password === '') return null;
  return deps.users.authenticate(parsed.value.username, parsed.value.password);
}

/** True when the request carries `Authorization: Token …` (a registry asking, or a client using a token). */
export function hasTokenAuthorization(ctx: Context): boolean {
  return /^\s*token\b/i.test(ctx.get('Authorization'));
}

/**
 * The registries to advertise for `repo`: `--endpoints`, else the host the client reached us on — the Index
 * is then its own registry, as docker-registry's fake index did (§3.3). Always bare `host[:port]` (§3.2 item 4).
 * With `--endpoint-allocation per-repository` the list is rotated by a hash of the repository name, so
 * repositories spread over the registries (workflows.md E: the Index allocates a repository to a registry);
 * `--replicas N` keeps the first N, which every push replicates to and every pull fails over across.
 */
export function advertisedEndpoints(ctx: Context, deps: IndexDeps, repo: RepoName): string {
  return endpointsFor(deps.config, repo, ctx.host).join(',');
}

export function endpointsFor(config: Pick<IndexDeps['config'], 'endpoints' | 'endpointAllocation' | 'replicas'>, repo: RepoName, fallbackHost: string): string[] {
  const all = config.endpoints.length > 0 ? [...config.endpoints] : [fallbackHost];
  let ordered = all;
  if (config.endpointAllocation === 'per-repository') {
    const start = crypto.createHash('sha256').update(formatRepoName(repo)).digest().readUInt32BE(0) % all.length;
    ordered = [...all.slice(start), ...all.slice(0, start)];
  }
  return config.replicas > 0 ? ordered.slice(0, config.replicas) : ordered;
}

/** Who is asking, for the audit trail: the peer address and, when a registry says so, its name. */
export function peerOf(ctx: Context): string {
  return `${ctx.request.ip || ctx.req.socket.remoteAddress || 'unknown'}`;
}

/**
 * Sets `X-Docker-Token` on a token-issuing reply (§3.1 I6/I7/I8), and its copy `WWW-Authenticate: Token …`
 * on PUT and DELETE only (§5.1: "the same value is also sent as WWW-Authenticate … on PUT and DELETE").
 */
export function setTokenHeaders(ctx: Context, tokenValue: string): void {
  ctx.set(Header.Token, tokenValue);
  if (ctx.method === 'PUT' || ctx.method === 'DELETE') ctx.set(Header.WwwAuthenticate, formatTokenChallenge(tokenValue));
}
