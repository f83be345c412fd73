/**
 * When an answer counts as right: each entry within 0.5 % of the exact value, or within 0.0005 of
 * it — what rounding to three significant digits costs, including when rounded intermediate
 * results are carried into the next quantity (δ1 = ŷ − y loses digits when ŷ is near y).
 */
import type { Rows } from './problem.js';

export const TOLERANCE = { relative: 0.005, absolute: 0.0005 } as const;

/** True when `given` has `expected`'s shape and every entry is within {@link TOLERANCE}. */
export function close(given: Rows, expected: Rows): boolean {
  if (given.length !== expected.length) return false;
  return given.every(
    (row, i) =>
      row.length === expected[i].length &&
      row.every(
        (g, j) => Math.abs(g - expected[i][j]) <= TOLERANCE.relative * Math.abs(expected[i][j]) + TOLERANCE.absolute,
      ),
  );
}

/** The transpose of `m`. */
export function transpose(m: Rows): Rows {
  return m[0].map((_, j) => m.map((row) => row[j]));
}
