/** `/`: official repositories, recently pushed, most starred, and a search box. */
import { LIBRARY_NAMESPACE } from '@v1hub/shared';
import type { RepositorySummary } from '../../../store/metadata-store.js';
import { html, type Html } from '../html.js';
import { repositoryCards } from './repository-cards.js';

const SHOWN = 12;

export function homePage(repos: readonly RepositorySummary[], now: number, host: string): Html {
  const official = repos.filter((r) => r.namespace === LIBRARY_NAMESPACE).slice(0, SHOWN);
  const recent = [...repos].sort((a, b) => b.updatedAt - a.updatedAt).slice(0, SHOWN);
  const starred = [...repos].filter((r) => r.starCount > 0).sort((a, b) => b.starCount - a.starCount || a.updatedAt - b.updatedAt).slice(0, SHOWN);
  return html`<h1>Repositories on this Index</h1>
<p>This Index owns accounts, repositories and tokens; registries hold the images and ask it whether each token is good.
Push an image with <code>npx v1hub push ${host}/NAME --from IMAGE.tar</code>.</p>
<form class="inline card" method="get" action="/search" role="search"><label for="home-search" class="bare">Search</label>
<input id="home-search" type="text" name="q" placeholder="name or description"><button type="submit">Search</button></form>
<section aria-labelledby="h-official"><h2 id="h-official">Official repositories</h2>${repositoryCards(official, now, html`No official (<code>library/</code>) repositories yet. An administrator pushes them as <code>${host}/NAME</code>.`)}</section>
<section aria-labelledby="h-recent"><h2 id="h-recent">Recently pushed</h2>${repositoryCards(recent, now, html`Nothing pushed yet. Try <code>npx v1hub push ${host}/you/hello --from hello.tar</code>.`)}</section>
<section aria-labelledby="h-starred"><h2 id="h-starred">Most starred</h2>${repositoryCards(starred, now, html`No stars yet: sign in and star a repository you like.`)}</section>`;
}
