/**
 * The v1 token wire format (v1-protocol.md §5.1).
 *
 * The Index issues `signature=<opaque>,repository="<ns>/<repo>",access=<read|write|delete>` in
 * `X-Docker-Token`; clients send it back as `Authorization: Token <value>[,<value>…]`.
 * Parsing mirrors docker-registry's lenient regex `(\w+)[:=][\s"]?([^",]+)"?`: either ':' or '=', an
 * optional quote, keys case-insensitive. Parsers return a result and never throw.
 */
import type { Parsed } from './names.js';

export type Access = 'read' | 'write' | 'delete';
export const ACCESS_VALUES: readonly Access[] = ['read', 'write', 'delete'];

export function isAccess(value: string): value is Access {
  return (ACCESS_VALUES as readonly string[]).includes(value);
}

/** One token as found on the wire. `repository` and `access` may be absent in a malformed token. */
export interface WireToken {
  readonly signature: string;
  readonly repository: string | null;
  readonly access: string | null;
}

/** The value the Index puts in `X-Docker-Token` (Hub style: no `Token ` prefix, §11). */
export function formatToken(token: { signature: string; repository: string; access: Access }): string {
  return `signature=${token.signature},repository="${token.repository}",access=${token.access}`;
}

/** The `WWW-Authenticate` value that accompanies a token on PUT and DELETE (§5.1). */
export function formatTokenChallenge(tokenValue: string): string {
  return `Token ${tokenValue}`;
}

const PAIR_RE = /(\w+)[:=][\s"]?([^",]+)"?/g;

/**
 * Parses the token list of a `Token …` credential (the part after the scheme word). Several tokens may be
 * joined by commas (Docker 1.x joined every `X-Docker-Token` value, §5.1); a new token starts at each
 * `signature` key. Returns the tokens in order; an error when there is no signature at all.
 */
export function parseTokenList(credentials: string): Parsed<WireToken[]> {
  const tokens: { signature: string; repository: string | null; access: string | null }[] = [];
  let current: { signature: string; repository: string | null; access: string | null } | null = null;
  // LEGACY: §10 Q7 — a fake index put `Token ` inside X-Docker-Token, so clients sent `Token Token …`.
  const text = credentials.replace(/^\s*token\s+/i, '');
  for (const match of text.matchAll(PAIR_RE)) {
    const key = (match[1] as string).toLowerCase();
    const value = (match[2] as string).trim();
    if (key === 'signature') {
      current = { signature: value, repository: null, access: null };
      tokens.push(current);
    } else if (current && key === 'repository') {
      current.repository = value;
    } else if (current && key === 'access') {
      current.access = value;
    }
  }
  if (tokens.length === 0) return { ok: false, error: 'Invalid token format: no signature' };
  return { ok: true, value: tokens };
}

/** One grant as a token list states it: the repository and access every token of the list agrees on. */
export interface SingleGrant {
  /** The token to validate and forward: the last one of the list. */
  readonly token: WireToken & { readonly repository: string; readonly access: string };
  /** The exact text to forward: `Token <that one token>`. */
  readonly authorization: string;
}

/**
 * Reduces a token list to exactly one grant. Docker 1.x joined every `X-Docker-Token` value it had (§5.1),
 * which is legitimate only for several values of the same grant; a list whose tokens name different
 * repositories or accesses (or lack either) is refused, so no check can look at one token while another
 * one is validated. The last token is kept: docker-registry's parser kept the last value of each key.
 */
export function selectSingleGrant(tokens: readonly WireToken[]): Parsed<SingleGrant> {
  const last = tokens.at(-1);
  if (!last || last.repository === null || last.access === null) return { ok: false, error: 'Token without repository or access' };
  for (const token of tokens) {
    if (token.repository !== last.repository || token.access !== last.access) return { ok: false, error: 'Tokens of the list disagree on repository or access' };
  }
  const token = { signature: last.signature, repository: last.repository, access: last.access };
  const value = `signature=${token.signature},repository="${token.repository}",access=${token.access}`;
  return { ok: true, value: { token, authorization: formatTokenAuthorization([value]) } };
}

/** What an `Authorization` header holds. */
export type Credentials =
  | { readonly scheme: 'token'; readonly tokens: readonly WireToken[]; readonly raw: string }
  | { readonly scheme: 'basic'; readonly username: string; readonly password: string };

/**
 * Parses an `Authorization` header: `Token …` (case-insensitive scheme word, §5.3 step 1) or
 * `Basic <base64 user:pass>`. Anything else, and every malformed value, is an error result.
 */
export function parseAuthorization(header: string | undefined | null): Parsed<Credentials> {
  if (header == null || header.trim() === '') return { ok: false, error: 'Missing Authorization header' };
  const trimmed = header.trim();
  const space = trimmed.search(/\s/);
  const scheme = (space < 0 ? trimmed : trimmed.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : trimmed.slice(space + 1).trim();
  if (scheme === 'token') {
    const tokens = parseTokenList(rest);
    if (!tokens.ok) return tokens;
    return { ok: true, value: { scheme: 'token', tokens: tokens.value, raw: trimmed } };
  }
  if (scheme === 'basic') {
    const basic = parseBasic(rest);
    if (!basic.ok) return basic;
    return { ok: true, value: { scheme: 'basic', ...basic.value } };
  }
  return { ok: false, error: `Unsupported authorization scheme: ${scheme}` };
}

function parseBasic(encoded: string): Parsed<{ username: string; password: string }> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return { ok: false, error: 'Invalid Basic credentials: not base64' };
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { ok: false, error: 'Invalid Basic credentials: no ":" separator' };
  return { ok: true, value: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } };
}

/** `Basic <base64 user:pass>`. */
export function formatBasic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** `Token <t1>,<t2>`: how Docker 1.x sent its tokens to a registry (§5.2). */
export function formatTokenAuthorization(tokens: readonly string[]): string {
  return `Token ${tokens.join(',')}`;
}

/** Masks a token or signature for logs and transcripts: the first 6 characters, then `…`. */
export function maskSecret(value: string): string {
  return value.length <= 6 ? '******' : `${value.slice(0, 6)}…`;
}

/** Masks every signature inside a token-bearing header value, keeping repository and access readable. */
export function maskTokenValue(value: string): string {
  return value.replace(/(signature[:=]\s*"?)([^",\s]+)/gi, (_m, prefix: string, sig: string) => `${prefix}${maskSecret(sig)}`);
}
