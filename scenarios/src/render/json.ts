/**
 * The full transcript as JSON. Tokens are already masked: headers by the recorder's sources, and every
 * expectation detail, note, error and remark by the recorder itself (maskSecrets).
 */
import type { Transcript } from '../transcript.js';

export function renderJson(transcripts: readonly Transcript[]): string {
  return `${JSON.stringify(transcripts.length === 1 ? transcripts[0] : transcripts, null, 2)}\n`;
}
