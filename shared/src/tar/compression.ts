/**
 * Which compression a layer blob uses, told by its first bytes: one table of magic numbers for every reader
 * (the registry's file lists, the client's TarSum and pull sinks, `docker save` blobs).
 */
export type LayerCompression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'none';

const MAGIC: ReadonlyArray<readonly [LayerCompression, Buffer]> = [
  ['gzip', Buffer.from([0x1f, 0x8b])],
  ['bzip2', Buffer.from('BZh', 'latin1')],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
];

/** Bytes that tell gzip from anything else. */
export const GZIP_MAGIC_BYTES = 2;
/** Bytes that tell every format in the table apart (xz's magic is the longest). */
export const COMPRESSION_MAGIC_BYTES = 6;

/** The format whose magic `head` starts with; 'none' when none matches (or `head` is too short to tell). */
export function compressionOf(head: Uint8Array): LayerCompression {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  for (const [format, magic] of MAGIC) if (bytes.length >= magic.length && bytes.subarray(0, magic.length).equals(magic)) return format;
  return 'none';
}
