/**
 * Index mode: the legacy round trip (v1-protocol.md §5.3, docker-registry `toolkit.check_token` and
 * `validate_token`). Every request is checked; steps 1–4 are local, step 5 asks the Index.
 *
 * 1. the Authorization scheme word must be `token` (case-insensitive), and the token list must state exactly
 *    one grant: several values of the same grant pass (§5.1), tokens that disagree are refused;
 * 2. on repository routes, the URL's `ns/repo` must equal the token's repository;
 * 3. the token's access must be the one the method needs (`accessForMethod`: write for PUT/POST, read for
 *    GET/HEAD, delete for DELETE); a missing or unknown access is refused (docker-registry let it through,
 *    and the Index then refused it anyway);
 * 4. the token's repository must have exactly two parts;
 * 5. GET <index>/v1/repositories/<ns>/<repo>/images with that one token forwarded: 200 means true. Only
 *    the token that steps 1–4 looked at is forwarded, never the rest of the client's header.
 *
 * A positive answer to a read or write token may be reused for `--validation-cache` seconds (default 0: ask
 * every time, as docker-registry did); a delete token's never is, so a revocation always stops a delete at once. Any failure is 401 `Requires authorization` with `WWW-Authenticate: Token`.
 */
import { I12_MAX_REPOSITORIES, accessForMethod, formatRepoName, parseAuthorization, parseRepoName, requiresAuthorization, selectSingleGrant, type RepoName } from '@v1hub/shared';
import type { AccessController, AccessRequest, Grant } from './access-controller.js';
import type { IndexCallObserver, IndexClient } from './index-client.js';

export class IndexAccessController implements AccessController {
  readonly mode = 'index' as const;
  private readonly cache = new Map<string, { images: readonly string[]; expiresAt: number }>();

  constructor(
    private readonly index: IndexClient,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
    private readonly observe?: IndexCallObserver,
  ) {}

  async authorize(req: AccessRequest): Promise<Grant> {
    const parsed = parseAuthorization(req.authorization);
    // Step 1 (this is the usual failure when a client sent Basic, §10 Q3).
    if (!parsed.ok || parsed.value.scheme !== 'token') throw requiresAuthorization();
    const grant = selectSingleGrant(parsed.value.tokens);
    if (!grant.ok) throw requiresAuthorization();
    const { token, authorization } = grant.value;
    // Step 2.
    if (req.repo && token.repository !== formatRepoName(req.repo)) throw requiresAuthorization();
    // Step 3.
    if (token.access !== accessForMethod(req.method)) throw requiresAuthorization();
    // Step 4.
    if (token.repository.split('/').length !== 2) throw requiresAuthorization();
    const repo = parseRepoName(token.repository);
    if (!repo.ok) throw requiresAuthorization();
    // Step 5.
    const images = await this.askIndex(authorization, repo.value, token.access !== 'delete');
    if (images === null) throw requiresAuthorization();
    return { repository: repo.value, images, authorization };
  }

  async layerAccess(grant: Grant, imageId: string, holders: readonly string[]): Promise<boolean> {
    if (!grant.authorization || !grant.repository) return false;
    // In batches the Index reads whole, uploader first: an image many repositories tagged stays askable.
    for (let start = 0; start < holders.length; start += I12_MAX_REPOSITORIES) {
      if (await this.index.layerAccess(grant.authorization, grant.repository, imageId, holders.slice(start, start + I12_MAX_REPOSITORIES))) return true;
    }
    return false;
  }

  /** A delete is rare and destructive: its token is checked with the Index every time, cache or not. */
  private async askIndex(authorization: string, repo: RepoName, cacheable: boolean): Promise<readonly string[] | null> {
    const key = `${formatRepoName(repo)}\n${authorization}`;
    if (this.cacheMs > 0 && cacheable) {
      const hit = this.cache.get(key);
      if (hit && hit.expiresAt > this.now()) {
        this.observe?.({ route: 'getRepositoryImages', method: 'GET', url: '(validation cache)', requestHeaders: {}, status: 200, result: true, ms: 0, cached: true });
        return hit.images;
      }
      this.cache.delete(key);
    }
    const images = await this.index.validate(authorization, repo);
    if (images !== null && this.cacheMs > 0 && cacheable) {
      this.cache.set(key, { images, expiresAt: this.now() + this.cacheMs });
      this.evictExpired();
    }
    return images;
  }

  private evictExpired(): void {
    if (this.cache.size < 10_000) return;
    const now = this.now();
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
  }
}
