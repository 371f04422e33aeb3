/**
 * Turns a step's exchanges into diagram events: a request arrow when a call leaves and a response arrow when
 * its answer comes back, in the order of the recorder's event counter, so a registry's validation call sits
 * inside the client request that caused it. Shared by the Mermaid and SVG renderers.
 */
import { sortedExchanges } from '../recorder.js';
import type { Participant, RecordedExchange, StepRecord } from '../transcript.js';

export interface DiagramEvent {
  readonly kind: 'request' | 'response';
  readonly from: Participant;
  readonly to: Participant;
  readonly label: string;
  /** Position on the run's event counter (`opened` for a request, `closed` for its response). */
  readonly at: number;
  readonly exchange: RecordedExchange;
}

export function stepEvents(step: StepRecord): DiagramEvent[] {
  const events: DiagramEvent[] = [];
  for (const x of sortedExchanges(step)) {
    events.push({ kind: 'request', from: x.from, to: x.to, label: requestLabel(x), at: x.opened, exchange: x });
    events.push({ kind: 'response', from: x.to, to: x.from, label: responseLabel(x), at: x.closed, exchange: x });
  }
  // The counter never repeats a value within a run; the tie-breaks only keep the sort total.
  return events.sort((a, b) => a.at - b.at || (a.kind === b.kind ? a.exchange.seq - b.exchange.seq : a.kind === 'request' ? -1 : 1));
}

export function requestLabel(x: RecordedExchange): string {
  const auth = x.requestHeaders.Authorization;
  const extras = [
    x.requestHeaders['X-Docker-Token'] ? 'X-Docker-Token: true' : '',
    auth ? (auth.startsWith('Token') ? 'Token' : auth.startsWith('Basic') ? 'Basic' : '') : '',
    x.requestHeaders.Range ? `Range: ${x.requestHeaders.Range}` : '',
  ].filter(Boolean);
  return `${x.method} ${shortIds(x.path)}${extras.length ? ` [${extras.join(', ')}]` : ''}`;
}

/** Image ids shortened the way `docker images` shows them (12 characters), so labels stay readable. */
export function shortIds(text: string): string {
  return text.replace(/\b([a-f0-9]{12})[a-f0-9]{52}\b/g, '$1…');
}

export function responseLabel(x: RecordedExchange): string {
  const parts = [x.status === 0 ? 'unreachable' : String(x.status)];
  if (x.verdict) parts.push(`= ${x.verdict}`);
  if (x.responseHeaders['X-Docker-Token']) parts.push('+token');
  if (x.responseHeaders['X-Docker-Endpoints']) parts.push(`endpoints ${x.responseHeaders['X-Docker-Endpoints']}`);
  if (x.summary) parts.push(x.summary);
  return parts.join(' ');
}

export function participantLabel(p: Participant): string {
  if (p === 'client') return 'Client';
  if (p === 'index') return 'Index';
  if (p.startsWith('index-')) return `Index ${p.slice(6)}`;
  if (p === 'registry') return 'Registry';
  return `Registry ${p.slice(9)}`;
}
