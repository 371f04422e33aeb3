// Test fixtures for the checksum module: the shared TarSum vectors (read in place, never copied)
// and a tiny hand-rolled tar writer, so tests control every header byte (typeflag '\0', GNU long
// names, base-256 numbers, PAX records) independently of the code under test.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

/** Directory of the shared TarSum vectors (outside the repository). */
export const VECTORS_DIR = path.resolve(import.meta.dirname, '../../../../shared/vectors/tarsum');

/** One case of expected.json. */
export interface VectorCase {
  dir?: string;
  file?: string;
  withJson?: boolean;
  gzip?: boolean;
  tarsum: string;
}

/** The cases of expected.json. */
export function loadVectorCases(): VectorCase[] {
  const parsed = JSON.parse(readFileSync(path.join(VECTORS_DIR, 'expected.json'), 'utf8')) as { cases: VectorCase[] };
  return parsed.cases;
}

/** Path of a case's layer tar. */
export function layerPathOf(c: VectorCase): string {
  if (c.dir !== undefined) return path.join(VECTORS_DIR, c.dir, 'layer.tar');
  if (c.file !== undefined) return path.join(VECTORS_DIR, c.file);
  throw new Error('vector case has neither dir nor file');
}

/** The image JSON bytes of a case, or null. */
export function jsonOf(c: VectorCase): Buffer | null {
  return c.withJson && c.dir !== undefined ? readFileSync(path.join(VECTORS_DIR, c.dir, 'json')) : null;
}

/** A readable stream of `data` cut into chunks of `size` bytes. */
export function chunked(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  return Readable.from(chunks);
}

export function sha256Hex(...parts: (Buffer | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
  return hash.digest('hex');
}

/** Header fields for {@link tarHeader}; numbers are written in octal unless a raw field is given. */
export interface HeaderSpec {
  name: string;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: number;
  /** The raw typeflag byte: '0' (0x30), 0 for an old-style regular file, 'L', 'x', ... */
  typeflag?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  prefix?: string;
  format?: 'ustar' | 'gnu' | 'v7';
  /** Raw bytes for numeric fields (e.g. GNU base-256), keyed by field name. */
  raw?: Partial<Record<'size' | 'mtime' | 'uid', Buffer>>;
}

const OFFSETS = { mode: [100, 8], uid: [108, 8], gid: [116, 8], size: [124, 12], mtime: [136, 12] } as const;

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(value.toString(8).padStart(length - 1, '0'), offset, length - 1, 'latin1');
}

/** Recomputes the header checksum of a 512-byte block in place (after a test edits it). */
export function fixChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
}

/** One 512-byte header block with a valid checksum. */
export function tarHeader(spec: HeaderSpec): Buffer {
  const block = Buffer.alloc(512);
  block.write(spec.name, 0, 100, 'latin1');
  writeOctal(block, ...OFFSETS.mode, spec.mode ?? 0o644);
  writeOctal(block, ...OFFSETS.uid, spec.uid ?? 0);
  writeOctal(block, ...OFFSETS.gid, spec.gid ?? 0);
  writeOctal(block, ...OFFSETS.size, spec.size ?? 0);
  writeOctal(block, ...OFFSETS.mtime, spec.mtime ?? 1400000000);
  for (const [field, bytes] of Object.entries(spec.raw ?? {})) {
    const [offset, length] = OFFSETS[field as keyof typeof OFFSETS];
    block.fill(0, offset, offset + length);
    bytes.copy(block, offset);
  }
  block[156] = spec.typeflag ?? 0x30;
  block.write(spec.linkname ?? '', 157, 100, 'latin1');
  const format = spec.format ?? 'ustar';
  if (format !== 'v7') {
    block.write(format === 'ustar' ? 'ustar\x0000' : 'ustar  \x00', 257, 8, 'latin1');
    block.write(spec.uname ?? '', 265, 32, 'latin1');
    block.write(spec.gname ?? '', 297, 32, 'latin1');
    writeOctal(block, 329, 8, spec.devmajor ?? 0);
    writeOctal(block, 337, 8, spec.devminor ?? 0);
    block.write(spec.prefix ?? '', 345, 155, 'latin1');
  }
  fixChecksum(block);
  return block;
}

/** Pads `body` to a multiple of 512 bytes. */
export function padded(body: Buffer): Buffer {
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

/** A header plus its padded body; `size` defaults to the body length. */
export function tarEntry(spec: HeaderSpec, body: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([tarHeader({ size: body.length, ...spec }), padded(body)]);
}

/** A PAX record "%d key=value\n" with its self-including length. */
export function paxRecord(key: string, value: string | Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from(` ${key}=`, 'latin1'), Buffer.from(value), Buffer.from('\n')]);
  let length = payload.length + 1;
  while (String(length).length + payload.length !== length) length = String(length).length + payload.length;
  return Buffer.concat([Buffer.from(String(length)), payload]);
}

/** The end-of-archive marker: two zero blocks. */
export const END_OF_ARCHIVE = Buffer.alloc(1024);

/**
 * The §7.2 Version0 header string of an entry, written independently of the code under test:
 * key + value for the twelve fields, in order.
 */
export function v0HeaderString(f: {
  name: string;
  mode: number;
  uid?: number;
  gid?: number;
  size: number;
  mtime: number;
  typeflag: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
}): string {
  return (
    `name${f.name}mode${f.mode}uid${f.uid ?? 0}gid${f.gid ?? 0}size${f.size}mtime${f.mtime}` +
    `typeflag${String.fromCharCode(f.typeflag)}linkname${f.linkname ?? ''}uname${f.uname ?? ''}gname${f.gname ?? ''}` +
    `devmajor${f.devmajor ?? 0}devminor${f.devminor ?? 0}`
  );
}
