import { describe, expect, it } from 'vitest';
import {
  accuracy,
  classScores,
  confusionMatrix,
  createRandom,
  fromRows,
  predictedClasses,
  regressionMetrics,
  rocAuc,
  targetClasses,
} from '../../src/index.js';

describe('metrics', () => {
  it('ROC AUC equals the probability that a positive outranks a negative (ties ½), by brute force', () => {
    const rng = createRandom(3);
    const scores = Array.from({ length: 60 }, () => Math.round(rng.next() * 20) / 20); // with ties
    const labels = scores.map((s) => (rng.next() < s ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    scores.forEach((sp, i) => {
      if (labels[i] !== 1) return;
      scores.forEach((sn, j) => {
        if (labels[j] !== 0) return;
        pairs++;
        wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
      });
    });
    expect(rocAuc(scores, labels)).toBeCloseTo(wins / pairs, 12);
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN(); // one class only
  });

  it('accuracy, confusion matrix, precision, recall and F1 by hand', () => {
    const yhat = fromRows([[0.9], [0.2], [0.6], [0.4], [0.7]]);
    const y = fromRows([[1], [0], [0], [1], [1]]);
    expect(accuracy(yhat, y)).toBe(3 / 5);
    const confusion = confusionMatrix(predictedClasses(yhat), targetClasses(y), 2);
    expect(confusion).toEqual([
      [1, 1],
      [1, 2],
    ]);
    const s = classScores(confusion, 1);
    expect(s.precision).toBeCloseTo(2 / 3, 15);
    expect(s.recall).toBeCloseTo(2 / 3, 15);
    expect(s.f1).toBeCloseTo(2 / 3, 15);
    expect(s.support).toBe(3);
  });

  it('regression metrics by hand', () => {
    const m = regressionMetrics(fromRows([[1], [2], [4]]), fromRows([[1], [3], [5]]));
    expect(m.mse).toBeCloseTo(2 / 3, 15);
    expect(m.mae).toBeCloseTo(2 / 3, 15);
    expect(m.rmse).toBeCloseTo(Math.sqrt(2 / 3), 15);
    // mean 3, total sum of squares 4 + 0 + 4 = 8
    expect(m.r2).toBeCloseTo(1 - 2 / 8, 15);
  });
});
