// lzma-native ships no types; v1hub uses only its streaming decompressor.
declare module 'lzma-native' {
  import type { Duplex } from 'node:stream';
  export function createDecompressor(options?: { memlimit?: number }): Duplex;
  const lzma: { createDecompressor: typeof createDecompressor };
  export default lzma;
}
