/** `/live`: the handshake drawn as it happens. The page is a frame; /static/live.js draws into it. */
import { html, type Html } from '../html.js';
import type { RegistryStreamState } from '../../../live/live-feed.js';

export function livePage(opts: { readsRegistries: boolean; registries: readonly RegistryStreamState[]; host: string }): Html {
  const registries = opts.readsRegistries
    ? html`<p class="meta">Registries read: ${opts.registries.map((r, i) => html`${i > 0 ? ', ' : ''}<code>${r.endpoint}</code>`)}.</p>`
    : html`<div class="notice info" role="status">Only the Index's side is shown: registry exchanges appear when the Index and its registries share an <code>--events-key</code> (<code>v1hub up</code> sets one).</div>`;
  return html`<h1>The handshake, live</h1>
<p>Every request the Index and its registries serve appears here as it completes: the token the Index issues, each registry request, and each
registry → Index validation with its <strong>true</strong> or <strong>false</strong>, labelled with its workflow step. Try
<code>npx v1hub pull ${opts.host}/NAME --to image.tar</code> in a terminal, or replay a workflow against this Index with <code>npx v1hub scenario pull --index http://${opts.host} --registry URL</code>.</p>
${registries}
<noscript><div class="notice error">The live view needs JavaScript; every other page works without it.</div></noscript>
<form class="inline card" id="live-controls" role="search" aria-label="Live view controls">
<label for="live-filter" class="bare">Repository</label><input id="live-filter" type="text" placeholder="filter, e.g. alice/example" autocomplete="off">
<button type="button" id="live-pause" aria-pressed="false">Pause</button><button type="button" id="live-clear" class="secondary">Clear</button>
<span class="meta" id="live-status" role="status" aria-live="polite">connecting…</span></form>
<div class="card scroll" id="live-diagram" data-testid="live-diagram" aria-live="off"><p class="empty">Waiting for the first exchange…</p></div>
<h2>Exchanges</h2>
<ol id="live-log" data-testid="live-log" reversed></ol>
<script type="module" src="/static/live.js"></script>`;
}
