/** A Mermaid `sequenceDiagram` with every exchange, step numbers as notes. */
import type { Participant, Transcript } from '../transcript.js';
import { participantLabel, stepEvents } from './events.js';

const id = (p: Participant) => p.replace(/[^A-Za-z0-9]/g, '_');
/** Mermaid breaks on `;` and `#` in labels, and `:` starts the message text. */
const safe = (s: string) => s.replace(/[;#]/g, ',').replace(/\s+/g, ' ').slice(0, 160);

export function renderMermaid(t: Transcript): string {
  const lines = ['sequenceDiagram', '  autonumber'];
  for (const p of t.participants) lines.push(`  participant ${id(p)} as ${participantLabel(p)}`);
  const first = t.participants[0] as Participant;
  const last = t.participants.at(-1) as Participant;
  for (const step of t.steps) {
    lines.push(`  Note over ${id(first)},${id(last)}: ${safe(`${step.number} ${step.title}`)}`);
    for (const e of stepEvents(step)) {
      lines.push(`  ${id(e.from)}${e.kind === 'request' ? '->>' : '-->>'}${id(e.to)}: ${safe(e.label)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
