/**
 * `/r/<ns>/<repo>` and `/_/<name>`: what the Index knows of a repository (description, visibility, stars,
 * collaborators, registries) beside what a registry told it (tags, image chains, sizes, dates).
 */
import { LIBRARY_NAMESPACE, formatRepoName, type RepoName } from '@v1hub/shared';
import type { DeliveryRecord, RepositoryRecord, WebhookRecord } from '../../../store/metadata-store.js';
import { humanSize, timeElement } from '../format.js';
import { html, type Html } from '../html.js';
import { csrfField, type Visitor } from '../layout.js';
import type { RegistryView } from '../registry-view.js';
import { displayName, repositoryHref } from './repository-cards.js';

export interface RepositoryPageData {
  readonly name: RepoName;
  readonly record: RepositoryRecord;
  readonly starCount: number;
  readonly starred: boolean;
  readonly endpoints: readonly string[];
  readonly view: RegistryView;
  readonly canManage: boolean;
  readonly canDelete: boolean;
  /** For managers: the repository's hooks, each with its last delivery. */
  readonly hooks: readonly { readonly hook: WebhookRecord; readonly last: DeliveryRecord | null }[];
  readonly indexHost: string;
  readonly now: number;
}

const short = (id: string) => id.slice(0, 12);
/** Hosts Docker 1.x trusts over plain http without --insecure-registry (127.0.0.0/8). */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost)(:\d+)?$/;

function pullCommands(d: RepositoryPageData): Html {
  const name = displayName(d.name.namespace, d.name.repository);
  const tag = d.view.tags.some((t) => t.tag === 'latest') || d.view.tags.length === 0 ? 'latest' : (d.view.tags[0]?.tag ?? 'latest');
  const ref = `${d.indexHost}/${name}:${tag}`;
  return html`<h2 id="h-pull" class="first">Pull it</h2>
<div class="cmd"><code data-testid="pull-command">npx v1hub pull ${ref} --to ${d.name.repository}.tar</code></div>
<p class="note">With a Docker 1.x engine:</p><div class="cmd"><code>docker pull ${ref}</code></div>
${LOOPBACK.test(d.indexHost) ? '' : html`<p class="note">Docker speaks plain http only to registries on 127.0.0.0/8; for this host start the daemon with <code>--insecure-registry ${d.indexHost}</code>.</p>`}`;
}

function chainTable(d: RepositoryPageData, chain: readonly string[]): Html {
  return html`<div class="scroll"><table><thead><tr><th scope="col">Image</th><th scope="col">Layer size</th><th scope="col">Created</th><th scope="col">Payload checksum</th></tr></thead><tbody>
${chain.map((id) => {
    const image = d.view.images.get(id);
    const created = image?.created ? Date.parse(image.created) : NaN;
    return html`<tr><td><code title="${id}">${short(id)}</code></td><td>${image?.size === null || image?.size === undefined ? '—' : humanSize(image.size)}</td><td>${Number.isFinite(created) ? timeElement(created, d.now) : '—'}</td><td><code>${image?.checksum ?? '—'}</code></td></tr>`;
  })}</tbody></table></div>`;
}

function tagsSection(d: RepositoryPageData): Html {
  const { view } = d;
  if (view.problem) return html`<h2 id="h-tags">Tags</h2><div class="notice error" role="status">${view.problem}</div>`;
  if (view.tags.length === 0) return html`<h2 id="h-tags">Tags</h2><p class="empty">No tags yet${view.registry ? html` on <code>${view.registry}</code>` : ''}.</p>`;
  return html`<h2 id="h-tags">Tags <span class="meta">(from <code>${view.registry}</code>)</span></h2>
<div class="scroll"><table data-testid="tags"><thead><tr><th scope="col">Tag</th><th scope="col">Image id</th><th scope="col">Layers</th><th scope="col">Total size</th></tr></thead><tbody>
${view.tags.map((t) => html`<tr><td><strong>${t.tag}</strong></td><td><code title="${t.imageId}">${short(t.imageId)}</code></td><td>${t.chain.length}</td><td>${humanSize(t.totalSize)}</td></tr>`)}
</tbody></table></div>
${view.truncated ? html`<p class="meta">Only the first ${view.tags.length} tags are shown.</p>` : ''}
<h3>Image chains</h3>
${view.tags.map((t) => html`<details><summary>${t.tag}: ${t.chain.length} ${t.chain.length === 1 ? 'layer' : 'layers'}, ${humanSize(t.totalSize)}</summary>${chainTable(d, t.chain)}</details>`)}`;
}

function starForm(d: RepositoryPageData, visitor: Visitor): Html {
  const count = html`<span class="star-count" data-testid="star-count">${d.starCount}</span> ${d.starCount === 1 ? 'star' : 'stars'}`;
  if (!visitor.user) return html`<p>★ ${count} · <a href="/login?next=${encodeURIComponent(repositoryHref(d.name.namespace, d.name.repository))}">Log in to star</a></p>`;
  return html`<form method="post" action="${actionHref(d.name, 'star')}" class="inline">${csrfField(visitor)}<input type="hidden" name="starred" value="${d.starred ? '0' : '1'}">
<button type="submit" class="${d.starred ? 'secondary' : ''}" aria-pressed="${d.starred ? 'true' : 'false'}">${d.starred ? '★ Unstar' : '☆ Star'}</button> ${count}</form>`;
}

export function actionHref(name: RepoName, action: string): string {
  return `/r/${encodeURIComponent(name.namespace)}/${encodeURIComponent(name.repository)}/${action}`;
}

function ownerSection(d: RepositoryPageData, visitor: Visitor): Html {
  if (!d.canManage && !d.canDelete) return html``;
  const r = d.record;
  const manage = d.canManage
    ? html`<h3>Description and visibility</h3>
<form method="post" action="${actionHref(d.name, 'settings')}" class="stack">${csrfField(visitor)}
<label for="description">Description</label><textarea id="description" name="description" maxlength="4000">${r.description}</textarea>
<fieldset class="plain"><legend>Visibility</legend>
<label class="choice"><input type="radio" name="visibility" value="public"${r.private ? '' : html` checked`}> Public: anyone may pull</label><br>
<label class="choice"><input type="radio" name="visibility" value="private"${r.private ? html` checked` : ''}> Private: only the owner, the organisation and collaborators</label></fieldset>
<button type="submit">Save</button></form>
<h3>Collaborators</h3>
${r.collaborators.length === 0 ? html`<p class="meta">No collaborators: only the namespace's owner${d.name.namespace === r.owner ? '' : ' and members'} may push.</p>` : html`<ul>${r.collaborators.map((u) => html`<li><a href="/u/${encodeURIComponent(u)}">${u}</a>
<form method="post" action="${actionHref(d.name, 'collaborators')}" class="inline-form">${csrfField(visitor)}<input type="hidden" name="action" value="remove"><input type="hidden" name="username" value="${u}"><button type="submit" class="secondary" aria-label="Remove collaborator ${u}">Remove</button></form></li>`)}</ul>`}
<form method="post" action="${actionHref(d.name, 'collaborators')}" class="inline">${csrfField(visitor)}<input type="hidden" name="action" value="add">
<label for="collaborator" class="bare">Add</label><input id="collaborator" type="text" name="username" placeholder="username" required><button type="submit">Add collaborator</button></form>
${webhooksSection(d, visitor)}`
    : html``;
  const remove = d.canDelete
    ? html`<h3>Delete</h3><p>Deletes every tag on every registry, then the repository and every token issued for it (workflow C). This cannot be undone.</p>
<form method="post" action="${actionHref(d.name, 'delete')}" class="stack">${csrfField(visitor)}
<label for="confirm">Type <code>${formatRepoName(d.name)}</code> to confirm</label><input id="confirm" type="text" name="confirm" autocomplete="off" required>
<button type="submit" class="danger">Delete this repository</button></form>`
    : html``;
  return html`<section class="card" aria-labelledby="h-owner"><h2 id="h-owner" class="first">Settings</h2>${manage}${remove}</section>`;
}

function webhooksSection(d: RepositoryPageData, visitor: Visitor): Html {
  const rows = d.hooks.map(({ hook, last }) => html`<tr><td><code>${hook.url}</code></td><td>${hook.events.join(', ')}</td>
<td>${last ? html`${last.state} (${last.attempts.length} ${last.attempts.length === 1 ? 'try' : 'tries'}) ${timeElement(last.createdAt, d.now)}` : 'nothing sent yet'}</td>
<td><form method="post" action="${actionHref(d.name, 'webhooks')}" class="inline-form">${csrfField(visitor)}<input type="hidden" name="action" value="remove"><input type="hidden" name="id" value="${hook.id}"><button type="submit" class="secondary" aria-label="Remove webhook ${hook.url}">Remove</button></form></td></tr>`);
  return html`<h3>Webhooks</h3>
<p class="meta">Each event is POSTed as JSON, signed with the hook's secret (<code>X-V1hub-Signature: sha256=…</code>), and retried until a receiver answers 2xx.</p>
${d.hooks.length === 0 ? html`<p class="meta">No webhooks.</p>` : html`<div class="scroll"><table data-testid="webhooks"><thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Last delivery</th><th scope="col"><span class="skip">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></div>`}
<form method="post" action="${actionHref(d.name, 'webhooks')}" class="stack">${csrfField(visitor)}<input type="hidden" name="action" value="add">
<label for="hook-url">Receiver URL</label><input id="hook-url" type="text" name="url" placeholder="https://ci.example.com/hook" required>
<fieldset class="plain"><legend>Events</legend>${['push', 'tag', 'create', 'delete'].map((e) => html`<label class="choice"><input type="checkbox" name="events" value="${e}" checked> ${e}</label> `)}</fieldset>
<button type="submit">Add webhook</button></form>`;
}

export function repositoryPage(d: RepositoryPageData, visitor: Visitor): Html {
  const r = d.record;
  const official = d.name.namespace === LIBRARY_NAMESPACE;
  return html`<div class="layout"><div>
<h1 data-testid="repository-name">${displayName(d.name.namespace, d.name.repository)}
${official ? html`<span class="badge official">official</span>` : ''} ${r.private ? html`<span class="badge private">private</span>` : html`<span class="badge">public</span>`}${r.deletePending ? html` <span class="badge private">deletion pending</span>` : ''}</h1>
<p class="meta"><span>owner <a href="/u/${encodeURIComponent(r.owner)}">${r.owner}</a></span><span>updated ${timeElement(r.updatedAt, d.now)}</span><span>created ${timeElement(r.createdAt, d.now)}</span></p>
<div class="card"><p class="desc" data-testid="description">${r.description || 'No description.'}</p></div>
<section class="card" aria-labelledby="h-pull">${pullCommands(d)}</section>
${tagsSection(d)}
</div><aside>
<div class="card">${starForm(d, visitor)}</div>
<div class="card"><h2 class="first">Registries</h2><p class="meta">This Index sends clients to:</p><ul>${d.endpoints.map((e) => html`<li><code>${e}</code></li>`)}</ul>
${r.collaborators.length > 0 && !d.canManage ? html`<p class="meta">Collaborators: ${r.collaborators.join(', ')}</p>` : ''}</div>
</aside></div>
${ownerSection(d, visitor)}`;
}
