/**
 * `docker search` (v1-protocol.md §6.5, §3.1 I13): `GET /v1/search?q=<term>` on the Index, with
 * `X-Docker-Token: true` and Basic when logged in, as Docker 1.5 sent it. The term is the name without
 * the server (`docker search A/foo` sends `q=foo`).
 */
import { attempt, protocolError, responseError, type ClientContext } from './context.js';
import { basicAuthorization, hostOf } from './remote.js';

/** One search hit (Hub fields; a registry-side search sends only name and description). */
export interface SearchHit {
  readonly name: string;
  readonly description: string | null;
  readonly starCount: number;
  readonly isOfficial: boolean;
  readonly isTrusted: boolean;
  readonly isAutomated: boolean;
}

/** A search answer. */
export interface SearchResult {
  readonly query: string;
  readonly numResults: number;
  readonly results: readonly SearchHit[];
}

/** Searches the Index. `limit` is the Hub's `n` (1..100). Rejects with a V1ClientError. */
export async function search(ctx: ClientContext, term: string, opts: { limit?: number } = {}): Promise<SearchResult> {
  const operation = `search ${hostOf(ctx.indexUrl)}`;
  // §6.5: a term typed as `server/name` is sent without its server part.
  const slash = term.indexOf('/');
  const first = slash > 0 ? term.slice(0, slash) : '';
  const q = first.includes('.') || first.includes(':') || first === 'localhost' ? term.slice(slash + 1) : term;
  const authorization = ctx.credentials ? basicAuthorization(ctx.credentials) : null;
  const res = await attempt(operation, () => ctx.index.searchIndex(q, { authorization, ...(opts.limit === undefined ? {} : { limit: opts.limit }) }));
  if (res.status !== 200) throw await responseError(operation, res);
  const body = (await attempt(operation, () => res.json())) as { query?: unknown; num_results?: unknown; results?: unknown } | null;
  if (body === null || typeof body !== 'object' || !Array.isArray(body.results)) throw protocolError(operation, res, 'the answer has no results list');
  const results = body.results.flatMap((raw: unknown): SearchHit[] => {
    const hit = (raw ?? {}) as Record<string, unknown>;
    if (typeof hit.name !== 'string') return [];
    return [{
      name: hit.name,
      description: typeof hit.description === 'string' ? hit.description : null,
      starCount: typeof hit.star_count === 'number' ? hit.star_count : 0,
      isOfficial: hit.is_official === true,
      isTrusted: hit.is_trusted === true,
      isAutomated: hit.is_automated === true,
    }];
  });
  return {
    query: typeof body.query === 'string' ? body.query : q,
    numResults: typeof body.num_results === 'number' ? body.num_results : results.length,
    results,
  };
}
