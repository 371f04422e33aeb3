/** A Mermaid `sequenceDiagram` with every exchange, step numbers as notes. */
import type { Participant, Transcript } from '../transcript.js';
import { participantLabel, stepEvents } from './events.js';

const id = (p: Participant) => p.replace(/[^A-Za-z0-9]/g, '_');
/** Mermaid breaks on `;` and `#` in labels, and `:` starts the message text. */
const safe = (s: string) => s.replace(/[;#]/g, ',').replace(/\s+/g, ' ').slice(0, 160);

export function renderMermaid(t: Transcript): string {
  return renderMermaidDocument([t]);
}

/**
 * One valid Mermaid document for any number of transcripts: a document holds one diagram, so several
 * scenarios become one sequenceDiagram whose lanes are every participant any of them has, each scenario
 * opened by a note with its workflow and title. (Five diagrams one after the other are not Mermaid.)
 */
export function renderMermaidDocument(transcripts: readonly Transcript[]): string {
  const participants: Participant[] = [];
  for (const t of transcripts) for (const p of t.participants) if (!participants.includes(p)) participants.push(p);
  const lines = ['sequenceDiagram', '  autonumber'];
  for (const p of participants) lines.push(`  participant ${id(p)} as ${participantLabel(p)}`);
  const first = participants[0] as Participant;
  const last = participants.at(-1) as Participant;
  for (const t of transcripts) {
    if (transcripts.length > 1) lines.push(`  Note over ${id(first)},${id(last)}: ${safe(`Scenario ${t.workflow}: ${t.title}`)}`);
    lines.push(...stepLines(t, first, last));
  }
  return `${lines.join('\n')}\n`;
}

function stepLines(t: Transcript, first: Participant, last: Participant): string[] {
  const lines: string[] = [];
  for (const step of t.steps) {
    lines.push(`  Note over ${id(first)},${id(last)}: ${safe(`${step.number} ${step.title}`)}`);
    for (const e of stepEvents(step)) {
      lines.push(`  ${id(e.from)}${e.kind === 'request' ? '->>' : '-->>'}${id(e.to)}: ${safe(e.label)}`);
    }
  }
  return lines;
}
