import { expect } from 'chai';
import { goSort } from '../../src/checksum/go-sort.js';

/** Deterministic pseudo-random integers (xorshift32), so failures reproduce. */
function numbers(count: number, seed: number, range: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push((x >>> 0) % range);
  }
  return out;
}

describe('checksum: goSort (Go ≤1.5 sort.Sort)', () => {
  it('sorts like any correct sort for a consistent comparator (insertion, quicksort and ninther paths)', () => {
    for (const count of [0, 1, 2, 7, 8, 12, 40, 41, 100, 257, 1000]) {
      for (const range of [3, 1000000]) {
        const items = numbers(count, count * 31 + range, range);
        const expected = [...items].sort((a, b) => a - b);
        goSort(items, (a, b) => a < b);
        expect(items, `n=${count} range=${range}`).to.deep.equal(expected);
      }
    }
  });

  it('handles already sorted, reversed and all-equal inputs', () => {
    const sorted = Array.from({ length: 500 }, (_, i) => i);
    for (const input of [[...sorted], [...sorted].reverse(), new Array<number>(500).fill(7)]) {
      const expected = [...input].sort((a, b) => a - b);
      goSort(input, (a, b) => a < b);
      expect(input).to.deep.equal(expected);
    }
  });

  it('follows insertion sort on short ranges even for a cyclic comparator', () => {
    // less: x < y, y < z, z < x. Go's insertion sort on [z, y, x]: y < z → swap → [y, z, x];
    // then x < z is false → stop.
    const order = new Map([
      ['x', 'y'],
      ['y', 'z'],
      ['z', 'x'],
    ]);
    const items = ['z', 'y', 'x'];
    goSort(items, (a, b) => order.get(a) === b);
    expect(items).to.deep.equal(['y', 'z', 'x']);
  });
});
