/**
 * The C reference served one command at a time (bench/c/mlp.c without a plan; bench/peers/c.ts
 * `load`), which the bench alternates with backprop's float32 run on one core (issue 13 item 3):
 * an epoch served trains exactly what the C peer's own self-timed run trains, and the pinned pair
 * reports each core's ratio and judges the target on the best of them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileC, cPeer } from '../../bench/peers/c.js';
import { makeProblem, meanBce, WORKLOADS } from '../../bench/workloads.js';
import { benchTableSmoke } from '../helpers/bench-table.js';

const dir = mkdtempSync(join(tmpdir(), 'backprop-c-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the C reference as a session', () => {
  it('serves the epoch its self-timed run trains: the same held-out loss before and after', async () => {
    const peer = cPeer(compileC(dir));
    const w = WORKLOADS.W2;
    const problem = makeProblem(w, w.smokeSamples, 200);
    const own = await peer.runSelfTimed!(problem, { samples: w.smokeSamples, warmupSamples: 0, runs: 1 });
    const session = await peer.load!(problem);
    try {
      await session.reset();
      // The C run sums its own loss (C's log, its order): equal to ~1e-15, not to the bit.
      const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-13 * b);
      near(meanBce(await session.predictEval(), problem.evalY), own.lossBefore);
      await session.train(w.smokeSamples);
      expect(session.lastTrainMs!()).toBeGreaterThan(0);
      const after = meanBce(await session.predictEval(), problem.evalY);
      near(after, own.lossAfter);
      expect(after).toBeLessThan(own.lossBefore * 0.99);
      // reset puts the initial weights back: a second epoch from them ends at the same loss.
      await session.reset();
      await session.train(w.smokeSamples);
      expect(meanBce(await session.predictEval(), problem.evalY)).toBe(after);
    } finally {
      session.dispose!();
    }
  });

  it('gives a session that fails with the binary’s message, not a hang, when the binary is gone', async () => {
    const session = await cPeer(join(dir, 'no-such-binary')).load!(makeProblem(WORKLOADS.W1, 100, 10));
    await expect(Promise.resolve(session.reset())).rejects.toThrow(/C reference stopped at 'reset'.*ENOENT/);
    session.dispose!();
  });
});

describe('bench: backprop-f32 and c alternated on one core, each core in turn', () => {
  it('reports every core and judges item 3 on the best core’s ratio', () => {
    const res = benchTableSmoke('W3', 'backprop-f32,c');
    const pair = res.pairs?.find((p) => p.peers[0] === 'backprop-f32' && p.peers[1] === 'c');
    expect(pair?.status, pair?.error).toBe('ok');
    const ratio = (s: [number, number]) => s[0] / s[1];
    if (pair!.unpinned === undefined) {
      const cpus = pair!.cores!.map((c) => c.cpu);
      expect(cpus).toHaveLength(Math.min(availableParallelism(), 4));
      expect(new Set(cpus).size).toBe(cpus.length);
      for (const c of pair!.cores!)
        expect(c.timesMs.map((t) => t.length)).toEqual([res.options.runs, res.options.runs]);
      const best = Math.max(...pair!.cores!.map((c) => ratio(c.samplesPerSec)));
      expect(ratio(pair!.samplesPerSec!)).toBe(best);
    }
    const target = res.targets.find((t) => t.ours === 'backprop-f32' && t.peer === 'c');
    expect(target?.alternated).toBe('core');
    expect(target?.actual).toBe(ratio(pair!.samplesPerSec!));
  }, 250_000);
});
