/**
 * How the WebAssembly engines score a data set without its gradients (validation): its rows
 * staged block by block into a small buffer of the engine's memory and run forward by the
 * kernels' `evaluateRows`, which carries the loss sum from block to block. The memory holds one
 * block with its layers' activations, never the data set, and no backward pass runs.
 */
import type { Network } from '../../nn/network.js';

/** About this many bytes of inputs, targets and activations per block. */
export const SCORE_BLOCK_BYTES = 1 << 18;

/**
 * Rows per block for `net`: about `budget` bytes of a row's inputs, targets and each layer's Z,
 * A and δ (the layout reserves all three), a multiple of 4 so that every block starts where the
 * kernels' SIMD lanes start in one batch of all the rows; all `rows` when they fit.
 * @param net the network
 * @param rows the rows to score
 * @param bytesPerValue 8 (float64) or 4 (float32)
 * @param budget bytes per block
 */
export function scoreBlockRows(net: Network, rows: number, bytesPerValue: number, budget = SCORE_BLOCK_BYTES): number {
  let perRow = net.inputSize;
  for (const l of net.layers) perRow += 3 * l.bias.length;
  perRow += net.layers[net.layers.length - 1].bias.length;
  const fit = 4 * Math.floor(budget / (perRow * bytesPerValue * 4));
  return Math.min(rows, Math.max(4, fit));
}

/**
 * Runs `score` over rows [0, rows) in blocks of `block` (the last may be short), in order.
 * @param rows the rows to score
 * @param block rows per block, a multiple of 4 (see {@link scoreBlockRows})
 * @param score stages rows [start, start + count) and adds their loss terms
 */
export function scoreInBlocks(rows: number, block: number, score: (start: number, count: number) => void): void {
  for (let start = 0; start < rows; start += block) score(start, Math.min(block, rows - start));
}
