/**
 * A worker thread that fails mid-batch: its kernel's trap is recorded in the run's error buffer
 * with the thread's index, the calling thread waiting at a barrier for it wakes at once instead
 * of waiting for ever, and the error reads as one. Driven through the split run's own pieces
 * (createSplitSetup, startJobs, the control words) with a layer table made wrong on purpose: an
 * activation code no kernel branch names, which traps (`unreachable`) rather than compute
 * another kind.
 */
import { describe, expect, it } from 'vitest';
import { createNetwork, zeros } from '../../src/index.js';
import { checkFitOptions } from '../../src/train/fit.js';
import { createSplitSetup } from '../../src/train/parallel-fit.js';
import { startJobs } from '../../src/train/parallel-pool.js';
import { barrier, CMD_EXIT, CMD_RUN, CTRL, recordedError } from '../../src/train/parallel-split.js';
import { sigmoidNet } from '../helpers/networks.js';

describe('a failing worker thread', () => {
  it('records its trap and wakes the calling thread, which reads it as an error naming the thread', () => {
    const net = createNetwork(sigmoidNet(60, 256), { seed: 1 });
    const data = { x: zeros(256, 60), y: zeros(256, 1) };
    const setup = createSplitSetup(net, data, checkFitOptions(net, data, { batchSize: 256 }), 2);
    new Int32Array(setup.memory.buffer, setup.at.table, 12)[2] = 99; // the first layer's activation code
    const ctrl = new Int32Array(setup.control);
    try {
      startJobs(setup);
      Atomics.store(ctrl, CTRL.CMD, CMD_RUN);
      ctrl[CTRL.SIZE] = 256;
      Atomics.store(ctrl, CTRL.GEN, 1);
      Atomics.notify(ctrl, CTRL.GEN);
      // This thread computes nothing and arrives at the first layer's barrier; the worker's half
      // of that layer traps, so it never arrives: the barrier gives up once the error is recorded.
      const started = Date.now();
      expect(barrier(ctrl, 2, 0)).toBe(false);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(Atomics.load(ctrl, CTRL.ERROR)).toBe(2); // 1 + the worker's index
      expect(recordedError(setup).message).toMatch(/^training thread 1 failed: RuntimeError: unreachable/);
    } finally {
      Atomics.store(ctrl, CTRL.CMD, CMD_EXIT);
      Atomics.add(ctrl, CTRL.GEN, 1);
      Atomics.notify(ctrl, CTRL.GEN);
    }
  });
});
