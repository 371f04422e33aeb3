/**
 * The record of one HTTP request/response pair, as the transport reports it to `onExchange` hooks
 * (scenario transcripts, `--verbose`, tests), with every credential masked (design.md §5.5, §16).
 */
import type { RouteName } from '../protocol/routes.js';
import { maskTokenValue } from '../protocol/token.js';

/** One request/response pair (one attempt: a retried call reports each attempt). */
export interface Exchange {
  readonly service: 'index' | 'registry';
  /** The route table name, or `pingV2` for the v2 probe (not a v1 route). */
  readonly route: RouteName | 'pingV2';
  readonly method: string;
  readonly url: string;
  /** Request headers as sent, credentials masked; repeated lines joined with ", ". */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** Response headers (lower-case names), tokens masked. */
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** From sending the request to the end of the response body (or the failure). */
  readonly ms: number;
  /** 1 for the first try, 2 for the first retry… */
  readonly attempt: number;
  /** Body bytes sent (chunked bodies included), when there was a body. */
  readonly requestBytes?: number;
  /** Body bytes received, when the body was read. */
  readonly responseBytes?: number;
  /** Why the exchange failed: a network error, a timeout, a body cut short. */
  readonly error?: string;
}

/** A receiver of exchanges. It must not throw; if it does, the error is ignored. */
export type ExchangeHook = (exchange: Exchange) => void;

const TOKEN_HEADERS = new Set(['x-docker-token', 'www-authenticate']);

/**
 * Masks one header value: `Basic …` becomes `Basic ****`; token-bearing values keep their repository and
 * access but lose the signature (maskTokenValue); cookies are hidden whole.
 */
export function maskHeaderValue(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    if (/^\s*basic\b/i.test(value)) return 'Basic ****';
    // A v2 JWT keeps its header and claims (what it grants is the lesson) and loses its signature.
    if (/^\s*bearer\b/i.test(value)) {
      const jwt = /^(\s*bearer\s+[^.\s]+\.[^.\s]+\.)\S+$/i.exec(value);
      return jwt ? `${jwt[1]}****` : 'Bearer ****';
    }
    return maskTokenValue(value);
  }
  if (TOKEN_HEADERS.has(lower)) return maskTokenValue(value);
  if (lower === 'cookie' || lower === 'set-cookie') return '****';
  return value;
}

/** Masks a whole header record; array values (repeated lines) are joined with ", " first. */
export function maskHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const joined = typeof value === 'string' ? value : value.join(', ');
    out[name] = maskHeaderValue(name, joined);
  }
  return out;
}

/** Calls a hook, shielding the transfer from a broken observer. */
export function emitExchange(hook: ExchangeHook | undefined, exchange: Exchange): void {
  if (!hook) return;
  try {
    hook(exchange);
  } catch {
    // NOTE: an observer (a transcript, a progress display) must never abort or corrupt a transfer.
  }
}
