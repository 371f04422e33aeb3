/**
 * One ustar header block, for writing a tar entry whose body is placed by position (a layer streamed into
 * its place in a tarball, the header filled in once its size is known). Same fields as tar-stream and Go's
 * archive/tar write for these entries: owner 0:0, no names, sizes past 8 GiB in base-256.
 */
export interface UstarEntry {
  readonly name: string;
  readonly size: number;
  readonly mode: number;
  readonly mtime: Date;
  readonly type: 'file' | 'directory';
}

export const BLOCK = 512;

/** Zero bytes that pad a body of `size` to a whole block. */
export function paddingFor(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

export function encodeUstarHeader(entry: UstarEntry): Buffer {
  const name = Buffer.from(entry.name, 'utf8');
  if (name.length > 100) throw new Error(`tar entry name longer than 100 bytes: ${entry.name}`);
  const header = Buffer.alloc(BLOCK);
  name.copy(header, 0);
  octal(header, 100, 8, entry.mode & 0o7777);
  octal(header, 108, 8, 0);
  octal(header, 116, 8, 0);
  if (entry.size < 0o77777777777) octal(header, 124, 12, entry.size);
  else {
    // Base-256: the high bit of the first byte set, the size big-endian in the rest.
    header[124] = 0x80;
    let size = BigInt(entry.size);
    for (let i = 135; i > 124; i--) {
      header[i] = Number(size & 0xffn);
      size >>= 8n;
    }
  }
  octal(header, 136, 12, Math.floor(entry.mtime.getTime() / 1000));
  header[156] = (entry.type === 'directory' ? '5' : '0').charCodeAt(0);
  header.write('ustar\u000000', 257, 'latin1');
  // The checksum is computed with its own field as eight spaces, then written as six digits, NUL, space.
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return header;
}

function octal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, 'latin1');
}
