/** Seeded, stratified splits of a data set's rows, and the rows a split picks. */
import type { AnyMatrix, Matrix } from '../core/matrix.js';
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
export function takeRows<M extends AnyMatrix>(m: M, indices: ArrayLike<number>): M {
  const len = indices.length * m.cols;
  // The same element type: float32 data stays float32.
  const data = m.data instanceof Float32Array ? new Float32Array(len) : new Float64Array(len);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return { rows: indices.length, cols: m.cols, data } as M;
}

/**
 * Reorders the rows of `m` in place so that row i becomes the old row `order[i]` (`order` a
 * permutation of 0 … m.rows − 1): the rows {@link takeRows} would copy out, without the copy.
 * @param m the matrix, rewritten
 * @param order the old index of each new row
 * @example
 * permuteRowsInPlace(x, [2, 0, 1]); // x's rows are now its old rows 2, 0, 1
 */
export function permuteRowsInPlace(m: AnyMatrix, order: ArrayLike<number>): void {
  const { cols, data } = m;
  if (order.length !== m.rows) throw new Error(`permuteRowsInPlace: ${order.length} indices for ${m.rows} rows`);
  const placed = new Uint8Array(m.rows);
  const held = data.slice(0, cols);
  // Each cycle of the permutation once: hold its first row, pull every other row forward.
  for (let start = 0; start < m.rows; start++) {
    if (placed[start]) continue;
    held.set(data.subarray(start * cols, (start + 1) * cols));
    let to = start;
    for (let from = order[to]; from !== start; from = order[to]) {
      if (placed[from] || from >= m.rows) throw new Error('permuteRowsInPlace: the order is not a permutation');
      data.copyWithin(to * cols, from * cols, (from + 1) * cols);
      placed[to] = 1;
      to = from;
    }
    data.set(held, to * cols);
    placed[to] = 1;
  }
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
  const { kept, held } = stratifiedSplitIndices(Uint32Array.from(rows), classes, fraction, rng);
  return { kept: Array.from(kept), held: Array.from(held) };
}

/**
 * {@link stratifiedSplit} over typed arrays: the same rows, drawn with the same random numbers.
 * Nothing grows element by element: a million rows' splits as arrays of numbers left tens of MB
 * of garbage, which decided the peak memory of training on a large file.
 * @param rows the row indices to split
 * @param classes the class of every row, or undefined for regression
 * @param fraction the share to hold out
 * @param rng the seeded random numbers
 * @example
 * const { kept, held } = stratifiedSplitIndices(Uint32Array.of(0, 1, 2, 3), Int32Array.of(0, 0, 1, 1), 0.5, createRandom(0));
 */
export function stratifiedSplitIndices(
  rows: Uint32Array,
  classes: Int32Array | undefined,
  fraction: number,
  rng: Random,
): { kept: Uint32Array; held: Uint32Array } {
  const classOf = (r: number) => (classes ? classes[r] : 0);
  // Each class's rows, in the order given, one class after another in ascending class order.
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(classOf(r), (counts.get(classOf(r)) ?? 0) + 1);
  const ids = [...counts.keys()].sort((a, b) => a - b);
  const next = new Map<number, number>();
  let offset = 0;
  for (const c of ids) {
    next.set(c, offset);
    offset += counts.get(c)!;
  }
  const grouped = new Uint32Array(rows.length);
  for (const r of rows) {
    const at = next.get(classOf(r))!;
    grouped[at] = r;
    next.set(classOf(r), at + 1);
  }
  const parts: Uint32Array[] = [];
  offset = 0;
  for (const c of ids) {
    const g = grouped.subarray(offset, offset + counts.get(c)!);
    offset += g.length;
    rng.shuffle(g);
    parts.push(g.subarray(0, Math.round(fraction * g.length)));
  }
  const held = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  offset = 0;
  for (const p of parts) {
    held.set(p, offset);
    offset += p.length;
  }
  held.sort();
  let last = 0;
  for (const r of rows) last = Math.max(last, r);
  const isHeld = new Uint8Array(last + 1);
  for (const r of held) isHeld[r] = 1;
  const kept = new Uint32Array(rows.length - held.length);
  let k = 0;
  for (const r of rows) if (isHeld[r] === 0) kept[k++] = r;
  return { kept, held };
}
