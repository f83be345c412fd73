/** Seeded, stratified splits of a data set's rows, and the rows a split picks. */
import { type Matrix, zeros } from '../core/matrix.js';
import type { Random } from '../core/random.js';
import type { LabelMapping } from './labels.js';

/**
 * The class index of every row of a target matrix, or undefined for regression.
 * @param y the target matrix (0/1 column or one-hot rows)
 * @param labels the mapping
 * @example
 * classIndices(y, { kind: 'binary', classes: ['0', '1'] }); // Int32Array of 0s and 1s
 */
export function classIndices(y: Matrix, labels: LabelMapping): Int32Array | undefined {
  if (labels.kind === 'regression') return undefined;
  const out = new Int32Array(y.rows);
  for (let r = 0; r < y.rows; r++) {
    if (y.cols === 1) out[r] = y.data[r];
    else for (let j = 0; j < y.cols; j++) if (y.data[r * y.cols + j] === 1) out[r] = j;
  }
  return out;
}

/**
 * The rows `indices` of `m`, in that order, as a new matrix.
 * @param m the matrix
 * @param indices the rows to take, in order
 * @example
 * takeRows(x, [0, 2]); // rows 0 and 2 of x
 */
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
 * @param rows the row indices to split
 * @param classes the class of every row, or undefined for regression
 * @param fraction the share to hold out
 * @param rng the seeded random numbers
 * @example
 * const { kept, held } = stratifiedSplit([0, 1, 2, 3], Int32Array.of(0, 0, 1, 1), 0.5, createRandom(0));
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
