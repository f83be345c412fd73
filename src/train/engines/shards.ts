/**
 * How a large batch is summed: cut into {@link SHARDS} contiguous shards of rows, each shard's
 * mean gradient computed apart, then combined in shard order. The cut is fixed by the batch, not
 * by the threads computing it, so a sharded run gives the same bits on one thread (the
 * two-shard engine, two-shards.ts) as on several (parallel-fit.ts), in Node and in a browser.
 */

/**
 * Shards per batch: fixed, so that the batch's gradient is summed in the same order whatever the
 * number of threads (1 to {@link SHARDS}) computing it.
 */
export const SHARDS = 2;

/** Rows [lo, hi) of a batch of `size` rows that shard `k` of `shards` computes. */
export function shardRange(size: number, shards: number, k: number): [number, number] {
  return [Math.floor((k * size) / shards), Math.floor(((k + 1) * size) / shards)];
}

/** Rows in the largest shard of a batch of `rows`. */
export function maxShardRows(rows: number): number {
  return Math.ceil(rows / SHARDS);
}

/**
 * `combined[i] = Σₖ (sizeₖ / size)·slots[k][i]` over the non-empty shards k = 0, 1, … in order:
 * the batch's mean gradient from the shards' mean gradients, in a fixed order.
 * @param slots the shards' gradients, each the whole parameter vector
 * @param size the batch's rows
 * @param combined where the sum goes
 */
export function combineShards(slots: readonly Float64Array[], size: number, combined: Float64Array): void {
  const used: number[] = [];
  for (let k = 0; k < slots.length; k++) {
    const [a, b] = shardRange(size, slots.length, k);
    if (b > a) used.push(k);
  }
  const weight = (k: number) => {
    const [a, b] = shardRange(size, slots.length, k);
    return (b - a) / size;
  };
  const len = combined.length;
  if (used.length === 2) {
    const w0 = weight(used[0]);
    const w1 = weight(used[1]);
    const s0 = slots[used[0]];
    const s1 = slots[used[1]];
    for (let i = 0; i < len; i++) combined[i] = w0 * s0[i] + w1 * s1[i];
    return;
  }
  const w0 = weight(used[0]);
  const s0 = slots[used[0]];
  for (let i = 0; i < len; i++) combined[i] = w0 * s0[i];
  for (let u = 1; u < used.length; u++) {
    const w = weight(used[u]);
    const s = slots[used[u]];
    for (let i = 0; i < len; i++) combined[i] += w * s[i];
  }
}
