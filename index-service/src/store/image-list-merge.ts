/**
 * The Index's image-list merge rule (§3.2 item 3), kept in one place: the memory and file stores call it
 * and the Redis store's Lua script (redis/scripts.ts) mirrors it line for line.
 *
 * LEGACY: docker-index stored the first `PUT /v1/repositories/<ns>/<repo>/images` body verbatim, `Tag` keys
 * included, and rewrote the list as `{id, checksum}` pairs on every later PUT. Unlike the legacy code (where
 * a later checksum replaced a stored one) a stored checksum is never overwritten here, as the store
 * contract requires.
 */
import type { ImageEntry } from './metadata-store.js';

/**
 * Returns the list to store: `incoming` as given when nothing is stored yet; otherwise the stored entries
 * followed by the new ids, in order of first appearance, each as `{id}` or `{id, checksum}`. An entry
 * gains a checksum when it had none; an empty checksum counts as none; nothing is removed.
 */
export function mergeImageLists(stored: readonly ImageEntry[] | null, incoming: readonly ImageEntry[]): ImageEntry[] {
  if (stored === null) return incoming.map((entry) => ({ ...entry }));
  const checksums = new Map<string, string | undefined>();
  const add = (entry: ImageEntry): void => {
    if (typeof entry.id !== 'string') return;
    const checksum = typeof entry.checksum === 'string' && entry.checksum !== '' ? entry.checksum : undefined;
    if (!checksums.has(entry.id) || checksums.get(entry.id) === undefined) checksums.set(entry.id, checksum);
  };
  stored.forEach(add);
  incoming.forEach(add);
  return [...checksums].map(([id, checksum]) => (checksum === undefined ? { id } : { id, checksum }));
}
