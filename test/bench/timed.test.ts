/**
 * The bench's timing of an alternated pair (bench/timed.ts `timeAlternated`): both sessions warm
 * up first, then their timed runs alternate a, b, a, b, each from the initial weights (a reset
 * before it), and each run's time is its own train call's. Fake sessions record what was called.
 */
import { describe, expect, it } from 'vitest';
import type { Session } from '../../bench/peers/types.js';
import { timeAlternated } from '../../bench/timed.js';

function fake(name: string, log: string[], trainMs: number): Session {
  return {
    reset: () => void log.push(`${name} reset`),
    train(samples) {
      log.push(`${name} train ${samples}`);
      const until = performance.now() + trainMs;
      while (performance.now() < until) {}
    },
    predictEval: () => [],
  };
}

describe('timeAlternated', () => {
  it('warms both up, then alternates their timed runs, each after a reset, timing only train', async () => {
    const log: string[] = [];
    const plan = { samples: 100, runs: 3, warmupSamples: 50 };
    const times = await timeAlternated([fake('a', log, 4), fake('b', log, 12)], plan);
    const timed = log.filter((l) => l.endsWith('train 100'));
    expect(timed).toEqual(['a train 100', 'b train 100', 'a train 100', 'b train 100', 'a train 100', 'b train 100']);
    // Every warm-up epoch comes before the first timed one, a's before b's.
    const firstTimed = log.indexOf('a train 100');
    const warm = log.slice(0, firstTimed).filter((l) => l.endsWith('train 50'));
    expect(warm.length).toBeGreaterThanOrEqual(2);
    expect(warm.indexOf('b train 50')).toBeGreaterThan(warm.lastIndexOf('a train 50'));
    // A reset just before each timed run.
    log.forEach((l, i) => {
      if (l.endsWith('train 100')) expect(log[i - 1]).toBe(`${l[0]} reset`);
    });
    expect(times[0]).toHaveLength(3);
    expect(times[1]).toHaveLength(3);
    for (const t of times[0]) expect(t).toBeGreaterThanOrEqual(4);
    for (const t of times[1]) expect(t).toBeGreaterThanOrEqual(12);
  });
});
