/**
 * The live view's browser side (`/static/live.js`): reads `/live/events`, keeps the latest exchanges, and
 * draws them with the shared renderer (`/static/sequence-diagram.js`, the scenario report's renderer).
 * Registry requests carry the validations they caused, so each is drawn inside the request that made it.
 */
export const LIVE_SCRIPT = `
import { renderSequenceDiagram } from '/static/sequence-diagram.js';

const KEEP = 200;
const DRAWN = 40;
const exchanges = [];
let paused = false;
let pending = 0;
const $ = (id) => document.getElementById(id);
const status = $('live-status');

function lanesOf(list) {
  const lanes = [{ id: 'client', label: 'Client' }, { id: 'index', label: 'Index' }];
  const registries = [...new Set(list.filter((x) => x.to === 'registry' || x.from === 'registry').map((x) => (x.source.startsWith('registry') ? x.source : 'registry')))];
  for (const r of registries.length ? registries : ['registry']) lanes.push({ id: r, label: r === 'registry' ? 'Registry' : 'Registry ' + r.slice(9) });
  return lanes;
}

// A registry's own exchanges are on its lane; one the Index saw from a registry it does not read is on 'registry'.
function laneOf(x, side) {
  const who = x[side];
  if (who === 'client' || who === 'index') return who;
  return x.source.startsWith('registry') ? x.source : 'registry';
}

function shortIds(text) {
  return text.replace(/\\b([a-f0-9]{12})[a-f0-9]{52}\\b/g, '$1…');
}

function rowsOf(list) {
  const rows = [];
  let step = null;
  for (const x of list) {
    const label = (x.step || 'outside the workflows') + (x.repository ? '  ' + x.repository : '');
    if (label !== step) {
      rows.push({ kind: 'band', label, ok: true });
      step = label;
    }
    const from = laneOf(x, 'from');
    const to = laneOf(x, 'to');
    const extras = [x.tokenAsked ? 'X-Docker-Token: true' : '', x.auth || ''].filter(Boolean);
    const request = x.method + ' ' + shortIds(x.path) + (extras.length ? ' [' + extras.join(', ') + ']' : '');
    rows.push({ kind: 'arrow', from, to, label: request, tone: 'request', title: request });
    for (const v of x.validations || []) {
      const ask = 'GET ' + shortIds(v.path || v.route) + ' [Token]';
      rows.push({ kind: 'arrow', from: to, to: 'index', label: v.cached ? 'validation cache' : ask, tone: 'request', title: ask });
      const answer = (v.cached ? 'cached ' : (v.status === 0 ? 'unreachable ' : v.status + ' ')) + '= ' + (v.result ? 'true' : 'false');
      rows.push({ kind: 'arrow', from: 'index', to, label: answer, tone: v.result ? 'true' : 'false', title: answer + ' (' + v.ms + ' ms)' });
    }
    const parts = [x.status === 0 ? 'no answer' : String(x.status)];
    if (x.verdict) parts.push('= ' + x.verdict);
    if (x.tokenIssued) parts.push('+token ' + x.tokenIssued.access + ' ' + x.tokenIssued.token);
    const tone = x.verdict ? x.verdict : x.status >= 400 || x.status === 0 ? 'error' : 'response';
    rows.push({ kind: 'arrow', from: to, to: from, label: parts.join(' '), tone, title: parts.join(' ') + ' (' + x.ms + ' ms)' });
  }
  return rows;
}

function visible() {
  const filter = $('live-filter').value.trim().toLowerCase();
  return filter ? exchanges.filter((x) => (x.repository || '').toLowerCase().includes(filter)) : exchanges;
}

function draw() {
  const list = visible().slice(-DRAWN);
  const diagram = $('live-diagram');
  if (list.length === 0) {
    diagram.innerHTML = '<p class="empty">Waiting for the first exchange…</p>';
  } else {
    diagram.innerHTML = renderSequenceDiagram({ lanes: lanesOf(list), rows: rowsOf(list), column: 300 });
  }
  const log = $('live-log');
  log.textContent = '';
  for (const x of visible().slice(-50).reverse()) {
    const li = document.createElement('li');
    const verdicts = (x.validations || []).map((v) => (v.result ? 'true' : 'false')).join(' ');
    li.textContent = new Date(x.time).toLocaleTimeString() + '  ' + (x.step || '—') + '  ' + x.source + '  ' + x.method + ' ' + shortIds(x.path) + ' → ' + (x.status || 'no answer') + (x.verdict ? ' = ' + x.verdict : '') + (verdicts ? '  validations: ' + verdicts : '');
    li.dataset.verdict = x.verdict || '';
    log.appendChild(li);
  }
}

function add(x) {
  exchanges.push(x);
  exchanges.sort((a, b) => a.time - b.time);
  while (exchanges.length > KEEP) exchanges.shift();
  if (paused) {
    pending += 1;
    status.textContent = 'paused, ' + pending + ' new';
    return;
  }
  draw();
}

$('live-pause').addEventListener('click', () => {
  paused = !paused;
  $('live-pause').textContent = paused ? 'Resume' : 'Pause';
  $('live-pause').setAttribute('aria-pressed', String(paused));
  if (!paused) {
    pending = 0;
    status.textContent = 'live';
    draw();
  }
});
$('live-clear').addEventListener('click', () => {
  exchanges.length = 0;
  pending = 0;
  draw();
});
$('live-filter').addEventListener('input', draw);

const source = new EventSource('/live/events');
source.addEventListener('hello', () => { status.textContent = paused ? 'paused' : 'live'; document.body.dataset.live = 'connected'; });
source.addEventListener('exchange', (e) => add(JSON.parse(e.data)));
source.addEventListener('dropped', (e) => { status.textContent = JSON.parse(e.data).dropped + ' exchanges dropped (the page fell behind)'; });
source.addEventListener('error', () => { status.textContent = 'reconnecting…'; });
`;
