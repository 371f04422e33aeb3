/**
 * Repository search (v1-protocol.md §3.1 I13): `q`, `n` (1–100, default 25) and `page`, answered in the Hub's
 * shape so `docker search` renders it. Private repositories appear only to callers who may read them.
 */
import { LIBRARY_NAMESPACE, invalidRequest } from '@v1hub/shared';
import type { MetadataStore, PendingPush, RepositorySummary, UserRecord } from '../store/metadata-store.js';
import type { AccessPolicy } from './access-policy.js';
import { ABANDONED_PUSH_MS } from './repository-service.js';

export interface SearchResult {
  readonly name: string;
  readonly description: string;
  readonly star_count: number;
  readonly is_official: boolean;
  readonly is_automated: boolean;
  readonly is_trusted: boolean;
}

export interface SearchPage {
  readonly query: string;
  readonly num_results: number;
  readonly num_pages: number;
  readonly page: number;
  readonly page_size: number;
  readonly results: SearchResult[];
}

export function readSearchParams(query: Record<string, string | string[] | undefined>): { q: string; n: number; page: number } {
  const one = (key: string): string | undefined => {
    const v = query[key];
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
  const q = one('q') ?? '';
  const nText = one('n');
  const pageText = one('page');
  const n = nText === undefined || nText === '' ? 25 : Number(nText);
  const page = pageText === undefined || pageText === '' ? 1 : Number(pageText);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw invalidRequest(`Invalid n (${nText}): a whole number from 1 to 100`);
  if (!Number.isInteger(page) || page < 1) throw invalidRequest(`Invalid page (${pageText}): a whole number from 1`);
  if (q.length > 255) throw invalidRequest('Invalid q: at most 255 characters');
  return { q, n, page };
}

export class SearchService {
  constructor(
    private readonly store: MetadataStore,
    private readonly policy: AccessPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async search(user: UserRecord | null, params: { q: string; n: number; page: number }): Promise<SearchPage> {
    const { repositories, ...page } = await this.searchRepositories(user, params);
    return { ...page, results: repositories.map(toResult) };
  }

  /** One page of search, as repository summaries (the Web UI's search page shows more than /v1/search sends). */
  async searchRepositories(user: UserRecord | null, params: { q: string; n: number; page: number }): Promise<Omit<SearchPage, 'results'> & { repositories: RepositorySummary[] }> {
    const visible = await this.visibleRepositories(user, params.q);
    // Official first, then the most starred, then by name: what a person searching expects to see first.
    visible.sort((a, b) => Number(b.namespace === LIBRARY_NAMESPACE) - Number(a.namespace === LIBRARY_NAMESPACE)
      || b.starCount - a.starCount
      || `${a.namespace}/${a.repository}`.localeCompare(`${b.namespace}/${b.repository}`));
    const start = (params.page - 1) * params.n;
    return {
      query: params.q,
      num_results: visible.length,
      num_pages: Math.max(1, Math.ceil(visible.length / params.n)),
      page: params.page,
      page_size: params.n,
      repositories: visible.slice(start, start + params.n),
    };
  }

  /**
   * Every repository `user` may see whose name or description contains `q` (case-insensitive; '' matches
   * all), in name order: what search lists and what the Web UI's pages list. A private repository only to
   * its readers; one whose first push has not completed only to its writers (it has nothing to pull yet),
   * and removed once abandoned.
   */
  async visibleRepositories(user: UserRecord | null, q = ''): Promise<RepositorySummary[]> {
    const term = q.trim().toLowerCase();
    const matching = await this.store.repositories.search(term);
    const visible: RepositorySummary[] = [];
    for (const repo of matching) {
      if (repo.private && !(await this.canRead(user, repo))) continue;
      const firstPush = await this.firstPushInProgress(repo);
      if (firstPush) {
        if (this.now() - firstPush.startedAt >= ABANDONED_PUSH_MS) {
          await this.store.repositories.delete(repo.namespace, repo.repository);
          continue;
        }
        if (!(await this.canRead(user, repo))) continue;
        visible.push({ ...repo, description: repo.description || '(push in progress)' });
        continue;
      }
      visible.push(repo);
    }
    return visible;
  }

  /** The push in progress when no push of the repository ever completed (its image list is empty), else null. */
  private async firstPushInProgress(repo: RepositorySummary): Promise<PendingPush | null> {
    const pending = await this.store.repositories.getPending(repo.namespace, repo.repository);
    if (pending === null) return null;
    return ((await this.store.repositories.listImages(repo.namespace, repo.repository)) ?? []).length === 0 ? pending : null;
  }

  private async canRead(user: UserRecord | null, repo: RepositorySummary): Promise<boolean> {
    if (!user) return false;
    if (repo.collaborators.includes(user.username)) return true;
    return this.policy.ownsNamespace(user, repo.namespace);
  }
}

function toResult(repo: RepositorySummary): SearchResult {
  const official = repo.namespace === LIBRARY_NAMESPACE;
  return {
    // Official images are shown by their bare name, as the Hub did (`ubuntu`, not `library/ubuntu`).
    name: official ? repo.repository : `${repo.namespace}/${repo.repository}`,
    description: repo.description,
    star_count: repo.starCount,
    is_official: official,
    is_automated: false,
    is_trusted: false,
  };
}
