// Tar header decoding with the exact semantics of the archive/tar reader that Docker 1.x vendored
// (code.google.com/p/go/src/pkg/archive/tar, Go 1.3 era), because TarSum hashes what that reader
// returned, not what the archive "means". Reference: docs/v1-protocol.md §7.2.
//
// Text fields are kept as 'latin1' binary strings (one char per byte). Go strings are raw bytes, so
// names that are not valid UTF-8 must hash byte for byte; latin1 round-trips every byte exactly and
// compares like Go strings (code unit order = byte order).

/** Size of a tar block. */
export const BLOCK_SIZE = 512;

/** Typeflag bytes the reader gives special meaning to. */
export const TYPE_PAX_HEADER = 0x78; // 'x'
export const TYPE_GNU_LONGNAME = 0x4c; // 'L'
export const TYPE_GNU_LONGLINK = 0x4b; // 'K'
const TYPE_CHAR = 0x33; // '3'
const TYPE_BLOCK = 0x34; // '4'

const PAX_XATTR_PREFIX = 'SCHILY.xattr.';
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** One tar header as the Go 1.x reader handed it to TarSum (after PAX / GNU long-name merging). */
export interface TarHeader {
  /** Entry name, prefix-joined (ustar) or replaced by PAX `path` / GNU long name. latin1 binary string. */
  name: string;
  /** The header's mode field as a number (type bits included when the writer put them there). */
  mode: bigint;
  uid: bigint;
  gid: bigint;
  /** Size as reported in the header (PAX `size` wins). */
  size: bigint;
  /** Modification time in integer Unix seconds. */
  mtime: bigint;
  /** The raw typeflag byte, never normalised ('\0' stays '\0'). */
  typeflag: number;
  linkname: string;
  uname: string;
  gname: string;
  /** Only decoded for char/block devices, as the Go reader did; 0 otherwise. */
  devmajor: bigint;
  devminor: bigint;
  /** Extended attributes from PAX `SCHILY.xattr.*` records, keyed without the prefix. */
  xattrs: Map<string, string>;
}

/** Result of decoding one header block. */
export type HeaderDecodeResult = { ok: true; header: TarHeader } | { ok: false; reason: string };

/** True when all 512 bytes are zero (an end-of-archive marker block). */
export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK_SIZE; i++) {
    if (block[i] !== 0) return false;
  }
  return true;
}

/** A NUL-terminated byte string as a latin1 binary string (all of it when it has no NUL). */
export function cString(bytes: Uint8Array): string {
  return fieldString(bytes, 0, bytes.length);
}

/** The NUL-terminated string in bytes [start, start + length) (latin1 binary string). */
function fieldString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return buffer.toString('latin1', start, end);
}

/**
 * The numeric field in bytes [start, start + length), read the way the vendored `(*Reader).octal`
 * read it: GNU base-256 when the top bit of the first byte is set (sign bit ignored, int64
 * wrap-around), otherwise octal digits after trimming spaces and NULs on both sides and stopping at
 * an inner NUL. Returns null where Go reported an error (which made the whole header invalid).
 */
function parseNumeric(bytes: Uint8Array, start: number, length: number): bigint | null {
  if (((bytes[start] ?? 0) & 0x80) !== 0) {
    let x = BigInt((bytes[start] ?? 0) & 0x7f);
    for (let i = start + 1; i < start + length; i++) x = BigInt.asIntN(64, (x << 8n) | BigInt(bytes[i] ?? 0));
    return x;
  }
  let from = start;
  let to = start + length;
  while (from < to && (bytes[from] === 0x20 || bytes[from] === 0)) from++;
  while (to > from && (bytes[to - 1] === 0x20 || bytes[to - 1] === 0)) to--;
  if (from === to) return 0n;
  // strconv.ParseUint(s, 8, 64): digits 0-7 only, up to an inner NUL (cString). Fields are at most
  // 12 bytes, so the value stays below 8^12 and is exact in a double.
  let value = 0;
  for (let i = from; i < to && bytes[i] !== 0; i++) {
    const c = bytes[i] ?? 0;
    if (c < 0x30 || c > 0x37) return null;
    value = value * 8 + (c - 0x30);
  }
  return BigInt(value);
}

/** Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, int64 range. */
function parseGoInt(text: string): bigint | null {
  if (!/^[+-]?[0-9]+$/.test(text)) return null;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

/**
 * A PAX time value reduced to the integer seconds `time.Unix(sec, nsec).Unix()` gives: the part
 * before the dot, minus one when a (signed) fraction is negative, as Go 1.x's parsePAXTime did.
 */
function parsePaxSeconds(text: string): bigint | null {
  const dot = text.indexOf('.');
  if (dot === -1) return parseGoInt(text);
  const seconds = parseGoInt(text.slice(0, dot));
  if (seconds === null) return null;
  const fraction = text.slice(dot + 1).padEnd(9, '0').slice(0, 9);
  const nanos = parseGoInt(fraction);
  if (nanos === null) return null;
  return nanos < 0n ? BigInt.asIntN(64, seconds - 1n) : seconds;
}

/** Sums of the header bytes with the checksum field read as spaces: [unsigned, signed]. */
function headerChecksums(block: Uint8Array): [number, number] {
  let unsigned = 8 * 0x20;
  let highBytes = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    if (i === 148) i = 156;
    const c = block[i] ?? 0;
    unsigned += c;
    if (c >= 0x80) highBytes++;
  }
  // As signed bytes, each byte >= 0x80 counts 256 less.
  return [unsigned, unsigned - 0x100 * highBytes];
}

/** True when bytes [start, start + text.length) spell `text` (ASCII). */
function bytesAre(block: Uint8Array, start: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (block[start + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Decodes one non-zero 512-byte header block. Fails (like Go's ErrHeader) on a checksum mismatch or
 * an unparsable numeric field. The format is chosen from the magic exactly as the Go 1.x reader did:
 * `ustar\0` = POSIX (or star when bytes 508..511 are `tar\0`), `ustar  \0` = old GNU, anything else
 * = V7 (no uname/gname/prefix).
 */
export function decodeHeaderBlock(block: Uint8Array): HeaderDecodeResult {
  const given = parseNumeric(block, 148, 8);
  const [unsigned, signed] = headerChecksums(block);
  if (given === null || (given !== BigInt(unsigned) && given !== BigInt(signed))) {
    return { ok: false, reason: 'invalid tar header (checksum mismatch)' };
  }

  const mode = parseNumeric(block, 100, 8);
  const uid = parseNumeric(block, 108, 8);
  const gid = parseNumeric(block, 116, 8);
  const size = parseNumeric(block, 124, 12);
  const mtime = parseNumeric(block, 136, 12);
  const typeflag = block[156] ?? 0;
  const header: TarHeader = {
    name: fieldString(block, 0, 100),
    mode: mode ?? 0n,
    uid: uid ?? 0n,
    gid: gid ?? 0n,
    size: size ?? 0n,
    mtime: mtime ?? 0n,
    typeflag,
    linkname: fieldString(block, 157, 100),
    uname: '',
    gname: '',
    devmajor: 0n,
    devminor: 0n,
    xattrs: new Map(),
  };
  let valid = mode !== null && uid !== null && gid !== null && size !== null && mtime !== null;

  const isUstar = bytesAre(block, 257, 'ustar\0');
  const isStar = isUstar && bytesAre(block, 508, 'tar\0');
  const isGnu = bytesAre(block, 257, 'ustar  \0');
  if (isUstar || isGnu) {
    header.uname = fieldString(block, 265, 32);
    header.gname = fieldString(block, 297, 32);
    if (typeflag === TYPE_CHAR || typeflag === TYPE_BLOCK) {
      const devmajor = parseNumeric(block, 329, 8);
      const devminor = parseNumeric(block, 337, 8);
      header.devmajor = devmajor ?? 0n;
      header.devminor = devminor ?? 0n;
      valid &&= devmajor !== null && devminor !== null;
    }
    // Go 1.x read the prefix for GNU headers too (where those bytes normally hold zero atime/ctime).
    const prefix = fieldString(block, 345, isStar ? 131 : 155);
    if (prefix.length > 0) header.name = `${prefix}/${header.name}`;
  }

  if (!valid) return { ok: false, reason: 'invalid tar header (bad numeric field)' };
  return { ok: true, header };
}

/**
 * Parses a PAX extended header body (`"%d %s=%s\n"` records) into a key → value map (latin1 binary
 * strings; later duplicates win). Mirrors Go 1.x's parsePAX, which did not check the trailing
 * newline; a record whose length runs outside the body (where Go would have panicked) or that has
 * no `=` is an error (null).
 */
export function parsePaxRecords(body: Uint8Array): Map<string, string> | null {
  const text = Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1');
  const records = new Map<string, string>();
  let rest = text;
  while (rest.length > 0) {
    const space = rest.indexOf(' ');
    if (space === -1) return null;
    const length = parseGoInt(rest.slice(0, space));
    if (length === null || length - 1n < BigInt(space + 1) || length > BigInt(rest.length)) return null;
    const record = rest.slice(space + 1, Number(length) - 1);
    rest = rest.slice(Number(length));
    const eq = record.indexOf('=');
    if (eq === -1) return null;
    records.set(record.slice(0, eq), record.slice(eq + 1));
  }
  return records;
}

/**
 * Applies PAX records to a header as Go 1.x's mergePAX did: path, linkpath, uname, gname, uid, gid,
 * mtime, size and `SCHILY.xattr.*`. Go stopped at the first unparsable number (in random map order),
 * so which fields survived was not deterministic there; here an unparsable value is skipped and the
 * header's own value kept.
 */
export function mergePaxRecords(header: TarHeader, records: ReadonlyMap<string, string>): void {
  for (const [key, value] of records) {
    switch (key) {
      case 'path':
        header.name = value;
        break;
      case 'linkpath':
        header.linkname = value;
        break;
      case 'uname':
        header.uname = value;
        break;
      case 'gname':
        header.gname = value;
        break;
      case 'uid':
        header.uid = parseGoInt(value) ?? header.uid;
        break;
      case 'gid':
        header.gid = parseGoInt(value) ?? header.gid;
        break;
      case 'mtime':
        header.mtime = parsePaxSeconds(value) ?? header.mtime;
        break;
      case 'size':
        header.size = parseGoInt(value) ?? header.size;
        break;
      default:
        if (key.startsWith(PAX_XATTR_PREFIX)) header.xattrs.set(key.slice(PAX_XATTR_PREFIX.length), value);
    }
  }
}
