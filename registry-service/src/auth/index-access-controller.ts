/**
 * Index mode: the legacy round trip (v1-protocol.md §5.3, docker-registry `toolkit.check_token` and
 * `validate_token`). Every request is checked; steps 1–4 are local, step 5 asks the Index.
 *
 * 1. the Authorization scheme word must be `token` (case-insensitive);
 * 2. on repository routes, the URL's `ns/repo` must equal the token's repository;
 * 3. the token's access must fit the method (write: PUT/POST, read: GET/HEAD, delete: DELETE);
 * 4. the token's repository must have exactly two parts;
 * 5. GET <index>/v1/repositories/<ns>/<repo>/images with the header forwarded: 200 means true.
 *
 * A positive answer may be reused for `--validation-cache` seconds (default 0: ask every time, as
 * docker-registry did). Any failure is 401 `Requires authorization` with `WWW-Authenticate: Token`.
 */
import { formatRepoName, parseAuthorization, parseRepoName, requiresAuthorization, type RepoName, type WireToken } from '@v1hub/shared';
import type { AccessController, AccessRequest, Grant } from './access-controller.js';
import type { IndexCallObserver, IndexClient } from './index-client.js';

// A Map, not an object literal: a token's `access` is client input, and `access=__proto__` must not find
// an inherited property.
const ACCESS_METHODS: ReadonlyMap<string, readonly string[]> = new Map([
  ['write', ['PUT', 'POST']],
  ['read', ['GET', 'HEAD']],
  ['delete', ['DELETE']],
]);

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
    const token = pickToken(parsed.value.tokens, req.repo);
    if (!token || token.repository === null) throw requiresAuthorization();
    // Step 2.
    if (req.repo && token.repository !== formatRepoName(req.repo)) throw requiresAuthorization();
    // Step 3: any other or missing access value is not checked, as in docker-registry.
    const methods = token.access === null ? undefined : ACCESS_METHODS.get(token.access);
    if (methods && !methods.includes(req.method.toUpperCase())) throw requiresAuthorization();
    // Step 4.
    if (token.repository.split('/').length !== 2) throw requiresAuthorization();
    const repo = parseRepoName(token.repository);
    if (!repo.ok) throw requiresAuthorization();
    // Step 5.
    const images = await this.askIndex(req.authorization as string, repo.value);
    if (images === null) throw requiresAuthorization();
    return { repository: repo.value, images };
  }

  async layerAccess(authorization: string | undefined, repo: RepoName, imageId: string): Promise<boolean> {
    if (!authorization) return false;
    return this.index.layerAccess(authorization, repo, imageId);
  }

  private async askIndex(authorization: string, repo: RepoName): Promise<readonly string[] | null> {
    const key = `${formatRepoName(repo)}\n${authorization}`;
    if (this.cacheMs > 0) {
      const hit = this.cache.get(key);
      if (hit && hit.expiresAt > this.now()) {
        this.observe?.({ route: 'getRepositoryImages', method: 'GET', url: '(validation cache)', requestHeaders: {}, status: 200, result: true, ms: 0, cached: true });
        return hit.images;
      }
      this.cache.delete(key);
    }
    const images = await this.index.validate(authorization, repo);
    if (images !== null && this.cacheMs > 0) {
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

/** On a repository route, the presented token for that repository; otherwise the last one (docker-registry kept the last pair of each key). */
function pickToken(tokens: readonly WireToken[], repo: RepoName | null): WireToken | undefined {
  if (repo) {
    const wanted = formatRepoName(repo);
    return tokens.find((t) => t.repository === wanted) ?? tokens.at(-1);
  }
  return tokens.at(-1);
}
