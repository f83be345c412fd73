/**
 * `stratifiedSplitIndices` (typed arrays, no element-by-element growth) draws the same rows as
 * the plain-array algorithm it replaced, written out here as the reference: per class in
 * ascending order, that class's rows in the order given, shuffled, the first round(fraction · n)
 * held out; held rows ascending, kept rows in the order given.
 */
import { describe, expect, it } from 'vitest';
import { createRandom, type Random } from '../../src/core/random.js';
import { stratifiedSplit, stratifiedSplitIndices } from '../../src/data/split.js';

function reference(rows: number[], classes: Int32Array | undefined, fraction: number, rng: Random) {
  const groups = new Map<number, number[]>();
  for (const r of rows) {
    const c = classes ? classes[r] : 0;
    groups.set(c, [...(groups.get(c) ?? []), r]);
  }
  const held: number[] = [];
  for (const c of [...groups.keys()].sort((a, b) => a - b)) {
    const g = rng.shuffle(groups.get(c)!);
    held.push(...g.slice(0, Math.round(fraction * g.length)));
  }
  held.sort((a, b) => a - b);
  return { kept: rows.filter((r) => !held.includes(r)), held };
}

describe('stratifiedSplitIndices', () => {
  it.each([
    { n: 257, k: 3, fraction: 0.2, seed: 1 },
    { n: 100, k: 2, fraction: 0.1, seed: 7 },
    { n: 60, k: 0, fraction: 0.3, seed: 2 },
    { n: 5, k: 4, fraction: 0.5, seed: 3 },
  ])('$n rows, $k classes, fraction $fraction: the reference algorithm’s rows', ({ n, k, fraction, seed }) => {
    const labels = createRandom(99);
    const classes = k > 0 ? Int32Array.from({ length: n }, () => labels.int(k)) : undefined;
    // Rows out of order, as a second split gets them from the first (a subset, ascending here).
    const rows = Array.from({ length: n }, (_, i) => i).filter((i) => i % 7 !== 3);
    const want = reference(rows, classes, fraction, createRandom(seed));
    const got = stratifiedSplitIndices(Uint32Array.from(rows), classes, fraction, createRandom(seed));
    expect(Array.from(got.kept)).toEqual(want.kept);
    expect(Array.from(got.held)).toEqual(want.held);
    expect(stratifiedSplit(rows, classes, fraction, createRandom(seed))).toEqual(want);
  });
});
