/** Numbers as the page shows them: plain decimals, 4 significant digits, a true minus sign. */
export function num(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(v)));
  const decimals = Math.max(0, Math.min(12, digits - 1 - magnitude));
  return v.toFixed(decimals).replace('-', '−');
}

/** A fixed number of decimals (for losses and accuracies in the status line). */
export function fixed(v: number, decimals: number): string {
  return Number.isFinite(v) ? v.toFixed(decimals).replace('-', '−') : String(v);
}
