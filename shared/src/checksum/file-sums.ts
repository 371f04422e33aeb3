// The per-entry sums of one archive and the way TarSum combines them (moby pkg/tarsum
// fileinfosums.go and tarSum.Sum; docs/v1-protocol.md §7.2 steps 3-4).
//
// A layer may hold hundreds of thousands of entries and TarSum must keep one sum per entry until
// the end, so they are stored compactly: 32 raw digest bytes per entry and column (one column per
// header selection), the names once. Comparing raw digests bytewise orders them exactly like the
// lowercase hex strings Go compared.

import { createHash } from 'node:crypto';
import { goSort } from './go-sort.js';

const DIGEST_SIZE = 32;
const INITIAL_CAPACITY = 256;

/** One entry's sum, as moby's FileInfoSums holds it. */
export interface FileSum {
  /** Entry name with one leading `./` and one trailing `/` removed (latin1 binary string). */
  readonly name: string;
  /** Lowercase hex sha256 of the selected header fields and the body. */
  readonly sum: string;
  /** Position of the entry in the archive, from 0. */
  readonly pos: number;
}

/** Append-only table of entry names and their sha256 digests, in archive order. */
export class FileSumTable {
  private readonly names: string[] = [];
  private readonly seen = new Set<string>();
  private hasDuplicatePaths = false;
  private columns: Buffer[];

  /** Creates a table with `columnCount` digests per entry. */
  constructor(columnCount: number) {
    this.columns = Array.from({ length: columnCount }, () => Buffer.alloc(INITIAL_CAPACITY * DIGEST_SIZE));
  }

  /** Records the next entry: its normalised name and one 32-byte digest per column. */
  add(name: string, digests: readonly Uint8Array[]): void {
    const index = this.names.length;
    if (this.seen.has(name)) this.hasDuplicatePaths = true;
    else this.seen.add(name);
    this.names.push(name);
    if ((index + 1) * DIGEST_SIZE > (this.columns[0]?.length ?? 0)) this.grow();
    digests.forEach((digest, column) => this.columns[column]?.set(digest, index * DIGEST_SIZE));
  }

  /** The entries of one column in archive order. */
  entries(column: number): FileSum[] {
    const digests = this.column(column);
    return this.names.map((name, pos) => ({ name, sum: hexAt(digests, pos), pos }));
  }

  /**
   * sha256(extra ‖ concat(sorted hex sums)) of one column, as lowercase hex. Sorted by sum, except
   * that when any path occurs twice, entries of the same name keep archive order (moby c5e6362);
   * Go's sort.Sort is replayed because that comparator can be cyclic.
   */
  combine(column: number, extra: Uint8Array | null): string {
    const digests = this.column(column);
    const names = this.names;
    const order = names.map((_, pos) => pos);
    if (this.hasDuplicatePaths) {
      goSort(order, (i, j) => (names[i] === names[j] ? i < j : compareDigests(digests, i, j) < 0));
    } else {
      goSort(order, (i, j) => compareDigests(digests, i, j) < 0);
    }
    const hash = createHash('sha256');
    if (extra) hash.update(extra);
    for (const pos of order) hash.update(hexAt(digests, pos), 'latin1');
    return hash.digest('hex');
  }

  private column(column: number): Buffer {
    const digests = this.columns[column];
    if (!digests) throw new RangeError(`no column ${column}`);
    return digests;
  }

  private grow(): void {
    this.columns = this.columns.map((old) => {
      const grown = Buffer.alloc(old.length * 2);
      old.copy(grown);
      return grown;
    });
  }
}

function hexAt(digests: Buffer, pos: number): string {
  return digests.toString('hex', pos * DIGEST_SIZE, (pos + 1) * DIGEST_SIZE);
}

/** Bytewise comparison of the digests of entries i and j. */
function compareDigests(digests: Buffer, i: number, j: number): number {
  const a = i * DIGEST_SIZE;
  const b = j * DIGEST_SIZE;
  for (let k = 0; k < DIGEST_SIZE; k++) {
    const diff = (digests[a + k] ?? 0) - (digests[b + k] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
