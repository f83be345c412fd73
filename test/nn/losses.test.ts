/**
 * Losses against their published definitions (Keras / TensorFlow.js semantics), and the
 * saturated cases the notes' simplified δ must survive.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, fromRows, ValueError, zeros } from '../../src/index.js';
import { ACTIVATIONS, getLoss, KERAS_EPSILON, sigmoid } from '../../src/kernels.js';

const sig = ACTIVATIONS.sigmoid;
const softmax = ACTIVATIONS.softmax;

/** Loss and ∂L/∂θ for a single sigmoid output with logit θ and label y. */
function bceAt(theta: number, y: number, epsilon = 0) {
  const loss = getLoss({ name: 'binary_crossentropy', epsilon });
  const z = fromRows([[theta]]);
  const a = fromRows([[sigmoid(theta)]]);
  const t = fromRows([[y]]);
  const d = zeros(1, 1);
  loss.outputDelta(sig, z, a, t, d);
  return { value: loss.value(sig, z, a, t), delta: d.data[0] };
}

describe('binary cross-entropy with a sigmoid output', () => {
  it('is CE(ŷ, y) = −[y log ŷ + (1 − y) log(1 − ŷ)] with δ = ŷ − y on ordinary values', () => {
    for (const [theta, y] of [
      [0.3, 1],
      [-1.2, 0],
      [2.5, 0],
      [-0.4, 1],
    ]) {
      const p = 1 / (1 + Math.exp(-theta));
      const { value, delta } = bceAt(theta, y);
      expect(value).toBeCloseTo(-(y * Math.log(p) + (1 - y) * Math.log(1 - p)), 13);
      expect(delta).toBeCloseTo(p - y, 15);
    }
  });

  it('stays finite and right when the output saturates', () => {
    // θ = 40, y = 1: L = log(1 + e^−40) ≈ e^−40; the true δ = −σ(−40) ≈ −4.2e−18 rounds to 0.
    const a = bceAt(40, 1);
    expect(a.value).toBeCloseTo(Math.exp(-40), 30);
    expect(a.value).toBeGreaterThan(0);
    expect(Math.abs(a.delta)).toBeLessThan(1e-17);
    // θ = −800, y = 1: ŷ underflows to 0, yet L = 800 exactly and δ = −1.
    const b = bceAt(-800, 1);
    expect(b.value).toBe(800);
    expect(b.delta).toBe(-1);
    // θ = 0: ŷ = ½, L = ln 2, δ = −½.
    const c = bceAt(0, 1);
    expect(c.value).toBeCloseTo(Math.LN2, 15);
    expect(c.delta).toBe(-0.5);
    // And the mirror cases for y = 0.
    expect(bceAt(800, 0).value).toBe(800);
    expect(bceAt(800, 0).delta).toBe(1);
  });

  it('with epsilon = 1e-7 clips ŷ to [ε, 1 − ε] as Keras does, and the clipped gradient is 0', () => {
    const eps = KERAS_EPSILON;
    const sat = bceAt(-800, 1, eps);
    expect(sat.value).toBeCloseTo(-Math.log(Math.fround(eps)), 12); // ≈ 16.118, ε as float32
    expect(sat.delta).toBe(0);
    const ok = bceAt(0.3, 1, eps);
    expect(ok.value).toBeCloseTo(bceAt(0.3, 1).value, 12);
    expect(ok.delta).toBeCloseTo(bceAt(0.3, 1).delta, 15);
  });

  it('averages over output units, then over the batch (Keras’s reduction)', () => {
    const loss = getLoss('binary_crossentropy');
    const z = fromRows([
      [0.5, -1],
      [2, 0.1],
    ]);
    const a = fromRows([
      [sigmoid(0.5), sigmoid(-1)],
      [sigmoid(2), sigmoid(0.1)],
    ]);
    const y = fromRows([
      [1, 0],
      [0, 1],
    ]);
    const each = [bceAt(0.5, 1), bceAt(-1, 0), bceAt(2, 0), bceAt(0.1, 1)];
    expect(loss.value(sig, z, a, y)).toBeCloseTo(each.reduce((s, e) => s + e.value, 0) / 4, 14);
    const d = zeros(2, 2);
    loss.outputDelta(sig, z, a, y, d);
    each.forEach((e, i) => expect(d.data[i]).toBeCloseTo(e.delta / 4, 15));
  });

  it('rejects labels outside {0, 1}, naming the row and value', () => {
    expect(() => getLoss('bce').checkTargets(fromRows([[0], [1], [0.5]]))).toThrow(ValueError);
    expect(() => getLoss('bce').checkTargets(fromRows([[0], [2]]))).toThrow(/\{0, 1\}.*row 1.*2/);
    // Values whose y(y − 1) is tiny or not a number are caught too.
    for (const bad of [1e-200, 1 + 2 ** -52, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => getLoss('bce').checkTargets(fromRows([[1], [0], [bad]]))).toThrow(/row 2/);
    }
    expect(() => getLoss('bce').checkTargets(fromRows([[1], [0], [0]]))).not.toThrow();
  });

  it('refuses outputs that are not probabilities', () => {
    expect(() => getLoss('bce').checkActivation(ACTIVATIONS.relu)).toThrow(ConfigError);
  });
});

describe('categorical cross-entropy with softmax', () => {
  it('is −Σ y log softmax(z) with δ = ŷ − y, finite for large logits', () => {
    const loss = getLoss('categorical_crossentropy');
    const zRows = [
      [1000, 0, -1000],
      [0.2, 0.1, -0.3],
    ];
    const z = fromRows(zRows);
    const a = zeros(2, 3);
    // softmax by its definition, with the max shift done here independently
    zRows.forEach((row, r) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((p, q) => p + q, 0);
      e.forEach((v, j) => {
        a.data[r * 3 + j] = v / s;
      });
    });
    const y = fromRows([
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const l = loss.value(softmax, z, a, y);
    const lse = 0.2 + Math.log(1 + Math.exp(-0.1) + Math.exp(-0.5));
    expect(l).toBeCloseTo((1000 + (lse + 0.3)) / 2, 9);
    const d = zeros(2, 3);
    loss.outputDelta(softmax, z, a, y, d);
    for (let i = 0; i < 6; i++) expect(d.data[i]).toBeCloseTo((a.data[i] - y.data[i]) / 2, 15);
  });

  it('rejects targets that are not one-hot rows', () => {
    expect(() => getLoss('cce').checkTargets(fromRows([[0.5, 0.4, 0]]))).toThrow(/sums to 0.9/);
  });
});

describe('mean squared error', () => {
  it('is the mean over units and batch of (ŷ − y)², gradient 2(ŷ − y)/N', () => {
    const loss = getLoss('mse');
    const z = fromRows([
      [1, 2],
      [3, 4],
    ]);
    const y = fromRows([
      [0, 2],
      [5, 1],
    ]);
    expect(loss.value(ACTIVATIONS.linear, z, z, y)).toBe((1 + 0 + 4 + 9) / 4);
    const d = zeros(2, 2);
    loss.outputDelta(ACTIVATIONS.linear, z, z, y, d);
    expect(Array.from(d.data)).toEqual([0.5, 0, -1, 1.5]);
  });
});
