/**
 * Optimiser steps against Keras's published update rules, computed here by hand for a
 * two-element parameter over three steps with changing gradients.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, createOptimizer } from '../../src/index.js';

const w0 = [0.5, -0.3];
const gradients = [
  [0.2, -0.1],
  [-0.05, 0.3],
  [0.1, 0.1],
];

function run(config: Parameters<typeof createOptimizer>[0]): number[][] {
  const opt = createOptimizer(config);
  const w = Float64Array.from(w0);
  return gradients.map((g) => {
    opt.step([w], [Float64Array.from(g)]);
    return Array.from(w);
  });
}

function expectClose(actual: number[][], expected: number[][]) {
  expect(actual.length).toBe(expected.length);
  for (let t = 0; t < actual.length; t++) {
    for (let i = 0; i < actual[t].length; i++) expect(actual[t][i]).toBeCloseTo(expected[t][i], 15);
  }
}

describe('optimisers follow Keras’s update rules', () => {
  it('sgd: w ← w − η·g', () => {
    const lr = 0.1;
    const w = [...w0];
    const expected = gradients.map((g) => {
      for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
      return [...w];
    });
    expectClose(run({ name: 'sgd', learningRate: lr }), expected);
  });

  it('momentum: v ← m·v − η·g; w ← w + v', () => {
    const [lr, m] = [0.1, 0.9];
    const w = [...w0];
    const v = [0, 0];
    const expected = gradients.map((g) =>
      w.map((_, i) => {
        v[i] = m * v[i] - lr * g[i];
        w[i] = w[i] + v[i];
        return w[i];
      }),
    );
    expectClose(run({ name: 'momentum', learningRate: lr, momentum: m }), expected);
    // Step 2 by hand: v1 = −0.02, v2 = 0.9·(−0.02) + 0.005 = −0.013; w = 0.5 − 0.02 − 0.013.
    expect(run({ name: 'momentum', learningRate: lr, momentum: m })[1][0]).toBeCloseTo(0.467, 15);
  });

  it('nesterov: v ← m·v − η·g; w ← w + m·v − η·g', () => {
    const [lr, m] = [0.1, 0.9];
    const w = [...w0];
    const v = [0, 0];
    const expected = gradients.map((g) =>
      w.map((_, i) => {
        v[i] = m * v[i] - lr * g[i];
        w[i] = w[i] + m * v[i] - lr * g[i];
        return w[i];
      }),
    );
    expectClose(run({ name: 'nesterov', learningRate: lr, momentum: m }), expected);
    // Step 1 by hand: v = −0.02, w = 0.5 + 0.9·(−0.02) − 0.02 = 0.462.
    expect(run({ name: 'nesterov', learningRate: lr, momentum: m })[0][0]).toBeCloseTo(0.462, 15);
  });

  it('adam: bias-corrected moments with Keras defaults β1 = 0.9, β2 = 0.999, ε = 1e-7', () => {
    const lr = 0.01;
    const [b1, b2, eps] = [0.9, 0.999, 1e-7];
    const w = [...w0];
    const m = [0, 0];
    const v = [0, 0];
    // The textbook form (Kingma & Ba) with ε̂ = ε·√(1 − β2ᵗ) is Keras's form exactly.
    const expected = gradients.map((g, step) => {
      const t = step + 1;
      return w.map((_, i) => {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        const mHat = m[i] / (1 - b1 ** t);
        const vHat = v[i] / (1 - b2 ** t);
        w[i] = w[i] - (lr * mHat) / (Math.sqrt(vHat) + eps / Math.sqrt(1 - b2 ** t));
        return w[i];
      });
    });
    expectClose(run({ name: 'adam', learningRate: lr }), expected);
    // First step of Adam moves each weight by almost exactly η against the gradient's sign.
    const first = run({ name: 'adam', learningRate: lr })[0];
    expect(first[0]).toBeCloseTo(0.5 - 0.01, 6);
    expect(first[1]).toBeCloseTo(-0.3 + 0.01, 6);
  });

  it('fills in Keras’s defaults', () => {
    expect(createOptimizer({ name: 'sgd' }).config.learningRate).toBe(0.01);
    expect(createOptimizer({ name: 'adam' }).config).toMatchObject({
      learningRate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
  });

  it('rejects a learning rate ≤ 0 or NaN, saying what it got', () => {
    expect(() => createOptimizer({ name: 'sgd', learningRate: 0 })).toThrow(ConfigError);
    expect(() => createOptimizer({ name: 'sgd', learningRate: -1 })).toThrow(/> 0, got -1/);
    expect(() => createOptimizer({ name: 'sgd', learningRate: Number.NaN })).toThrow(/got NaN/);
    expect(() => createOptimizer({ name: 'momentum', momentum: 1 })).toThrow(/momentum must be in \[0, 1\)/);
    // @ts-expect-error: an unknown name, as a JavaScript caller could pass
    expect(() => createOptimizer({ name: 'rmsprop' })).toThrow(/unknown optimizer 'rmsprop'/);
  });
});
