/** The matrix kernels against the textbook definitions, entry by entry. */
import { describe, expect, it } from 'vitest';
import { createRandom, fromRows, type Matrix, toRows, zeros } from '../../src/index.js';
import {
  addOuter,
  addRowVector,
  allFinite,
  matmul,
  matmulTransA,
  matmulTransB,
  sumRows,
  transpose,
} from '../../src/kernels.js';

const rng = createRandom(11);
const random = (r: number, c: number): Matrix => {
  const m = zeros(r, c);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
  return m;
};
const at = (m: Matrix, i: number, j: number) => m.data[i * m.cols + j];

/** (A·B)[i][j] = Σ_p A[i][p]·B[p][j], written out. */
function product(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, p) => s + v * b[p][j], 0)));
}

describe('matrix kernels', () => {
  it('matmul, matmulTransA and matmulTransB equal the definitions', () => {
    for (const [n, k, m] of [
      [1, 1, 1],
      [3, 4, 2],
      [7, 5, 6],
    ]) {
      const a = random(n, k);
      const b = random(k, m);
      const out = zeros(n, m);
      matmul(a, b, out);
      const want = product(toRows(a), toRows(b));
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) expect(at(out, i, j)).toBeCloseTo(want[i][j], 13);

      const c = random(n, m); // Aᵀ·C with A [n, k]: [k, m]
      const outA = zeros(k, m);
      matmulTransA(a, c, outA);
      const wantA = product(toRows(transpose(a)), toRows(c));
      for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) expect(at(outA, i, j)).toBeCloseTo(wantA[i][j], 13);

      const d = random(m, k); // A·Dᵀ with D [m, k]: [n, m]
      const outB = zeros(n, m);
      matmulTransB(a, d, outB);
      const wantB = product(toRows(a), toRows(transpose(d)));
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) expect(at(outB, i, j)).toBeCloseTo(wantB[i][j], 13);
    }
  });

  it('bias add, row sums and the outer product', () => {
    const z = fromRows([
      [1, 2],
      [3, 4],
    ]);
    addRowVector(z, Float64Array.from([10, 20]));
    expect(toRows(z)).toEqual([
      [11, 22],
      [13, 24],
    ]);
    const s = new Float64Array(2);
    sumRows(z, s);
    expect(Array.from(s)).toEqual([24, 46]);
    const o = zeros(2, 3);
    addOuter([1, 2], [3, 4, 5], o, 0.5);
    expect(toRows(o)).toEqual([
      [1.5, 2, 2.5],
      [3, 4, 5],
    ]);
  });

  it('allFinite finds a NaN or an infinity at any position, including the unrolled tail and the blocks’ edges', () => {
    for (const n of [1, 2, 3, 4, 5, 8, 9, 1001, 4095, 4096, 4097, 8193]) {
      const x = new Float64Array(n).map((_, i) => i - 3.5);
      expect(allFinite(x)).toBe(true);
      expect(allFinite(Float32Array.from(x))).toBe(true);
      for (const pos of [4095, 4096, 8192].filter((p) => p < n)) {
        const y = Float32Array.from(x);
        y[pos] = Number.NaN;
        expect(allFinite(y)).toBe(false);
      }
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        for (const pos of [0, n - 1, Math.floor(n / 2)]) {
          const y = x.slice();
          y[pos] = bad;
          expect(allFinite(y)).toBe(false);
        }
      }
    }
    expect(allFinite([-0, 0, Number.MAX_VALUE, -Number.MIN_VALUE])).toBe(true);
    expect(allFinite([])).toBe(true);
  });
});
