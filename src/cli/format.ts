/** Number and matrix formatting for the terminal: short, aligned, and still honest about tiny values. */

/** A number in about 5 significant digits; exponent form for very small or very large ones. */
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

/** Rows of a matrix as aligned `[ a  b  c ]` lines, each prefixed by `indent`. */
export function formatMatrix(rows: readonly (readonly number[])[], indent: string): string[] {
  const cells = rows.map((r) => r.map(cell));
  const width = Math.max(...cells.flat().map((c) => c.length));
  return cells.map((r) => `${indent}[ ${r.map((c) => c.padStart(width)).join('  ')} ]`);
}

/** A fraction as a percentage with one decimal. */
export function percent(v: number): string {
  return Number.isNaN(v) ? 'n/a' : `${(100 * v).toFixed(1)}%`;
}

/** "4×3" */
export function shapeOf(rows: readonly (readonly number[])[]): string {
  return `${rows.length}×${rows[0]?.length ?? 0}`;
}
