/**
 * Byte ranges the way docker-registry understood them (v1-protocol.md §4.1 R6, §10 Q12; its
 * `_parse_bytes_range` and `_valid_bytes_range`).
 *
 * Docker 1.x resumes with `Range: bytes=<got>-<size>`: the end is the layer size, one past the last byte.
 * docker-registry took the end as written and refused a range only when start < 0, end < 1, or its length
 * `end − start + 1` is below 2; it echoed `Content-Range: <start>-<end>/<size>` without the `bytes ` unit. So
 * the final resume at `size-size` is a 416, which the client reads as end of file. A header it could not
 * parse (another unit, a suffix range, several ranges, not numbers) was ignored: the whole layer, 200.
 * v1hub keeps those rules and the header format, but sends an honest Content-Length (docker-registry
 * declared one byte more than it sent), and answers 416 for a start at or past the end (RFC 9110 §14.1.2:
 * "unsatisfiable") where docker-registry sent a 206 with no bytes in it.
 */
export interface LegacyRange {
  readonly start: number;
  /** The end as the client wrote it (may be `size`, one past the last byte). */
  readonly end: number;
  /** The last byte actually sent, inclusive. */
  readonly last: number;
}

const RANGE_RE = /^bytes=(\d+)-(\d*)$/;

/**
 * Reads a Range header against a layer of `size` bytes: a range to send (206), 'invalid' (416), or null
 * when the header is not a range docker-registry could parse, so the whole layer is sent.
 */
export function parseLegacyRange(header: string, size: number): LegacyRange | 'invalid' | null {
  const match = RANGE_RE.exec(header.trim());
  if (!match) return null;
  const start = Number(match[1]);
  // `bytes=a-` means "to the end"; docker-registry used the size as the end.
  const end = match[2] === '' ? size : Number(match[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return null;
  // LEGACY: §4.1 R6 / §10 Q12 — docker-registry's `_valid_bytes_range`: length = end − start + 1.
  if (start < 0 || end < 1 || end - start + 1 < 2) return 'invalid';
  if (start >= size) return 'invalid';
  return { start, end, last: Math.min(end, size - 1) };
}

/** LEGACY: §4.1 R6 — `a-b/size`, no `bytes ` unit. */
export function formatLegacyContentRange(range: LegacyRange, size: number): string {
  return `${range.start}-${range.end}/${size}`;
}
