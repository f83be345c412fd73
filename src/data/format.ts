/** Number and matrix formatting for explanations: short, aligned, and still honest about tiny values. */

/**
 * A number in about 5 significant digits; exponent form for very small or very large ones.
 * @param v the number
 * @example
 * formatNumber(0.123456); // '0.1235'
 */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return v.toFixed(Math.max(0, 4 - Math.floor(Math.log10(a)))).replace(/\.?0+$/, '') || '0';
  return v.toExponential(3);
}

/** A fixed-width number for matrix columns. */
function cell(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-4 && a < 1e4 ? v.toFixed(5) : v.toExponential(2);
}

/**
 * Rows of a matrix as aligned `[ a  b  c ]` lines, each prefixed by `indent`.
 * @param rows the matrix as rows
 * @param indent what each line starts with
 * @example
 * formatMatrix([[1, 0.5]], '  '); // ['  [ 1.00000  0.50000 ]']
 */
export function formatMatrix(rows: readonly (readonly number[])[], indent: string): string[] {
  const cells = rows.map((r) => r.map(cell));
  const width = Math.max(...cells.flat().map((c) => c.length));
  return cells.map((r) => `${indent}[ ${r.map((c) => c.padStart(width)).join('  ')} ]`);
}

/**
 * The shape of a matrix given as rows.
 * @param rows the matrix as rows
 * @example
 * shapeOf([[1, 2, 3]]); // '1×3'
 */
export function shapeOf(rows: readonly (readonly number[])[]): string {
  return `${rows.length}×${rows[0]?.length ?? 0}`;
}
