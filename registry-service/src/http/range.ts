/**
 * Byte ranges the way docker-registry understood them (v1-protocol.md §4.1 R6, §10 Q12).
 *
 * Docker 1.x resumes with `Range: bytes=<got>-<size>` — the end is the layer size, one past the last byte —
 * and docker-registry accepted that: a range is valid when start ≥ 0, end ≥ 1 and end − start ≥ 2, and it
 * echoed `Content-Range: <start>-<end>/<size>` without the `bytes ` unit. The final resume at `size-size`
 * is a 416, which the client reads as end of file. v1hub keeps those rules and the header format, but sends
 * an honest Content-Length (docker-registry declared one byte more than it sent).
 */
export interface LegacyRange {
  readonly start: number;
  /** The end as the client wrote it (may be `size`, one past the last byte). */
  readonly end: number;
  /** The last byte actually sent, inclusive. */
  readonly last: number;
}

const RANGE_RE = /^bytes=(\d+)-(\d*)$/;

/** Parses a Range header against a layer of `size` bytes; 'invalid' means 416. */
export function parseLegacyRange(header: string, size: number): LegacyRange | 'invalid' {
  const match = RANGE_RE.exec(header.trim());
  if (!match) return 'invalid';
  const start = Number(match[1]);
  // `bytes=a-` means "to the end"; docker-registry used the size as the end.
  const end = match[2] === '' ? size : Number(match[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return 'invalid';
  // LEGACY: §10 Q12 — docker-registry's `_valid_bytes_range`.
  if (start < 0 || end < 1 || end - start < 2) return 'invalid';
  if (start >= size) return 'invalid';
  return { start, end, last: Math.min(end, size - 1) };
}

/** LEGACY: §4.1 R6 — `a-b/size`, no `bytes ` unit. */
export function formatLegacyContentRange(range: LegacyRange, size: number): string {
  return `${range.start}-${range.end}/${size}`;
}
