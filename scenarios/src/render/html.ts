/**
 * One self-contained page (no network needed): the sequence diagram drawn as inline SVG beside the narrated
 * transcript. Step numbers link the two both ways.
 */
import { sortedExchanges } from '../recorder.js';
import { failed, verdictOf, type Expectation, type Participant, type Transcript } from '../transcript.js';
import { participantLabel, stepEvents } from './events.js';

const COLUMN = 270;
const ROW = 26;
const LEFT = 170;
const HEAD = 50;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const anchor = (t: Transcript, step: string) => `${t.scenario}-${step}`.replace(/[^A-Za-z0-9_-]/g, '_');

function diagram(t: Transcript): string {
  const x = new Map<Participant, number>(t.participants.map((p, i) => [p, LEFT + i * COLUMN]));
  const width = LEFT * 2 + (t.participants.length - 1) * COLUMN;
  const parts: string[] = [];
  let y = HEAD + 20;
  for (const step of t.steps) {
    const ok = !step.expectations.some(failed) && !step.error;
    parts.push(`<g id="d-${anchor(t, step.number)}"><a href="#t-${anchor(t, step.number)}"><rect x="10" y="${y}" width="${width - 20}" height="${ROW - 4}" rx="4" class="band ${ok ? 'ok' : 'bad'}"/><text x="20" y="${y + 16}" class="band-text">${esc(`${step.number}  ${step.title}`)}</text></a></g>`);
    y += ROW;
    for (const e of stepEvents(step)) {
      const x1 = x.get(e.from) ?? LEFT;
      const x2 = x.get(e.to) ?? LEFT;
      const dir = x2 >= x1 ? 1 : -1;
      const cls = e.kind === 'request' ? 'req' : e.exchange.status >= 400 || e.exchange.status === 0 ? 'res err' : 'res';
      const label = e.label.length > 64 ? `${e.label.slice(0, 61)}…` : e.label;
      parts.push(`<g class="${cls}"><title>${esc(e.label)}</title><line x1="${x1}" y1="${y + 12}" x2="${x2 - dir * 6}" y2="${y + 12}" marker-end="url(#arrow)"/><text x="${(x1 + x2) / 2}" y="${y + 7}" text-anchor="middle">${esc(label)}</text></g>`);
      y += ROW;
    }
  }
  const height = y + 20;
  const lifelines = t.participants
    .map((p) => `<line x1="${x.get(p)}" y1="${HEAD}" x2="${x.get(p)}" y2="${height - 10}" class="life"/><rect x="${(x.get(p) as number) - 70}" y="10" width="140" height="32" rx="6" class="head"/><text x="${x.get(p)}" y="31" text-anchor="middle" class="head-text">${esc(participantLabel(p))}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>${lifelines}${parts.join('')}</svg>`;
}

function transcriptPane(t: Transcript): string {
  const steps = t.steps.map((step) => {
    const exchanges = sortedExchanges(step).map((x) => {
      const headers = [...Object.entries(x.requestHeaders).map(([k, v]) => `→ ${k}: ${v}`), ...Object.entries(x.responseHeaders).map(([k, v]) => `← ${k}: ${v}`)];
      return `<li class="${x.status >= 400 || x.status === 0 ? 'err' : ''}"><b>${esc(participantLabel(x.from))} → ${esc(participantLabel(x.to))}</b> <code>${esc(x.method)} ${esc(x.path)}</code> <span class="status">${x.status === 0 ? 'unreachable' : x.status}${x.verdict ? ` = ${x.verdict}` : ''}</span> <span class="ms">${(x.endMs - x.startMs).toFixed(1)} ms</span>${headers.length ? `<pre>${esc(headers.join('\n'))}</pre>` : ''}</li>`;
    });
    const expectations = step.expectations.map(expectationItem);
    const notes = step.notes.map((n) => `<li class="note">${esc(n)}</li>`);
    return `<section id="t-${anchor(t, step.number)}"><h3><a href="#d-${anchor(t, step.number)}">${esc(step.number)}</a> ${esc(step.title)}</h3><p>${esc(step.narration)}</p><ol class="x">${exchanges.join('')}</ol><ul class="e">${notes.join('')}${expectations.join('')}${step.error ? `<li class="failed">✘ ${esc(step.error)}</li>` : ''}</ul></section>`;
  });
  const remarks = t.remarks.map((r) => `<p class="remark">${esc(r)}</p>`).join('');
  return `${steps.join('')}${remarks}`;
}

function expectationItem(e: Expectation): string {
  if (e.held === null) return `<li class="unobserved">○ ${esc(e.description)} — ${esc(e.notObservable ?? 'not observable')}</li>`;
  return `<li class="${e.held ? 'held' : 'failed'}">${e.held ? '✔' : '✘'} ${esc(e.description)}${!e.held && e.detail ? ` — ${esc(e.detail)}` : ''}</li>`;
}

export function renderHtml(transcripts: readonly Transcript[]): string {
  const body = transcripts
    .map((t) => `<article><h2>${esc(`${t.workflow}. ${t.title}`)} <span class="${t.ok ? 'ok' : 'bad'}">${esc(verdictOf(t))}</span></h2><p class="sum">${esc(t.summary)} <i>(${esc(t.backend)}, ${t.ms.toFixed(0)} ms)</i></p><div class="cols"><div class="diagram">${diagram(t)}</div><div class="transcript">${transcriptPane(t)}</div></div></article>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>v1hub scenario replay</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:16px;background:#fafafa;color:#222}
h1{margin:0 0 8px}article{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 16px;margin:16px 0}
.cols{display:flex;gap:16px;align-items:flex-start}.diagram{overflow:auto;flex:0 0 auto;max-width:60vw;max-height:85vh;border:1px solid #eee}
.transcript{flex:1 1 auto;max-height:85vh;overflow:auto}code,pre{font:12px ui-monospace,monospace}pre{margin:2px 0 6px;color:#555;white-space:pre-wrap}
.ok{color:#17803d}.bad{color:#b42318}h2 span{font-size:13px;font-weight:normal}.sum{color:#555}
svg text{font:11px ui-monospace,monospace;fill:#222}svg .head{fill:#eef3ff;stroke:#4a6fd1}svg .head-text{font:bold 13px system-ui;fill:#1d3b8b}
svg .life{stroke:#bbb;stroke-dasharray:4 4}svg .band{fill:#f1f5f9;stroke:#cbd5e1}svg .band.bad{fill:#fde8e8;stroke:#f5a3a3}svg .band-text{font:bold 12px system-ui}
svg .req line{stroke:#1d4ed8}svg .res line{stroke:#6b7280;stroke-dasharray:5 3}svg .res.err line{stroke:#b42318}svg .res.err text{fill:#b42318}svg marker path{fill:#555}
ol.x{padding-left:18px}ol.x li.err .status{color:#b42318}.status{font-weight:bold}.ms{color:#888;font-size:12px}
ul.e{list-style:none;padding-left:0}li.held{color:#17803d}li.failed{color:#b42318;font-weight:bold}li.note{color:#555}li.unobserved{color:#8a5a00}.remark{background:#fff7e6;border-left:3px solid #f0a020;padding:6px 10px}
section h3 a{color:#1d4ed8;text-decoration:none}
</style></head><body><h1>v1hub — the Index / Registry split, replayed</h1>${body}</body></html>
`;
}
