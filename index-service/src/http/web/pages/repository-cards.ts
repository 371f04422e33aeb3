/** A list of repositories as cards, the same on the home, search and user pages. */
import { LIBRARY_NAMESPACE } from '@v1hub/shared';
import type { RepositorySummary } from '../../../store/metadata-store.js';
import { timeElement } from '../format.js';
import { html, type Html } from '../html.js';

/** The page of a repository: `/_/<name>` for official images, `/r/<ns>/<repo>` for the rest. */
export function repositoryHref(namespace: string, repository: string): string {
  return namespace === LIBRARY_NAMESPACE ? `/_/${encodeURIComponent(repository)}` : `/r/${encodeURIComponent(namespace)}/${encodeURIComponent(repository)}`;
}

export function displayName(namespace: string, repository: string): string {
  return namespace === LIBRARY_NAMESPACE ? repository : `${namespace}/${repository}`;
}

export function repositoryCards(repos: readonly RepositorySummary[], now: number, empty: Html): Html {
  if (repos.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<ul class="grid">${repos.map((r) => html`<li><a class="repo-card" href="${repositoryHref(r.namespace, r.repository)}">
<span class="name">${displayName(r.namespace, r.repository)}</span>
${r.namespace === LIBRARY_NAMESPACE ? html` <span class="badge official">official</span>` : ''}${r.private ? html` <span class="badge private">private</span>` : ''}
<p>${r.description || 'No description'}</p>
<p class="meta"><span aria-label="${r.starCount} stars">★ ${r.starCount}</span><span>updated ${timeElement(r.updatedAt, now)}</span></p></a></li>`)}</ul>`;
}
