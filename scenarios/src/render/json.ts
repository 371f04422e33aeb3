/** The full transcript as JSON (tokens are already masked by the recorder's sources). */
import type { Transcript } from '../transcript.js';

export function renderJson(transcripts: readonly Transcript[]): string {
  return `${JSON.stringify(transcripts.length === 1 ? transcripts[0] : transcripts, null, 2)}\n`;
}
