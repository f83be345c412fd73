/**
 * The playground's run (web/src/trainer.ts, what the worker executes) in Node: training in slices
 * of any size gives the same weights bit for bit, so Step, Pause and the worker's time slices
 * never change a run; and the same settings give the same weights.
 */
import { describe, expect, it } from 'vitest';
import { evaluateNetwork } from '../../src/index.js';
import { prepareToy } from '../../web/src/prepare.js';
import { networkConfig, runSpec } from '../../web/src/run-spec.js';
import { DEFAULTS, type Settings } from '../../web/src/settings.js';
import { measure, type Run, startRun, trainSteps } from '../../web/src/trainer.js';

function newRun(over: Partial<Settings>): Run {
  const s: Settings = { ...DEFAULTS, ...over };
  const p = prepareToy(s);
  return startRun(runSpec(s, p, networkConfig(s, p)));
}

const weights = (r: Run) => r.net.layers.flatMap((l) => [Array.from(l.kernel.data), Array.from(l.bias)]);

describe("the playground's run", () => {
  for (const opt of ['sgd', 'adam'] as const) {
    it(`gives the same weights one step at a time as in one slice (${opt})`, () => {
      const settings: Partial<Settings> = { data: 'xor', features: ['x1', 'x2', 'x1x2'], opt, batch: 7 };
      const a = newRun(settings);
      const b = newRun(settings);
      for (let i = 0; i < 75; i++) trainSteps(a, 1, Number.POSITIVE_INFINITY);
      trainSteps(b, 75, Number.POSITIVE_INFINITY);
      expect(a.steps).toBe(75);
      expect(b.epoch).toBe(2); // 200 examples in batches of 7: 29 steps an epoch
      expect(weights(a)).toEqual(weights(b));
      expect(weights(a)).not.toEqual(weights(newRun(settings)));
    });
  }

  it("measures with a model file's decision threshold as the library's evaluation does", () => {
    const r = newRun({ data: 'xor', seed: 2 });
    trainSteps(r, 30, Number.POSITIVE_INFINITY);
    const { x, y } = r.spec.test;
    const truth = Array.from(y.data, (v) => (v >= 0.5 ? 1 : 0));
    for (const threshold of [0.2, 0.5, 0.8]) {
      const m = measure(r.net, r.spec.test, threshold);
      const lib = evaluateNetwork(r.net, x, y, { kind: 'binary', classes: ['0', '1'] }, { threshold });
      if (lib.kind !== 'classification') throw new Error('expected a classification');
      expect(m.accuracy).toBe(lib.accuracy);
      const count = (t: number, p: number) => truth.filter((c, i) => c === t && m.predicted[i] === p).length;
      expect([0, 1].map((t) => [0, 1].map((p) => count(t, p)))).toEqual(lib.confusion);
    }
    expect(measure(r.net, r.spec.test, 0.2).predicted).not.toEqual(measure(r.net, r.spec.test).predicted);
  });

  it('gives the same initial weights for the same seed and others for another', () => {
    expect(weights(newRun({ seed: 3 }))).toEqual(weights(newRun({ seed: 3 })));
    expect(weights(newRun({ seed: 3 }))).not.toEqual(weights(newRun({ seed: 4 })));
  });
});
