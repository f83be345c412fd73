/**
 * Standardisation: x ↦ (x − mean) / std per feature, with statistics taken from the training
 * split only, so that nothing of the validation or test rows leaks into training.
 */
import { type AnyMatrix, type Matrix, zeros } from '../core/matrix.js';

/** Per-feature mean and (population) standard deviation; x ↦ (x − mean) / std. */
export interface Standardization {
  mean: number[];
  std: number[];
}

/**
 * Column means and population standard deviations of `x`; a constant column gets std 1.
 * @param x the features, [rows, features]
 * @example
 * const stats = fitStandardization(xTrain); standardize(xTest, stats);
 */
export function fitStandardization(x: Matrix): Standardization {
  return fitStandardizationOfRows(x, undefined);
}

/**
 * {@link fitStandardization} of the rows `rows` of `x` (ascending, as a split gives them), the
 * same numbers as `fitStandardization(takeRows(x, rows))` without the copy.
 * @param x the features
 * @param rows the rows to use (ascending), or undefined for all
 * @example
 * fitStandardizationOfRows(x, trainRows); // as fitStandardization(takeRows(x, trainRows))
 */
export function fitStandardizationOfRows(x: AnyMatrix, rows: ArrayLike<number> | undefined): Standardization {
  const n = rows ? rows.length : x.rows;
  const row = rows ? (i: number) => rows[i] : (i: number) => i;
  const mean = new Array<number>(x.cols).fill(0);
  const std = new Array<number>(x.cols).fill(0);
  for (let j = 0; j < x.cols; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x.data[row(i) * x.cols + j];
    const m = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (x.data[row(i) * x.cols + j] - m) ** 2;
    const sd = Math.sqrt(ss / n);
    mean[j] = m;
    // A constant column carries no information; std 1 keeps it finite (it becomes all zeros).
    std[j] = sd > 0 ? sd : 1;
  }
  return { mean, std };
}

/**
 * (x − mean) / std, column by column, into `out` (a new matrix by default; `x` itself is fine).
 * The arithmetic is float64; a float32 `out` holds each result rounded once to float32.
 * @param x the features
 * @param stats the statistics
 * @param out where to write (may be x itself)
 * @example
 * standardize(x, stats, x); // in place
 */
export function standardize<M extends AnyMatrix = Matrix>(
  x: AnyMatrix,
  stats: Standardization,
  out: M = zeros(x.rows, x.cols) as M,
): M {
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < x.cols; j++) out.data[r * x.cols + j] = (x.data[r * x.cols + j] - stats.mean[j]) / stats.std[j];
  }
  return out;
}
