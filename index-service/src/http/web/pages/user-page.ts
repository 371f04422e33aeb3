/** `/u/<name>`: a user's or an organisation's repositories the visitor may see; an organisation's members for its members. */
import type { OrganizationRecord, RepositorySummary, UserRecord } from '../../../store/metadata-store.js';
import { timeElement } from '../format.js';
import { html, type Html } from '../html.js';
import { repositoryCards } from './repository-cards.js';

export interface UserPageData {
  readonly name: string;
  readonly user: UserRecord | null;
  readonly organization: OrganizationRecord | null;
  /** Members are listed to the organisation's members and administrators only, as GET /v1/orgs/<name>/ does. */
  readonly showMembers: boolean;
  readonly repositories: readonly RepositorySummary[];
  readonly now: number;
}

export function userPage(d: UserPageData): Html {
  const org = d.organization;
  const since = org?.createdAt ?? d.user?.createdAt ?? d.now;
  const members = org
    ? d.showMembers
      ? html`<section aria-labelledby="h-members"><h2 id="h-members">Members</h2><ul>${org.members.map((m) => html`<li><a href="/u/${encodeURIComponent(m)}">${m}</a>${m === org.owner ? html` <span class="badge">owner</span>` : ''}</li>`)}</ul></section>`
      : html`<p class="meta">${org.members.length} ${org.members.length === 1 ? 'member' : 'members'}; the list is shown to members.</p>`
    : '';
  return html`<h1 data-testid="profile-name">${d.name}</h1>
<p class="meta"><span>${org ? 'organisation' : 'user'}</span><span>since ${timeElement(since, d.now)}</span></p>
${members}
<section aria-labelledby="h-repos"><h2 id="h-repos">Repositories</h2>${repositoryCards(d.repositories, d.now, html`${d.name} has no repositories you can see.`)}</section>`;
}
