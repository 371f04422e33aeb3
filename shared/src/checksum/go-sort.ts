// Go's sort.Sort as shipped from Go 1.0 to Go 1.5 (the compilers of Docker 1.x): introsort built
// from a Bentley–McIlroy three-way quicksort, heapsort past a depth limit and insertion sort for
// short ranges.
//
// Why not Array.prototype.sort: TarSum's duplicate-path comparator (moby commit c5e6362) is not a
// strict weak ordering — "same name: archive order, otherwise: by sum" can be cyclic — so the result
// depends on the exact sequence of comparisons and swaps. Reproducing Docker's sums for archives
// with duplicate paths therefore needs Go's algorithm step for step.

/** Ordering predicate: true when `a` must come before `b`. */
export type Less<T> = (a: T, b: T) => boolean;

/** Sorts `items` in place exactly as Go ≤1.5's `sort.Sort` would with the same `less`. */
export function goSort<T>(items: T[], less: Less<T>): void {
  const at = (i: number): T => items[i] as T;
  const sorter: Sorter = {
    less: (i, j) => less(at(i), at(j)),
    swap: (i, j) => {
      const tmp = at(i);
      items[i] = at(j);
      items[j] = tmp;
    },
  };
  // Heapsort takes over at depth 2·ceil(lg(n+1)).
  let maxDepth = 0;
  for (let i = items.length; i > 0; i >>= 1) maxDepth++;
  quickSort(sorter, 0, items.length, maxDepth * 2);
}

interface Sorter {
  less(i: number, j: number): boolean;
  swap(i: number, j: number): void;
}

function insertionSort(s: Sorter, a: number, b: number): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && s.less(j, j - 1); j--) s.swap(j, j - 1);
  }
}

/** Restores the max-heap property below `root` in the heap stored at data[first + lo, first + hi). */
function siftDown(s: Sorter, lo: number, hi: number, first: number): void {
  let root = lo;
  for (;;) {
    let child = 2 * root + 1;
    if (child >= hi) return;
    if (child + 1 < hi && s.less(first + child, first + child + 1)) child++;
    if (!s.less(first + root, first + child)) return;
    s.swap(first + root, first + child);
    root = child;
  }
}

function heapSort(s: Sorter, a: number, b: number): void {
  const first = a;
  const hi = b - a;
  for (let i = Math.trunc((hi - 1) / 2); i >= 0; i--) siftDown(s, i, hi, first);
  for (let i = hi - 1; i >= 0; i--) {
    s.swap(first, first + i);
    siftDown(s, 0, i, first);
  }
}

/** Orders data[m0] <= data[m1] <= data[m2], leaving the median in m1. */
function medianOfThree(s: Sorter, m1: number, m0: number, m2: number): void {
  if (s.less(m1, m0)) s.swap(m1, m0);
  if (s.less(m2, m1)) {
    s.swap(m2, m1);
    if (s.less(m1, m0)) s.swap(m1, m0);
  }
}

function swapRange(s: Sorter, a: number, b: number, n: number): void {
  for (let i = 0; i < n; i++) s.swap(a + i, b + i);
}

/**
 * Three-way partition around the pivot moved to data[lo]; returns the bounds [midlo, midhi) of the
 * run equal to the pivot.
 */
function doPivot(s: Sorter, lo: number, hi: number): [number, number] {
  const m = lo + Math.trunc((hi - lo) / 2);
  if (hi - lo > 40) {
    // Tukey's ninther: median of three medians of three.
    const step = Math.trunc((hi - lo) / 8);
    medianOfThree(s, lo, lo + step, lo + 2 * step);
    medianOfThree(s, m, m - step, m + step);
    medianOfThree(s, hi - 1, hi - 1 - step, hi - 1 - 2 * step);
  }
  medianOfThree(s, lo, m, hi - 1);

  // Layout while scanning: [lo] pivot, [lo+1, a) = pivot, [a, b) < pivot, [b, c) unexamined,
  // [c, d) > pivot, [d, hi) = pivot.
  const pivot = lo;
  let a = lo + 1;
  let b = lo + 1;
  let c = hi;
  let d = hi;
  for (;;) {
    while (b < c) {
      if (s.less(b, pivot)) {
        b++;
      } else if (!s.less(pivot, b)) {
        s.swap(a, b);
        a++;
        b++;
      } else {
        break;
      }
    }
    while (b < c) {
      if (s.less(pivot, c - 1)) {
        c--;
      } else if (!s.less(c - 1, pivot)) {
        s.swap(c - 1, d - 1);
        c--;
        d--;
      } else {
        break;
      }
    }
    if (b >= c) break;
    s.swap(b, c - 1);
    b++;
    c--;
  }

  // Move the "= pivot" runs from both ends into the middle.
  let n = Math.min(b - a, a - lo);
  swapRange(s, lo, b - n, n);
  n = Math.min(hi - d, d - c);
  swapRange(s, c, hi - n, n);
  return [lo + b - a, hi - (d - c)];
}

function quickSort(s: Sorter, a: number, b: number, maxDepth: number): void {
  while (b - a > 7) {
    if (maxDepth === 0) {
      heapSort(s, a, b);
      return;
    }
    maxDepth--;
    const [mlo, mhi] = doPivot(s, a, b);
    // Recurse into the smaller side, loop on the larger one.
    if (mlo - a < b - mhi) {
      quickSort(s, a, mlo, maxDepth);
      a = mhi;
    } else {
      quickSort(s, mhi, b, maxDepth);
      b = mlo;
    }
  }
  if (b - a > 1) insertionSort(s, a, b);
}
