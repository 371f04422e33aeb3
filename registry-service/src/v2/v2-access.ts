/**
 * Who may do what on the v2 API. This is where v2 parts from v1: a v1 registry asks its Index "is this token
 * good?" on every request (§5.3); a v2 registry checks the signature of a token the Index issued, locally,
 * and the token itself says what its holder may do (token.md). The registry fetches the Index's public keys
 * once (GET <index>/v2/token/jwks), and again only when a token names a key it has not seen (the Index was
 * given a new key), at most every few seconds.
 *
 * - index mode: every request needs `Authorization: Bearer <JWT>` signed by the Index (ES256), issued by
 *   v1hub-index for this registry's service, unexpired, whose `access` grants the route's action on the
 *   URL's repository. Without a token the answer is 401 UNAUTHORIZED with the challenge that sends the client
 *   to the Index; with a token lacking the action, 401 DENIED with `error="insufficient_scope"` (what makes
 *   Docker say "denied: requested access to the resource is denied").
 * - standalone mode: anyone may do anything, as `docker run registry` with no auth configured.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { V2Error, V2_TOKEN_ISSUER, formatV2Scope, type V2AccessEntry, type V2RouteAction } from '@v1hub/shared';

export interface V2AccessRequest {
  readonly authorization: string | undefined;
  readonly action: V2RouteAction;
  /** The repository name as the URL spells it (the token's scope uses the same spelling). */
  readonly name?: string;
}

export interface V2Access {
  /** Resolves when allowed; rejects V2Error (with `challenge` set) otherwise. */
  authorize(req: V2AccessRequest): Promise<{ subject: string; canPull: (name: string) => boolean }>;
}

/** A V2Error carrying the WWW-Authenticate challenge to send with it. */
export class V2Challenge extends V2Error {
  constructor(code: 'UNAUTHORIZED' | 'DENIED', readonly challenge: string, detail?: unknown) {
    super(code, detail, { status: 401 });
  }
}

export function openV2Access(): V2Access {
  return { authorize: async () => ({ subject: '', canPull: () => true }) };
}

const KEY_REFETCH_MS = 5_000;

export class IndexV2Access implements V2Access {
  private keys: ReturnType<typeof createLocalJWKSet> | null = null;
  private fetchedAt = 0;
  private fetching: Promise<void> | null = null;

  constructor(
    private readonly indexUrl: string,
    private readonly service: string,
    private readonly fetchKeys: () => Promise<JSONWebKeySet> = async () => {
      const res = await fetch(`${indexUrl}/v2/token/jwks`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`GET ${indexUrl}/v2/token/jwks: ${res.status}`);
      return (await res.json()) as JSONWebKeySet;
    },
  ) {}

  async authorize(req: V2AccessRequest): Promise<{ subject: string; canPull: (name: string) => boolean }> {
    // What the route needs, as a token's access entry names it: the catalog, or the URL's repository.
    const needed = req.action === 'catalog' ? { type: 'registry', name: 'catalog', action: '*', actions: ['*'] }
      : req.name !== undefined && req.action !== 'base' && req.action !== 'none' ? { type: 'repository', name: req.name, action: req.action, actions: req.action === 'push' ? ['pull', 'push'] : [req.action] }
      : null;
    const scope = needed === null ? null : formatV2Scope(needed);
    const challenge = (error?: string) => [`Bearer realm="${this.indexUrl}/v2/token"`, `service="${this.service}"`, ...(scope ? [`scope="${scope}"`] : []), ...(error ? [`error="${error}"`] : [])].join(',');
    const match = /^Bearer\s+(\S+)$/i.exec(req.authorization ?? '');
    if (!match) throw new V2Challenge('UNAUTHORIZED', challenge());
    const claims = await this.verify(match[1] as string).catch((err: unknown) => {
      if (err instanceof V2Error) throw err;
      return null;
    });
    if (claims === null) throw new V2Challenge('UNAUTHORIZED', challenge('invalid_token'));
    const access = Array.isArray(claims.access) ? (claims.access as V2AccessEntry[]) : [];
    const allows = (type: string, name: string, action: string) => access.some((entry) => entry.type === type && entry.name === name && Array.isArray(entry.actions) && (entry.actions.includes(action) || entry.actions.includes('*')));
    const granted = { subject: typeof claims.sub === 'string' ? claims.sub : '', canPull: (name: string) => allows('repository', name, 'pull') };
    if (needed !== null && !allows(needed.type, needed.name, needed.action)) {
      throw new V2Challenge('DENIED', challenge('insufficient_scope'), { type: needed.type, name: needed.name, action: req.action });
    }
    return granted;
  }

  private async verify(token: string): Promise<JWTPayload> {
    const options = { issuer: V2_TOKEN_ISSUER, audience: this.service, algorithms: ['ES256'] };
    try {
      return (await jwtVerify(token, await this.keySet(false), options)).payload;
    } catch (err) {
      // A key this registry has not seen: the Index may have a new one. Fetch again, but not on every request.
      if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw err;
      return (await jwtVerify(token, await this.keySet(true), options)).payload;
    }
  }

  /**
   * The Index's keys: fetched on first use, and again (`refresh`) at most every KEY_REFETCH_MS. Concurrent
   * callers share one fetch, and a failed fetch also waits KEY_REFETCH_MS before the next try, so a burst of
   * tokens naming an unknown key, or an Index that is down, costs the Index one request, not one per request.
   */
  private async keySet(refresh: boolean): Promise<ReturnType<typeof createLocalJWKSet>> {
    const due = (this.keys === null || refresh) && Date.now() - this.fetchedAt >= KEY_REFETCH_MS;
    if (due && this.fetching === null) {
      this.fetchedAt = Date.now();
      this.fetching = this.fetchKeys()
        .then((set) => {
          this.keys = createLocalJWKSet(set);
        })
        .finally(() => {
          this.fetching = null;
        });
    }
    if (this.fetching !== null) await this.fetching.catch(() => undefined);
    // Without the Index's keys no token can be checked: the Index is away, which is a 503, not a bad token.
    if (this.keys === null) throw new V2Error('UNAVAILABLE', 'the Index\'s token keys could not be fetched');
    return this.keys;
  }
}
