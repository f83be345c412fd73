/**
 * Cross-entropy where tfjs clips: confidently wrong predictions, ŷ beyond [ε, 1 − ε].
 *
 * tfjs-layers (like Keras given probabilities) clips ŷ to [ε, 1 − ε] with ε = 1e-7 before the
 * logarithm, so the loss of a confidently wrong example saturates and its gradient is zero.
 * backprop's default (epsilon 0) computes the cross-entropy from the logits instead — exact, never
 * saturating — and offers `epsilon: 1e-7` to clip as tfjs does. These tests train one step on
 * examples that are all saturated (a single sigmoid or softmax layer with logits of ±25…±50).
 *
 * Found here (see docs/keras-parity.md): tfjs computes the upper bound 1 − ε in float32, where it
 * is 1 − 2⁻²³ = 1 − 1.19e-7, so a confidently wrong negative costs −log(2⁻²³) = 15.942 in tfjs
 * and would be −log(1e-7) = 16.118 with a float64 bound; backprop rounds both bounds to float32.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type LossConfig, type Matrix, zeros } from '../../src/index.js';
import { type Head, initTf, type Prepared, type Run, runOurs, runTfjs } from './harness.js';

const N = 6;
const SGD = { name: 'sgd', learningRate: 0.1 } as const;

/**
 * N examples whose first feature is in [1, 2) (the others small), and one output layer whose
 * logits are `sign`·25·x₀ (+ 0 for the other classes): every prediction saturated.
 */
function saturated(head: Head, label: 0 | 1, sign: 1 | -1, loss: LossConfig): Prepared {
  const outs = head === 'softmax/cce' ? 3 : 1;
  const x = zeros(N, 4);
  const y: Matrix = zeros(N, outs);
  for (let r = 0; r < N; r++) {
    x.data[r * 4] = Math.fround(1 + r / N);
    for (let j = 1; j < 4; j++) x.data[r * 4 + j] = Math.fround(0.01 * (r - j));
    if (outs === 1) y.data[r] = label;
    else y.data[r * 3] = 1; // class 0 is the true class
  }
  const kernel = new Float64Array(4 * outs);
  kernel[0] = sign * 25; // row 0 (x₀) → output 0; for softmax the true class's logit is ±25·x₀
  if (outs === 3) kernel[1] = -sign * 25; // …and class 1's the opposite
  return {
    config: { optimizer: SGD, batchSize: N, head, hidden: [], loss, epochs: 1, seed: 0 },
    x,
    y,
    initial: [kernel, new Float64Array(outs)],
    shapes: [[4, outs], [outs]],
  };
}

async function both(p: Prepared): Promise<{ ours: Run; theirs: Run }> {
  return { ours: runOurs(p), theirs: await runTfjs(p) };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
const moved = (run: Run, p: Prepared) => run.weights[0].some((a, i) => a.some((v, j) => v !== p.initial[i][j]));

beforeAll(() => initTf());

describe('binary cross-entropy, sigmoid output', () => {
  const bce = (epsilon?: number): LossConfig => ({ name: 'binary_crossentropy', ...(epsilon ? { epsilon } : {}) });

  it('a confidently wrong positive (ŷ < ε): with epsilon 1e-7, the loss −log ε and no step, as tfjs', async () => {
    const p = saturated('sigmoid/bce', 1, -1, bce(1e-7));
    const { ours, theirs } = await both(p);
    expect(rel(theirs.epochLoss[0], -Math.log(1e-7))).toBeLessThan(1e-6);
    expect(rel(ours.epochLoss[0], theirs.epochLoss[0])).toBeLessThan(1e-6);
    expect(moved(theirs, p)).toBe(false);
    expect(moved(ours, p)).toBe(false);
  });

  it('without epsilon backprop keeps the exact loss (= the logit, 25…50) and its gradient ŷ − y', async () => {
    const p = saturated('sigmoid/bce', 1, -1, bce());
    const { ours, theirs } = await both(p);
    const meanLogit = (25 * Array.from({ length: N }, (_, r) => Math.fround(1 + r / N)).reduce((s, v) => s + v)) / N;
    expect(rel(ours.epochLoss[0], meanLogit)).toBeLessThan(1e-9);
    expect(ours.epochLoss[0]).toBeGreaterThan(2 * theirs.epochLoss[0]);
    expect(moved(ours, p)).toBe(true);
  });

  it('a confidently wrong negative (ŷ > 1 − ε): with epsilon 1e-7, no step, as tfjs', async () => {
    const p = saturated('sigmoid/bce', 0, 1, bce(1e-7));
    const { ours, theirs } = await both(p);
    expect(moved(theirs, p)).toBe(false);
    expect(moved(ours, p)).toBe(false);
    // tfjs's upper bound is 1 − ε rounded to float32, 1 − 2⁻²³: the loss is −log(2⁻²³) = 23·ln 2.
    expect(rel(theirs.epochLoss[0], 23 * Math.LN2)).toBeLessThan(1e-6);
  });

  // With the upper bound at 1 − ε in float64 this would be −log(1e-7) = 16.118, not tfjs's 15.942.
  it('…and the same loss as tfjs there (the bounds are rounded to float32 as tfjs rounds them)', async () => {
    const { ours, theirs } = await both(saturated('sigmoid/bce', 0, 1, bce(1e-7)));
    expect(rel(ours.epochLoss[0], theirs.epochLoss[0])).toBeLessThan(1e-6);
  });
});

describe('categorical cross-entropy, softmax output', () => {
  it('a confidently wrong example (ŷ_true < ε): with epsilon 1e-7, the loss −log ε and no step, as tfjs', async () => {
    const p = saturated('softmax/cce', 1, -1, { name: 'categorical_crossentropy', epsilon: 1e-7 });
    const { ours, theirs } = await both(p);
    expect(rel(theirs.epochLoss[0], -Math.log(1e-7))).toBeLessThan(1e-6);
    expect(rel(ours.epochLoss[0], theirs.epochLoss[0])).toBeLessThan(1e-6);
    expect(moved(theirs, p)).toBe(false);
    expect(moved(ours, p)).toBe(false);
  });
});
