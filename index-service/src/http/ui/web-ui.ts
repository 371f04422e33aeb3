/**
 * The Index's Web UI (`/ui/`): one self-contained page (no external assets) that searches repositories and
 * shows a repository's details and image list, using the Index's own JSON endpoints from the browser.
 * Credentials typed into it stay in the page and go only to this Index as Basic auth.
 */
export const WEB_UI_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>v1hub Index</title><meta name="viewport" content="width=device-width,initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
header{background:#1d3b8b;color:#fff;padding:12px 20px;display:flex;gap:16px;align-items:center}
header h1{font-size:18px;margin:0}header small{opacity:.8}
main{display:flex;gap:16px;padding:16px 20px;align-items:flex-start}
#list{flex:1 1 50%}#detail{flex:1 1 50%;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;min-height:120px}
form{display:flex;gap:8px;margin-bottom:12px;flex-wrap:wrap}input{padding:6px 8px;border:1px solid #d0d7de;border-radius:6px}
button{padding:6px 12px;border-radius:6px;border:1px solid #1d3b8b;background:#1d3b8b;color:#fff;cursor:pointer}
.repo{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:8px 12px;margin-bottom:8px;cursor:pointer}
.repo:hover{border-color:#1d3b8b}.repo b{font-family:ui-monospace,monospace}.tag{font-size:11px;border-radius:10px;padding:1px 7px;margin-left:6px;background:#e7ecf7}
.muted{color:#656d76}code{font:12px ui-monospace,monospace}.err{color:#b42318}
</style></head><body>
<header><h1>v1hub Index</h1><small>the Index of the v1 Index / Registry split</small></header>
<main><section id="list">
<form id="search"><input id="q" placeholder="search repositories" size="28"><button>Search</button>
<input id="user" placeholder="user (optional)" size="12"><input id="pass" type="password" placeholder="password" size="12"></form>
<div id="summary" class="muted"></div><div id="results"></div></section>
<section id="detail"><p class="muted">Pick a repository to see its details and image list.</p>
<p class="muted">Pull it with <code>npx v1hub pull HOST/NAME --to image.tar</code>. The registries that hold it answer only to a token this Index issues.</p></section></main>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
function headers() { const u = $('user').value, p = $('pass').value; return u ? { Authorization: 'Basic ' + btoa(u + ':' + p) } : {}; }
async function getJson(path, extra) {
  const res = await fetch(path, { headers: { ...headers(), ...(extra || {}) } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error((body && body.error) || ('HTTP ' + res.status));
  return { body, res };
}
async function search(ev) {
  if (ev) ev.preventDefault();
  try {
    const { body } = await getJson('/v1/search?n=100&q=' + encodeURIComponent($('q').value));
    $('summary').textContent = body.num_results + ' repositories';
    $('results').innerHTML = body.results.map((r) => '<div class="repo" data-name="' + esc(r.name) + '"><b>' + esc(r.name) + '</b>'
      + (r.is_official ? '<span class="tag">official</span>' : '') + '<span class="tag">★ ' + r.star_count + '</span><div class="muted">'
      + esc(r.description || 'no description') + '</div></div>').join('');
    for (const el of document.querySelectorAll('.repo')) el.onclick = () => show(el.dataset.name);
  } catch (e) { $('summary').innerHTML = '<span class="err">' + esc(e.message) + '</span>'; }
}
async function show(name) {
  const full = name.includes('/') ? name : 'library/' + name;
  try {
    const { body: info } = await getJson('/v1/repositories/' + full + '/info');
    const { body: images, res } = await getJson('/v1/repositories/' + full + '/images');
    $('detail').innerHTML = '<h2><code>' + esc(info.name) + '</code></h2><p>' + esc(info.description || 'no description') + '</p>'
      + '<p class="muted">' + (info.private ? 'private' : 'public') + ' · owner ' + esc(info.owner) + ' · ★ ' + info.star_count
      + ' · updated ' + esc(info.updated) + '</p><p>Registries: <code>' + esc(res.headers.get('X-Docker-Endpoints') || '') + '</code></p>'
      + '<h3>Images (' + images.length + ')</h3><ul>' + images.map((i) => '<li><code>' + esc(i.id.slice(0, 12)) + '</code>'
      + (i.Tag ? ' <span class="tag">' + esc(i.Tag) + '</span>' : '') + (i.checksum ? ' <span class="muted">' + esc(i.checksum) + '</span>' : '') + '</li>').join('') + '</ul>';
  } catch (e) { $('detail').innerHTML = '<p class="err">' + esc(e.message) + '</p>'; }
}
$('search').onsubmit = search;
search();
</script></body></html>
`;
