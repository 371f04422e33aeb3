// Streaming TarSum, emulating Docker 1.x's pkg/tarsum (moby v1.8.3: tarsum.go, versioning.go,
// fileinfosums.go) fed by the archive/tar reader Docker vendored at the time. Reference:
// docs/v1-protocol.md §7.2.
//
// Per entry: sha256 over the selected header fields written as `key` + `value` (no separators),
// then the entry body. Versions differ only in that selection:
//   - `tarsum` (Version0): name mode uid gid size mtime typeflag linkname uname gname devmajor devminor;
//   - `tarsum.v1` / `tarsum.dev`: the same without mtime, then the xattrs sorted by key (key without
//     the `SCHILY.xattr.` prefix) as key + value.
// The per-entry hex sums are sorted (duplicate-path rule of moby commit c5e6362, replayed with Go's
// own sort: see file-sums.ts and go-sort.ts) and the final sum is sha256(extra ‖ sums), extra being
// the image JSON bytes as sent, with no newline added.
//
// Field values are what the archive/tar reader vendored by Docker 1.x returned (tar-header.ts). Note
// the typeflag: that reader passed the raw byte, so an old-style regular file ('\0') hashes a NUL
// where '0' hashes "0" (later Go readers rewrite '\0' to '0' and would give another sum).
//
// Era-correct by default: uname and gname are hashed (moby blanked them in 2018, commit a422774;
// `blankOwnerNames` reproduces that later variant).
//
// Streaming: input is consumed chunk by chunk; only a 512-byte header block and the bodies of PAX /
// GNU long-name records (capped at 1 MiB) are ever held; entry bodies are hashed as they pass.
// What does grow is one record per entry (its name and 32 bytes per header selection), which the
// final sort needs, as in Go: memory depends on the number of entries, never on their size.
//
// Invalid input never throws: a stream that Go's reader rejected (bad header checksum, truncated
// header or body, malformed PAX record, end of archive right after an extended header) ends in the
// `failed` state and its sum is null, with the reason in `error`. Like Go, a stream that ends cleanly
// on a block boundary (even with no end-of-archive marker, or an empty stream) is a valid archive,
// and bytes after the end-of-archive marker are ignored.
//
// Other behaviours of that reader kept on purpose: a PAX global header ('g') is an ordinary entry;
// the header right after a PAX 'x' header is always taken as the entry, whatever its type; GNU
// sparse entries are not expanded (their stored bytes are the body).
//
// One deliberate deviation: the Go 1.x reader used the ustar size field for the body length even
// when a PAX `size` record overrode the reported size (desynchronising the stream). Here the PAX size
// governs both, as POSIX says; whenever the two sizes agree, so do the results.

import { createHash, type Hash } from 'node:crypto';
import { FileSumTable, type FileSum } from './file-sums.js';
import {
  BLOCK_SIZE,
  TYPE_GNU_LONGLINK,
  TYPE_GNU_LONGNAME,
  TYPE_PAX_HEADER,
  cString,
  decodeHeaderBlock,
  isZeroBlock,
  mergePaxRecords,
  parsePaxRecords,
  type TarHeader,
} from './tar-header.js';

/** The TarSum versions Docker knew, by their label. */
export const TARSUM_VERSIONS = ['tarsum', 'tarsum.v1', 'tarsum.dev'] as const;

/** A TarSum version label: `tarsum` (Version0), `tarsum.v1` (Version1) or `tarsum.dev` (VersionDev). */
export type TarSumVersion = (typeof TARSUM_VERSIONS)[number];

/** Type guard for a TarSum version label (e.g. from a CLI flag). */
export function isTarSumVersion(label: string): label is TarSumVersion {
  return (TARSUM_VERSIONS as readonly string[]).includes(label);
}

/** Options of a {@link TarSum}. */
export interface TarSumOptions {
  /** Versions to compute in the same pass. Default: `['tarsum']`. */
  versions?: readonly TarSumVersion[];
  /** Hash uname and gname as empty strings (moby ≥2018 behaviour). Default false (Docker 1.x). */
  blankOwnerNames?: boolean;
}

export type { FileSum } from './file-sums.js';

/** Where the stream parser is. `done` and `failed` are final; further input is ignored there. */
type ParserState = 'header' | 'end-marker' | 'body' | 'extension' | 'padding' | 'done' | 'failed';

/** `tarsum.v1` and `tarsum.dev` share one header selection, so they share per-entry hashes. */
type Selector = 'v0' | 'v1';

const SELECTOR_OF: Record<TarSumVersion, Selector> = { tarsum: 'v0', 'tarsum.v1': 'v1', 'tarsum.dev': 'v1' };

/** Largest PAX / GNU long-name body held in memory; real ones are a few hundred bytes. */
const MAX_EXTENSION_SIZE = 1 << 20;

/**
 * Incremental TarSum over an uncompressed tar stream. Feed it with {@link TarSum.update}, close it
 * with {@link TarSum.end}, then read {@link TarSum.sum}. Never throws on bad input.
 */
export class TarSum {
  private readonly selectors: readonly Selector[];
  private readonly versions: ReadonlySet<TarSumVersion>;
  private readonly blankOwnerNames: boolean;
  /** Per-entry sums, one column per selector (in `selectors` order). */
  private readonly table: FileSumTable;

  private state: ParserState = 'header';
  private readonly block = Buffer.alloc(BLOCK_SIZE);
  private blockFill = 0;
  /** Bytes left in the current body, extension body or padding. */
  private remaining = 0;
  /** Padding to skip after the current body. */
  private paddingAfter = 0;
  /** Byte offset in the uncompressed stream, for error messages. */
  private offset = 0;
  private failure: string | null = null;
  private ended = false;

  private entryHashes: Hash[] = [];
  private entryName = '';

  private extensionType = 0;
  private extensionChunks: Buffer[] = [];
  /** Records of a PAX header just read: the next header is then the entry, whatever its type. */
  private paxRecords: Map<string, string> | null = null;
  private longName: string | null = null;
  private longLink: string | null = null;

  /** Creates an empty TarSum computing `options.versions` (default `['tarsum']`). */
  constructor(options: TarSumOptions = {}) {
    const versions = options.versions ?? ['tarsum'];
    this.versions = new Set(versions);
    this.selectors = [...new Set(versions.map((v) => SELECTOR_OF[v]))];
    this.table = new FileSumTable(this.selectors.length);
    this.blankOwnerNames = options.blankOwnerNames ?? false;
  }

  /** True once the end of the archive was reached or the input was rejected: more input is ignored. */
  get finished(): boolean {
    return this.state === 'done' || this.state === 'failed';
  }

  /** Why the input is not a readable tar stream, or null. */
  get error(): string | null {
    return this.failure;
  }

  /** Consumes the next bytes of the (uncompressed) tar stream. */
  update(chunk: Uint8Array): void {
    if (this.ended) throw new Error('TarSum.update() called after end()');
    let pos = 0;
    while (pos < chunk.length && !this.finished) {
      const available = chunk.length - pos;
      let used: number;
      switch (this.state) {
        case 'header':
        case 'end-marker':
          used = Math.min(BLOCK_SIZE - this.blockFill, available);
          this.block.set(chunk.subarray(pos, pos + used), this.blockFill);
          this.blockFill += used;
          this.offset += used;
          if (this.blockFill === BLOCK_SIZE) {
            this.blockFill = 0;
            if (this.state === 'header') this.onHeaderBlock();
            else this.onEndMarkerBlock();
          }
          break;
        case 'body': {
          used = Math.min(this.remaining, available);
          const slice = chunk.subarray(pos, pos + used);
          for (const hash of this.entryHashes) hash.update(slice);
          this.advance(used);
          if (this.remaining === 0) this.finishEntry();
          break;
        }
        case 'extension':
          used = Math.min(this.remaining, available);
          // Copy: the caller may reuse its buffer once update() returns.
          this.extensionChunks.push(Buffer.from(chunk.subarray(pos, pos + used)));
          this.advance(used);
          if (this.remaining === 0) this.finishExtension();
          break;
        default: // 'padding'
          used = Math.min(this.remaining, available);
          this.advance(used);
          if (this.remaining === 0) this.state = 'header';
      }
      pos += used;
    }
  }

  /** Marks the end of the input: decides between a complete archive and a truncated one. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const extensionPending = this.paxRecords !== null || this.longName !== null || this.longLink !== null;
    switch (this.state) {
      case 'header':
        if (this.blockFill > 0) this.fail('unexpected end of stream inside a tar header');
        else if (extensionPending) this.fail('unexpected end of stream after an extended header');
        else this.state = 'done';
        break;
      case 'end-marker':
        if (this.blockFill > 0) this.fail('unexpected end of stream inside the end-of-archive marker');
        else this.state = 'done';
        break;
      case 'padding':
        // Go's reader treated an end of stream inside padding as the end of the archive.
        if (extensionPending) this.fail('unexpected end of stream after an extended header');
        else this.state = 'done';
        break;
      case 'body':
        this.fail(`unexpected end of stream in the body of ${JSON.stringify(this.entryName)}`);
        break;
      case 'extension':
        this.fail('unexpected end of stream inside an extended header');
        break;
      default: // already 'done' or 'failed'
    }
  }

  /**
   * Rejects the input from outside (e.g. the gzip layer around it was corrupt). No effect once the
   * end of the archive has been reached, since Go's reader would not have read further.
   */
  abort(reason: string): void {
    if (this.state !== 'done') this.fail(reason);
    this.ended = true;
  }

  /**
   * The TarSum string `<version>+sha256:<hex>`, or null when the input was not a readable tar
   * stream. `extra` is appended before the sorted sums: the image JSON bytes for a v1 layer.
   * Call after {@link TarSum.end}.
   */
  sum(version: TarSumVersion, extra?: Uint8Array | null): string | null {
    const column = this.columnOf(version);
    if (!this.ended) throw new Error('TarSum.sum() called before end()');
    if (this.state !== 'done') return null;
    return `${version}+sha256:${this.table.combine(column, extra ?? null)}`;
  }

  /** The per-entry sums of `version`, in archive order (moby's GetSums). */
  fileSums(version: TarSumVersion): readonly FileSum[] {
    return this.table.entries(this.columnOf(version));
  }

  private columnOf(version: TarSumVersion): number {
    if (!this.versions.has(version)) throw new Error(`TarSum was not created for version ${version}`);
    return this.selectors.indexOf(SELECTOR_OF[version]);
  }

  private advance(bytes: number): void {
    this.remaining -= bytes;
    this.offset += bytes;
  }

  private fail(reason: string): void {
    this.failure = reason;
    this.state = 'failed';
    this.entryHashes = [];
    this.extensionChunks = [];
  }

  private onHeaderBlock(): void {
    const headerOffset = this.offset - BLOCK_SIZE;
    if (isZeroBlock(this.block)) {
      if (this.paxRecords !== null || this.longName !== null || this.longLink !== null) {
        this.fail(`end-of-archive marker right after an extended header at offset ${headerOffset}`);
      } else {
        this.state = 'end-marker';
      }
      return;
    }
    const decoded = decodeHeaderBlock(this.block);
    if (!decoded.ok) {
      this.fail(`${decoded.reason} at offset ${headerOffset}`);
      return;
    }
    const { header } = decoded;
    // Go 1.x read exactly one header after a PAX header and returned it as the entry, so extension
    // types are only special when no PAX header is pending.
    const isExtension =
      header.typeflag === TYPE_PAX_HEADER || header.typeflag === TYPE_GNU_LONGNAME || header.typeflag === TYPE_GNU_LONGLINK;
    if (this.paxRecords === null && isExtension) this.startExtension(header);
    else this.startEntry(header);
  }

  /** Second block after a zero block: another zero block ends the archive, anything else is an error. */
  private onEndMarkerBlock(): void {
    if (isZeroBlock(this.block)) this.state = 'done';
    else this.fail(`invalid tar header (zero block followed by data) at offset ${this.offset - BLOCK_SIZE}`);
  }

  private startExtension(header: TarHeader): void {
    if (header.size < 0n || header.size > BigInt(MAX_EXTENSION_SIZE)) {
      this.fail(`extended header of ${header.size} bytes rejected at offset ${this.offset - BLOCK_SIZE}`);
      return;
    }
    this.extensionType = header.typeflag;
    this.extensionChunks = [];
    this.startBody(Number(header.size), 'extension');
    if (this.remaining === 0) this.finishExtension();
  }

  private finishExtension(): void {
    const body = Buffer.concat(this.extensionChunks);
    this.extensionChunks = [];
    if (this.extensionType === TYPE_PAX_HEADER) {
      const records = parsePaxRecords(body);
      if (records === null) {
        this.fail(`malformed PAX extended header before offset ${this.offset}`);
        return;
      }
      this.paxRecords = records;
    } else if (this.extensionType === TYPE_GNU_LONGNAME) {
      // Go resolved nested long names recursively and assigned on the way out: the first one wins.
      this.longName ??= cString(body);
    } else {
      this.longLink ??= cString(body);
    }
    this.skipPadding();
  }

  private startEntry(header: TarHeader): void {
    if (this.paxRecords !== null) mergePaxRecords(header, this.paxRecords);
    if (this.longName !== null) header.name = this.longName;
    if (this.longLink !== null) header.linkname = this.longLink;
    this.paxRecords = null;
    this.longName = null;
    this.longLink = null;

    if (header.size < 0n || header.size > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail(`invalid entry size ${header.size} at offset ${this.offset - BLOCK_SIZE}`);
      return;
    }
    this.entryName = normaliseName(header.name);
    this.entryHashes = this.selectors.map((selector) =>
      createHash('sha256').update(selectHeaderFields(header, selector, this.blankOwnerNames), 'latin1'),
    );
    this.startBody(Number(header.size), 'body');
    if (this.remaining === 0) this.finishEntry();
  }

  private startBody(size: number, state: 'body' | 'extension'): void {
    this.state = state;
    this.remaining = size;
    this.paddingAfter = (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;
  }

  private finishEntry(): void {
    this.table.add(
      this.entryName,
      this.entryHashes.map((hash) => hash.digest()),
    );
    this.entryHashes = [];
    this.skipPadding();
  }

  private skipPadding(): void {
    this.remaining = this.paddingAfter;
    this.state = this.remaining > 0 ? 'padding' : 'header';
  }
}

/** moby: strings.TrimSuffix(strings.TrimPrefix(name, "./"), "/"). */
function normaliseName(name: string): string {
  const trimmed = name.startsWith('./') ? name.slice(2) : name;
  return trimmed.endsWith('/') ? trimmed.slice(0, -1) : trimmed;
}

/** The `key` + `value` byte string hashed ahead of an entry body (latin1 binary string). */
function selectHeaderFields(header: TarHeader, selector: Selector, blankOwnerNames: boolean): string {
  let out =
    `name${header.name}mode${header.mode}uid${header.uid}gid${header.gid}size${header.size}` +
    (selector === 'v0' ? `mtime${header.mtime}` : '') +
    `typeflag${String.fromCharCode(header.typeflag)}linkname${header.linkname}` +
    `uname${blankOwnerNames ? '' : header.uname}gname${blankOwnerNames ? '' : header.gname}` +
    `devmajor${header.devmajor}devminor${header.devminor}`;
  if (selector === 'v1' && header.xattrs.size > 0) {
    // Docker 1.x's v1 selector pre-sized its key slice with len(xattrs) empty strings before
    // appending the real keys, so "" came first that many extra times, each writing "" + xattrs[""].
    // Invisible unless an xattr has an empty name, but that is what was hashed.
    const emptyNameValue = header.xattrs.get('') ?? '';
    out += emptyNameValue.repeat(header.xattrs.size);
    // Default sort compares UTF-16 code units: for latin1 binary strings that is Go's byte order.
    for (const key of [...header.xattrs.keys()].sort()) out += key + (header.xattrs.get(key) ?? '');
  }
  return out;
}
