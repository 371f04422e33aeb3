/** The narrated replay for a terminal: each step, the exchanges that carried it, and what was checked. */
import { sortedExchanges } from '../recorder.js';
import { verdictOf, type RecordedExchange, type Transcript } from '../transcript.js';
import { participantLabel } from './events.js';

export interface TextOptions {
  readonly colour: boolean;
}

export function renderText(transcripts: readonly Transcript[], opts: TextOptions): string {
  const c = palette(opts.colour);
  const out: string[] = [];
  for (const t of transcripts) {
    out.push(c.bold(`━━ ${t.workflow}. ${t.title} ━━`) + c.dim(`  (${t.backend}, ${t.ms.toFixed(0)} ms)`));
    out.push(c.dim(t.summary));
    for (const step of t.steps) {
      out.push('');
      out.push(`${c.bold(step.number.padEnd(4))} ${c.bold(step.title)}`);
      out.push(`     ${c.dim(step.narration)}`);
      for (const x of sortedExchanges(step)) out.push(...exchangeLines(x, c));
      for (const note of step.notes) out.push(`     ${c.dim(`• ${note}`)}`);
      for (const e of step.expectations) {
        if (e.held === null) out.push(`     ${c.yellow('○')} ${e.description} ${c.yellow(`— ${e.notObservable ?? 'not observable'}`)}`);
        else out.push(`     ${e.held ? c.green('✔') : c.red('✘')} ${e.description}${e.detail && !e.held ? c.red(` — ${e.detail}`) : ''}`);
      }
      if (step.error) out.push(`     ${c.red(`✘ step failed: ${step.error}`)}`);
    }
    for (const remark of t.remarks) out.push(`\n${c.yellow('!')} ${remark}`);
    out.push('');
    out.push(t.ok ? c.green(`✔ ${t.workflow}. ${t.title}: ${verdictOf(t)}`) : c.red(`✘ ${t.workflow}. ${t.title}: ${verdictOf(t)}`));
    out.push('');
  }
  return out.join('\n');
}

function exchangeLines(x: RecordedExchange, c: Palette): string[] {
  const who = `${participantLabel(x.from)} → ${participantLabel(x.to)}`;
  const status = x.status === 0 ? c.red('unreachable') : x.status < 300 ? c.green(String(x.status)) : x.status < 500 ? c.yellow(String(x.status)) : c.red(String(x.status));
  const verdict = x.verdict ? ` ${x.verdict === 'true' ? c.green('→ true') : c.red('→ false')}` : '';
  const lines = [`     ${c.cyan(who.padEnd(22))} ${x.method.padEnd(6)} ${x.path}  ${status}${verdict} ${c.dim(`${(x.endMs - x.startMs).toFixed(1)} ms`)}`];
  for (const [k, v] of Object.entries(x.requestHeaders)) lines.push(`     ${' '.repeat(22)} ${c.dim(`→ ${k}: ${v}`)}`);
  for (const [k, v] of Object.entries(x.responseHeaders)) lines.push(`     ${' '.repeat(22)} ${c.dim(`← ${k}: ${v}`)}`);
  if (x.summary) lines.push(`     ${' '.repeat(22)} ${c.dim(`← ${x.summary}`)}`);
  return lines;
}

type Paint = (s: string) => string;
interface Palette {
  bold: Paint;
  dim: Paint;
  green: Paint;
  red: Paint;
  yellow: Paint;
  cyan: Paint;
}

function palette(colour: boolean): Palette {
  const wrap = (code: string): Paint => (colour ? (s) => `\x1b[${code}m${s}\x1b[0m` : (s) => s);
  return { bold: wrap('1'), dim: wrap('2'), green: wrap('32'), red: wrap('31'), yellow: wrap('33'), cyan: wrap('36') };
}
