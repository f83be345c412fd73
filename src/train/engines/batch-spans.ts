/**
 * The whole-epoch driver the WebAssembly engines share: an epoch of mini-batches run span by span
 * (each span staged into the chunk buffer and trained in one kernel call), the epoch's loss summed
 * batch by batch weighted by batch size, a non-finite loss reported at its batch, and `stop` read
 * between spans. Results go into the engine's `result` as `Engine.result` describes.
 */
import type { KernelUpdate } from '../../nn/optimizers.js';

/** What a span driver needs from its engine. */
export interface SpanKernel {
  /** Rows in the epoch, and per batch. */
  rows: number;
  batchSize: number;
  /** Batches per kernel call. */
  span: number;
  /** Stages rows [start, start + rows) and trains `count` batches of them; returns the batches run. */
  train(start: number, rows: number, count: number): number;
  /** Batch b's mean loss and correct count of the last call. */
  losses: ArrayLike<number>;
  corrects: ArrayLike<number>;
  /** lossSum + loss × size in the engine's arithmetic (float32 rounds each step). */
  add(lossSum: number, loss: number, size: number): number;
  /** The kernel optimiser whose step count the batches advance, if any. */
  sgd: Pick<KernelUpdate, 'advance'> | undefined;
  result: Float64Array;
}

/**
 * Runs one epoch through `k`'s kernel, until `stop` says so between spans.
 * @param k the engine's kernel and buffers
 * @param stop read between spans; true ends the epoch there
 */
export function runBatchSpans(k: SpanKernel, stop?: () => boolean): void {
  const { result, batchSize, span, rows: n } = k;
  const batches = Math.ceil(n / batchSize);
  let lossSum = 0;
  let correct = 0;
  let done = batches;
  result[2] = 0;
  for (let b0 = 0; b0 < batches; b0 += span) {
    const count = Math.min(span, batches - b0);
    const start = b0 * batchSize;
    const ran = k.train(start, Math.min(n - start, count * batchSize), count);
    for (let b = 0; b < ran; b++) {
      const loss = k.losses[b];
      if (!Number.isFinite(loss)) {
        result[0] = loss;
        result[2] = b0 + b + 1;
        k.sgd?.advance(b0 + b);
        return;
      }
      lossSum = k.add(lossSum, loss, Math.min(batchSize, n - (b0 + b) * batchSize));
      correct += k.corrects[b];
    }
    if (b0 + count < batches && stop?.()) {
      done = b0 + count;
      break;
    }
  }
  result[0] = lossSum;
  result[1] = correct;
  result[3] = done;
  k.sgd?.advance(done);
}
