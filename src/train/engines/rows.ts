/** The one row gathering of the engines: a batch's examples copied out of the dataset. */

/** Columns from which a row is copied as one block. */
const WIDE_ROW = 64;

/**
 * Copies rows `order[start + i]` (or `start + i` when `order` is null), i < count, of a
 * row-major array of `cols` columns into the first `count` rows of `dst` (a Float32Array
 * rounds each value to float32 as it is stored, as Math.fround does).
 */
export function gatherRows(
  src: Float64Array | Float32Array,
  cols: number,
  order: Uint32Array | null,
  start: number,
  count: number,
  dst: Float64Array | Float32Array,
): void {
  if (order === null) {
    dst.set(src.subarray(start * cols, (start + count) * cols));
    return;
  }
  // A wide row is one block copy; a narrow one a plain loop (a subarray per row would cost more than it copies).
  if (cols >= WIDE_ROW && src.constructor === dst.constructor) {
    for (let i = 0; i < count; i++) {
      const r = order[start + i] * cols;
      dst.set(src.subarray(r, r + cols), i * cols);
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    const r = order[start + i] * cols;
    const o = i * cols;
    for (let c = 0; c < cols; c++) dst[o + c] = src[r + c];
  }
}
