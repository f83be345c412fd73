/**
 * How a split run shares units out between its threads (parallel-split.ts): every unit of a layer
 * goes to exactly one thread, in runs of a multiple of 8 in proportion to the shares, a layer kept
 * whole goes to thread 0, and `rebalance` moves units towards the thread that computed faster.
 * That the bits do not depend on the shares is test/train/shared-memory.test.ts's (any cut) and
 * test/train/threads.test.ts's (whole runs, whatever the shares became).
 */
import { describe, expect, it } from 'vitest';
import { createNetwork, createRandom, zeros } from '../../src/index.js';
import { checkFitOptions } from '../../src/train/fit.js';
import { createSplitSetup } from '../../src/train/parallel-fit.js';
import { balanceViews, ownedUnits, rebalance, stepCount } from '../../src/train/parallel-split.js';
import { sigmoidNet } from '../helpers/networks.js';

describe('ownedUnits', () => {
  it('gives every unit to one thread, in runs of a multiple of 8 in proportion to the shares', () => {
    const rng = createRandom(5);
    for (let trial = 0; trial < 200; trial++) {
      const units = 1 + Math.floor(rng.next() * 300);
      const threads = 1 + Math.floor(rng.next() * 4);
      const shares = Array.from({ length: threads }, () => 0.05 + rng.next());
      const runs = shares.map((_, t) => ownedUnits(units, shares, t, false));
      // Consecutive, from 0 to the layer's width.
      expect(runs[0][0]).toBe(0);
      for (let t = 1; t < threads; t++) expect(runs[t][0]).toBe(runs[t - 1][1]);
      expect(runs[threads - 1][1]).toBe(units);
      const total = shares.reduce((a, b) => a + b, 0);
      for (let t = 0; t < threads; t++) {
        const [j0, j1] = runs[t];
        if (j0 < units) expect(j0 % 8).toBe(0);
        if (j1 < units) expect(j1 % 8).toBe(0);
        // Each edge is its share of the whole runs of 8 rounded to a run (±4), the last run cut
        // short at the layer's end (≤ 7 fewer units than whole runs): within 15 of its share.
        expect(Math.abs(j1 - j0 - (units * shares[t]) / total)).toBeLessThanOrEqual(15);
      }
    }
  });

  it('gives a layer kept whole to thread 0', () => {
    expect(ownedUnits(10, [1, 3], 0, true)).toEqual([0, 10]);
    expect(ownedUnits(10, [1, 3], 1, true)).toEqual([10, 10]);
  });
});

describe('rebalance', () => {
  it('moves units towards the faster thread in each step, half way, and leaves a step no thread split alone', () => {
    const net = createNetwork(sigmoidNet(60, 256), { seed: 1 });
    const data = { x: zeros(256, 60), y: zeros(256, 1) };
    const setup = createSplitSetup(net, data, checkFitOptions(net, data, { batchSize: 256 }), 2);
    const { shares, busy } = balanceViews(setup);
    expect(shares).toHaveLength(stepCount(2) * 2);
    expect(Array.from(shares)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    // Step 0: thread 1 took 3 times as long for the same share; step 1: thread 1 did nothing.
    busy.set([1, 3, 0.5, 0, 2, 2, 1, 1]);
    rebalance(setup);
    // Equally busy would have been shares 3/4 and 1/4 of the whole: half way from 1 each.
    expect(shares[0]).toBeCloseTo((1 + 0.75) / 2, 12);
    expect(shares[1]).toBeCloseTo((1 + 0.25) / 2, 12);
    expect([shares[2], shares[3]]).toEqual([1, 1]);
    expect(shares[4]).toBeCloseTo(shares[5], 12);
    expect(Array.from(busy)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // And then the units of layer 0 (256 wide) follow: thread 0 gets more.
    const [a0, a1] = ownedUnits(256, shares.subarray(0, 2), 0, false);
    expect(a1 - a0).toBeGreaterThan(128);
  });
});
