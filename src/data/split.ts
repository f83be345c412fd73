/** Seeded, stratified splits of a data set's rows, and the rows a split picks. */
import { type Matrix, zeros } from '../core/matrix.js';
import type { Random } from '../core/random.js';
import type { LabelMapping } from './labels.js';

/** The class index of every row of a target matrix, or undefined for regression. */
export function classIndices(y: Matrix, labels: LabelMapping): Int32Array | undefined {
  if (labels.kind === 'regression') return undefined;
  const out = new Int32Array(y.rows);
  for (let r = 0; r < y.rows; r++) {
    if (y.cols === 1) out[r] = y.data[r];
    else for (let j = 0; j < y.cols; j++) if (y.data[r * y.cols + j] === 1) out[r] = j;
  }
  return out;
}

/** The rows `indices` of `m`, in that order, as a new matrix. */
export function takeRows(m: Matrix, indices: readonly number[]): Matrix {
  const out = zeros(indices.length, m.cols);
  indices.forEach((r, i) => out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return out;
}

/**
 * Splits `rows` (indices) into a kept part and a held-out part of about `fraction` of them,
 * stratified by class when `classes` is given: each class gives round(fraction · its count) rows,
 * chosen by `rng`. Both parts are returned in ascending row order, so that training without
 * shuffling sees the rows in file order.
 */
export function stratifiedSplit(
  rows: readonly number[],
  classes: Int32Array | undefined,
  fraction: number,
  rng: Random,
): { kept: number[]; held: number[] } {
  const groups = new Map<number, number[]>();
  for (const r of rows) {
    const c = classes ? classes[r] : 0;
    const g = groups.get(c);
    if (g) g.push(r);
    else groups.set(c, [r]);
  }
  const held: number[] = [];
  for (const c of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(c)!;
    rng.shuffle(g);
    held.push(...g.slice(0, Math.round(fraction * g.length)));
  }
  const heldSet = new Set(held);
  return { kept: rows.filter((r) => !heldSet.has(r)), held: held.sort((a, b) => a - b) };
}
