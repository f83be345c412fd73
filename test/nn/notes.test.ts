/**
 * The notes' 3→4→1 network with fixed weights and one example. The expected values come from
 * a scalar, index-by-index evaluation of the notes' formulas written in this file, and the
 * gradients are also held against central finite differences.
 */
import { describe, expect, it } from 'vitest';
import {
  computeGradients,
  fromRows,
  gradientCheck,
  NOTES_NETWORK,
  networkFromWeights,
  notesQuantities,
} from '../../src/index.js';

// The notes' W (α×β = 4×3), b1, U (1×4), b2; kernels are their transposes.
const W = [
  [0.2, -0.4, 0.7],
  [-0.3, 0.5, 0.1],
  [0.6, 0.2, -0.5],
  [-0.1, -0.6, 0.3],
];
const b1 = [0.1, -0.2, 0.05, 0];
const U = [0.8, -0.5, 0.3, -0.9];
const b2 = 0.15;
const x = [1.5, -0.7, 0.4];
const y = 1;

const transpose = (m: number[][]) => m[0].map((_, j) => m.map((row) => row[j]));
const net = networkFromWeights(NOTES_NETWORK, [
  { kernel: transpose(W), bias: b1 },
  { kernel: U.map((u) => [u]), bias: [b2] },
]);

/** The notes' formulas, one scalar at a time. */
function byHand() {
  const s = (t: number) => 1 / (1 + Math.exp(-t));
  const z: number[] = [];
  for (let i = 0; i < 4; i++) {
    let zi = b1[i];
    for (let j = 0; j < 3; j++) zi += W[i][j] * x[j];
    z.push(zi);
  }
  const h = z.map(s);
  let theta = b2;
  for (let i = 0; i < 4; i++) theta += U[i] * h[i];
  const yhat = s(theta);
  const loss = -(y * Math.log(yhat) + (1 - y) * Math.log(1 - yhat));
  const delta1 = yhat - y; // eq. 3
  const sp = h.map((hi) => hi * (1 - hi)); // σ'(z) = σ(z)(1 − σ(z))
  const delta2 = U.map((u, i) => delta1 * u * sp[i]); // eq. 5
  const dW = W.map((row, i) => row.map((_, j) => delta1 * U[i] * sp[i] * x[j])); // eq. 6, entry (i, j)
  const dU = h.map((hi) => delta1 * hi); // eq. 7
  return { z, h, theta, yhat, loss, delta1, delta2, dW, dU, db1: delta2, db2: delta1 };
}

describe("the notes' network, one example", () => {
  const q = notesQuantities(net, x, y);
  const e = byHand();

  it('gives the forward quantities z, h, θ, ŷ, L in the notes’ shapes', () => {
    expect(q.W).toEqual(W);
    expect(q.U).toEqual([U]);
    expect(q.b1).toEqual(b1.map((v) => [v]));
    expect(q.z).toHaveLength(4);
    q.z.forEach((row, i) => expect(row[0]).toBeCloseTo(e.z[i], 14));
    q.h.forEach((row, i) => expect(row[0]).toBeCloseTo(e.h[i], 14));
    expect(q.theta).toBeCloseTo(e.theta, 14);
    expect(q.yhat).toBeCloseTo(e.yhat, 14);
    expect(q.loss).toBeCloseTo(e.loss, 14);
  });

  it('gives δ1 (scalar), δ2 (1×4) and the four gradients in their parameters’ shapes', () => {
    expect(q.delta1).toBeCloseTo(e.delta1, 14);
    expect(q.delta2).toHaveLength(1);
    expect(q.delta2[0]).toHaveLength(4);
    q.delta2[0].forEach((v, i) => expect(v).toBeCloseTo(e.delta2[i], 14));
    expect(q.dW).toHaveLength(4);
    q.dW.forEach((row, i) => {
      expect(row).toHaveLength(3);
      row.forEach((v, j) => expect(v).toBeCloseTo(e.dW[i][j], 14));
    });
    expect(q.dU).toHaveLength(1);
    q.dU[0].forEach((v, i) => expect(v).toBeCloseTo(e.dU[i], 14));
    expect(q.db1).toHaveLength(4);
    q.db1.forEach((row, i) => expect(row[0]).toBeCloseTo(e.db1[i], 14));
    expect(q.db2).toBeCloseTo(e.db2, 14);
  });

  it('agrees with the batched backprop (the kernel gradients are the notes’ transposed)', () => {
    const { loss, gradients } = computeGradients(net, fromRows([x]), fromRows([[y]]));
    expect(loss).toBeCloseTo(q.loss, 14);
    const [g1, g2] = gradients;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) expect(g1.kernel.data[j * 4 + i]).toBeCloseTo(q.dW[i][j], 15);
      expect(g1.bias[i]).toBeCloseTo(q.db1[i][0], 15);
      expect(g2.kernel.data[i]).toBeCloseTo(q.dU[0][i], 15);
    }
    expect(g2.bias[0]).toBeCloseTo(q.db2, 15);
  });

  it('agrees with central finite differences to 1e-7 relative or better', () => {
    const check = gradientCheck(net, fromRows([x]), fromRows([[y]]));
    expect(check.layers).toHaveLength(2);
    for (const layer of check.layers) {
      expect(layer.kernel.maxRelError).toBeLessThan(1e-7);
      expect(layer.bias.maxRelError).toBeLessThan(1e-7);
    }
  });

  it('matches the hand-derived values at all-zero weights: ŷ = ½, L = ln 2, δ1 = −½, ∂L/∂U = −¼', () => {
    const zero = networkFromWeights(NOTES_NETWORK, [
      {
        kernel: [
          [0, 0, 0, 0],
          [0, 0, 0, 0],
          [0, 0, 0, 0],
        ],
        bias: [0, 0, 0, 0],
      },
      { kernel: [[0], [0], [0], [0]], bias: [0] },
    ]);
    const z = notesQuantities(zero, [1, 2, 3], 1);
    expect(z.yhat).toBe(0.5);
    expect(z.loss).toBeCloseTo(Math.LN2, 15);
    expect(z.delta1).toBe(-0.5);
    expect(z.dU).toEqual([[-0.25, -0.25, -0.25, -0.25]]);
    expect(z.delta2).toEqual([[-0, -0, -0, -0]]); // U = 0: nothing flows back
    expect(z.db2).toBe(-0.5);
  });
});
