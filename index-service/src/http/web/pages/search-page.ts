/** `/search?q=…&page=N`: what `/v1/search` finds for the visitor, paged. */
import type { SearchPage } from '../../../domain/search-service.js';
import type { RepositorySummary } from '../../../store/metadata-store.js';
import { html, type Html } from '../html.js';
import { repositoryCards } from './repository-cards.js';

export function searchPage(q: string, page: Omit<SearchPage, 'results'>, repos: readonly RepositorySummary[], now: number): Html {
  const link = (n: number) => `/search?q=${encodeURIComponent(q)}&page=${n}`;
  const pager = page.num_pages > 1
    ? html`<nav class="pager" aria-label="Result pages">${page.page > 1 ? html`<a href="${link(page.page - 1)}" rel="prev">← Previous</a>` : ''}<span>Page ${page.page} of ${page.num_pages}</span>${page.page < page.num_pages ? html`<a href="${link(page.page + 1)}" rel="next">Next →</a>` : ''}</nav>`
    : '';
  const heading = q === '' ? 'All repositories' : html`Results for “${q}”`;
  const empty = q === ''
    ? html`No repositories yet. Push one with <code>npx v1hub push HOST/you/hello --from hello.tar</code>.`
    : html`Nothing matches “${q}”. Try a shorter word, part of a name (<code>app</code> finds <code>alice/webapp</code>), or <a href="/search">list everything</a>.${' '}Private repositories are found only by those who may read them: sign in to see yours.`;
  return html`<h1>${heading}</h1><p class="meta" data-testid="result-count">${page.num_results} ${page.num_results === 1 ? 'repository' : 'repositories'}</p>
${repositoryCards(repos, now, empty)}${pager}`;
}
