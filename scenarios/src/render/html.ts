/**
 * One self-contained page (no network needed): the sequence diagram drawn as inline SVG beside the narrated
 * transcript. Step numbers link the two both ways. The diagram comes from the renderer the live view uses
 * (shared/src/render/sequence-diagram.ts).
 */
import { sortedExchanges } from '../recorder.js';
import { failed, verdictOf, type Expectation, type Transcript } from '../transcript.js';
import { renderSequenceDiagram, type DiagramRow, type SequenceDiagram } from '@v1hub/shared/core';
import { participantLabel, stepEvents } from './events.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const anchor = (t: Transcript, step: string) => `${t.scenario}-${step}`.replace(/[^A-Za-z0-9_-]/g, '_');

/** The transcript as the shared renderer's rows: a band per step, then its arrows in event-counter order. */
export function transcriptDiagram(t: Transcript): SequenceDiagram {
  const rows: DiagramRow[] = [];
  for (const step of t.steps) {
    const ok = !step.expectations.some(failed) && !step.error;
    rows.push({ kind: 'band', label: `${step.number}  ${step.title}`, ok, id: `d-${anchor(t, step.number)}`, href: `#t-${anchor(t, step.number)}` });
    for (const e of stepEvents(step)) {
      const x = e.exchange;
      const tone = e.kind === 'request' ? 'request' : x.verdict ? x.verdict : x.status >= 400 || x.status === 0 ? 'error' : 'response';
      rows.push({ kind: 'arrow', from: e.from, to: e.to, label: e.label, tone, title: e.label });
    }
  }
  return { lanes: t.participants.map((p) => ({ id: p, label: participantLabel(p) })), rows };
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
    .map((t) => `<article><h2>${esc(`${t.workflow}. ${t.title}`)} <span class="${t.ok ? 'ok' : 'bad'}">${esc(verdictOf(t))}</span></h2><p class="sum">${esc(t.summary)} <i>(${esc(t.backend)}, ${t.ms.toFixed(0)} ms)</i></p><div class="cols"><div class="diagram">${renderSequenceDiagram(transcriptDiagram(t))}</div><div class="transcript">${transcriptPane(t)}</div></div></article>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>v1hub scenario replay</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:16px;background:#fafafa;color:#222}
h1{margin:0 0 8px}article{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 16px;margin:16px 0}
.cols{display:flex;gap:16px;align-items:flex-start}.diagram{overflow:auto;flex:0 0 auto;max-width:60vw;max-height:85vh;border:1px solid #eee}
.transcript{flex:1 1 auto;max-height:85vh;overflow:auto}code,pre{font:12px ui-monospace,monospace}pre{margin:2px 0 6px;color:#555;white-space:pre-wrap}
.ok{color:#17803d}.bad{color:#b42318}h2 span{font-size:13px;font-weight:normal}.sum{color:#555}
ol.x{padding-left:18px}ol.x li.err .status{color:#b42318}.status{font-weight:bold}.ms{color:#888;font-size:12px}
ul.e{list-style:none;padding-left:0}li.held{color:#17803d}li.failed{color:#b42318;font-weight:bold}li.note{color:#555}li.unobserved{color:#8a5a00}.remark{background:#fff7e6;border-left:3px solid #f0a020;padding:6px 10px}
section h3 a{color:#1d4ed8;text-decoration:none}
</style></head><body><h1>v1hub — the Index / Registry split, replayed</h1>${body}</body></html>
`;
}
