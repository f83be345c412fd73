/**
 * `rocAuc` sums its trapezoids as it walks the sorted scores instead of building the curve: the
 * same bits as the trapezoids over `rocCurve`'s points, with ties, one class absent and no rows.
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/index.js';
import { rocAuc, rocCurve } from '../../src/train/metrics.js';

/** The area under rocCurve's points, as written before: the independent route. */
function curveArea(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { fpr, tpr } = rocCurve(scores, labels);
  if (fpr[fpr.length - 1] === 0 || tpr[tpr.length - 1] === 0) return Number.NaN;
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  return area;
}

describe('rocAuc', () => {
  it('the bits of the trapezoids over rocCurve, with and without ties', () => {
    const rng = createRandom(9);
    for (const [n, levels] of [
      [1, 0],
      [7, 3],
      [1000, 0],
      [1000, 10],
      [20_000, 50],
    ]) {
      const scores = Float64Array.from({ length: n }, () =>
        levels ? Math.floor(rng.uniform(0, levels)) / levels : rng.uniform(0, 1),
      );
      const labels = Int32Array.from(scores, (s) => (rng.uniform(0, 1) < s ? 1 : 0));
      expect(Object.is(rocAuc(scores, labels), curveArea(scores, labels))).toBe(true);
    }
  });

  it('NaN with one class absent or no rows; 1 and 0 for perfect and reversed scores', () => {
    expect(rocAuc([0.2, 0.7], [1, 1])).toBeNaN();
    expect(rocAuc([0.2, 0.7], [0, 0])).toBeNaN();
    expect(rocAuc([], [])).toBeNaN();
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])).toBe(0);
  });
});
