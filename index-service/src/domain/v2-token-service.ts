/**
 * The Index as the v2 token server (distribution's docs/spec/auth/token.md): `GET /v2/token` answers a JWT
 * signed with the Index's ES256 key, whose `access` claim lists what the caller may do. The grants come from
 * the same AccessPolicy as v1 tokens, through RepositoryService.can: pull = read, push = write, delete =
 * delete. A scope the caller may not have is simply absent from the token (token.md: "the token server
 * should not return an error … it should return a token with the access it could grant"), so a registry
 * refuses the request and Docker reports "denied".
 *
 * The registries verify the signature themselves with the key set at `GET /v2/token/jwks`; no request of a
 * v2 client ever reaches the Index again until the token expires.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { V2_TOKEN_ISSUER, parseV2Name, parseV2Scope, type V2AccessEntry, type V2Scope } from '@v1hub/shared';
import type { UserRecord } from '../store/metadata-store.js';
import type { RepoAction } from './access-policy.js';
import type { RepositoryService } from './repository-service.js';

export interface IssuedV2Token {
  readonly token: string;
  readonly access_token: string;
  readonly expires_in: number;
  readonly issued_at: string;
}

const ACTIONS: Record<string, RepoAction> = { pull: 'read', push: 'write', delete: 'delete' };
const MAX_SCOPES = 16;

export class V2TokenService {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
    private readonly repositories: RepositoryService,
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {}

  /** With `keyFile` (PKCS#8 PEM, P-256) every Index given the same file signs alike; without, a key made now. */
  static async create(opts: { keyFile: string | null; repositories: RepositoryService; ttlSeconds: number; now: () => number }): Promise<V2TokenService> {
    const privateKey = opts.keyFile === null
      ? (await generateKeyPair('ES256', { extractable: true })).privateKey
      : await importPKCS8(readFileSync(opts.keyFile, 'utf8'), 'ES256', { extractable: true });
    const { d: _private, ...publicJwk } = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    return new V2TokenService(privateKey, { ...publicJwk, kid, alg: 'ES256', use: 'sig' }, opts.repositories, opts.ttlSeconds, opts.now);
  }

  /** The public key set registries verify tokens with. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /**
   * The `scope` parameters of a request, repeated or space-separated; unparsable ones are ignored, and past
   * MAX_SCOPES the rest are (Docker asks for one or two; each costs the Index store reads).
   */
  static readScopes(query: Record<string, string | string[] | undefined>): V2Scope[] {
    const raw = query.scope;
    const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    return values.flatMap((value) => value.split(' ')).flatMap((text) => {
      const scope = text === '' ? null : parseV2Scope(text);
      return scope ? [scope] : [];
    }).slice(0, MAX_SCOPES);
  }

  /** What `user` (null: anonymous) may do of each scope asked, for the registry named `service`. */
  async grant(user: UserRecord | null, scopes: readonly V2Scope[]): Promise<V2AccessEntry[]> {
    const granted: V2AccessEntry[] = [];
    for (const scope of scopes) {
      if (scope.type === 'registry' && scope.name === 'catalog') {
        // The catalog names every repository, private ones included: administrators only.
        if (user?.admin) granted.push({ type: 'registry', name: 'catalog', actions: ['*'] });
        continue;
      }
      if (scope.type !== 'repository') continue;
      const name = parseV2Name(scope.name);
      if (name === null) continue;
      const repo = await this.repositories.get(name);
      const readable = repo !== null && (await this.repositories.can(user, 'read', name, repo));
      const actions: string[] = [];
      for (const action of new Set(scope.actions)) {
        const needed = ACTIONS[action];
        if (needed === undefined) continue;
        // Nothing but a first push of a repository that does not exist; nothing about one the caller may not
        // read, as v1's I6 answers a stranger.
        if (repo === null ? needed !== 'write' : !readable) continue;
        if (needed === 'read' || (await this.repositories.can(user, needed, name, repo))) actions.push(action);
      }
      if (actions.includes('push') && repo === null && user !== null) {
        // A first v2 push creates the repository at the Index, as v1's I6 does: its owner, its privacy,
        // its place in search.
        await this.repositories.createForV2Push(user, name);
        if (!actions.includes('pull')) actions.push('pull');
      }
      if (actions.length > 0) granted.push({ type: 'repository', name: scope.name, actions });
    }
    return granted;
  }

  async issue(user: UserRecord | null, service: string, access: readonly V2AccessEntry[]): Promise<IssuedV2Token> {
    const issuedAt = Math.floor(this.now() / 1000);
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: 'ES256', kid: this.publicJwk.kid as string, typ: 'JWT' })
      .setIssuer(V2_TOKEN_ISSUER)
      .setSubject(user?.username ?? '')
      .setAudience(service)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt - 10)
      .setExpirationTime(issuedAt + this.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return { token, access_token: token, expires_in: this.ttlSeconds, issued_at: new Date(issuedAt * 1000).toISOString() };
  }
}
