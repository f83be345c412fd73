/**
 * The WebAssembly SIMD engine: the weights, the gradients and each layer's Z, A and δ for a batch
 * live in the linear memory of one instance of the kernels (src/core/wasm), laid out by
 * wasm-layout.ts. The examples are either copied in once and read through the epoch's order (whole
 * epochs of a run of several) or gathered in whole batches into a buffer that stays in the L2
 * cache (rows.ts), and each span of batches — forward, loss, backward, L2 penalty and, for plain
 * SGD, the update — runs in one call. Other optimisers step in JavaScript over views of the same
 * memory after each batch's gradient.
 *
 * The kernels perform the reference path's floating-point operations in the same order (see
 * assembly/kernels.ts and docs/wasm.md), so `fit` gives the same bits whichever engine runs.
 */
import { instantiateWasmKernels, wasmKernelsAvailable } from '../../core/wasm/kernels.js';
import { LOSS_CODES } from '../../nn/losses.js';
import type { Network } from '../../nn/network.js';
import { kernelUpdate } from '../../nn/optimizers.js';
import type { Engine, EngineKind, EngineSetup } from './engine.js';
import { gatherRows } from './rows.js';
import { createArena, layoutNetwork } from './wasm-layout.js';

/** Widest hidden layer the specialised two-layer batch-1 kernel takes (its weights stay in L1). */
export const SGD1_TWO_LAYER_MAX_HIDDEN = 16;
/** Widest input it takes. */
export const SGD1_TWO_LAYER_MAX_INPUT = 64;
/** Size of the buffer the examples stream through (at least one batch). */
const CHUNK_BYTES = 1 << 18;

/**
 * Whether the two-layer batch-1 kernel (`sgd1TwoLayer`) covers `net`: in-h-1 with an element-wise
 * hidden layer ≤ {@link SGD1_TWO_LAYER_MAX_HIDDEN} wide, a sigmoid output and binary cross-entropy.
 */
function twoLayerShaped(net: Network): boolean {
  const [hidden, output] = net.layers;
  return (
    net.layers.length === 2 &&
    hidden.activation.kind === 'elementwise' &&
    hidden.bias.length <= SGD1_TWO_LAYER_MAX_HIDDEN &&
    net.inputSize <= SGD1_TWO_LAYER_MAX_INPUT &&
    output.bias.length === 1 &&
    output.activation.name === 'sigmoid' &&
    net.loss.config.name === 'binary_crossentropy'
  );
}

/**
 * The engine for `setup`, or undefined when WebAssembly SIMD or the memory cannot be had. Plain
 * SGD made by `createOptimizer` (a configuration or the object) runs inside the kernels — whole
 * epochs without a per-step callback, the batch-1 kernels for batch size 1 without L2 — and its
 * step count advances by the updates run; any other optimiser steps over views of the memory.
 */
export function createWasmEngine(setup: EngineSetup): Engine | undefined {
  const { net, data, batchSize, l2, optimizer } = setup;
  const wasm = instantiateWasmKernels();
  if (wasm === undefined) return undefined;
  const sgd = optimizer ? kernelUpdate(optimizer) : undefined;
  const wholeEpochs = sgd !== undefined && !setup.perStepCallback;
  const sgd1 = wholeEpochs && batchSize === 1 && l2 === 0;
  const n = data.x.rows;
  const nIn = data.x.cols;
  const nOut = data.y.cols;
  const bs = Math.min(batchSize, n);
  const batches = Math.ceil(n / batchSize);
  const chunkBatches = Math.max(1, Math.floor(CHUNK_BYTES / ((nIn + nOut) * 8 * bs)));
  const chunkRows = Math.min(n, chunkBatches * bs);
  const depth = net.layers.length;
  const twoLayer = sgd1 && twoLayerShaped(net);
  // Whole epochs of a run of several read the dataset in place, copied in once, through the
  // epoch's order (the kernels gather: no per-epoch gathering in JavaScript); single steps and
  // one-epoch runs gather their rows into the chunk buffer instead (no copy of the dataset).
  const resident = wholeEpochs && setup.epochs > 1;
  const span = resident ? batches : chunkBatches; // batches per whole-epoch kernel call

  const arena = createArena(wasm);
  const alloc = arena.alloc;
  const X = alloc(chunkRows * nIn * 8);
  const Y = alloc(chunkRows * nOut * 8);
  const EX = resident ? alloc(n * nIn * 8) : X;
  const EY = resident ? alloc(n * nOut * 8) : Y;
  const orderAt = alloc(resident ? n * 4 : 0);
  const layout = layoutNetwork(arena, net, bs);
  const { table, kt } = layout;
  // The kernels gather a batch into xb/yb only when given an order.
  const xb = alloc(resident ? bs * nIn * 8 : 8);
  const yb = alloc(resident ? bs * nOut * 8 : 8);
  const lossesAt = alloc(span * 8);
  const correctsAt = alloc(span * 4);
  const out = alloc(24); // loss sum, correct count, and the kernels' `touch` sum
  const scratch = twoLayer ? alloc((nIn + 5) * Math.ceil(net.layers[0].bias.length / 2) * 16) : 0;
  if (!arena.commit()) return undefined; // more than the runtime gives WebAssembly

  // The memory no longer grows, so these views stay attached for the engine's life.
  const buf = wasm.memory.buffer;
  const xView = new Float64Array(buf, X, chunkRows * nIn);
  const yView = new Float64Array(buf, Y, chunkRows * nOut);
  const losses = new Float64Array(buf, lossesAt, span);
  const corrects = new Int32Array(buf, correctsAt, span);
  const orderView = new Uint32Array(buf, orderAt, resident ? n : 0);
  if (resident) {
    new Float64Array(buf, EX, n * nIn).set(data.x.data);
    new Float64Array(buf, EY, n * nOut).set(data.y.data);
  }
  const outLoss = new Float64Array(buf, out, 1);
  const outCorrect = new Int32Array(buf, out + 8, 1);
  const { params, grads } = layout.bind(buf);
  const netParams = net.layers.flatMap((l) => [l.kernel.data, l.bias]);
  const lossCode = LOSS_CODES[net.loss.config.name];
  const lr = sgd?.learningRate ?? 0;
  const result = new Float64Array(3);
  let order: Uint32Array | null = null;

  const stage = (start: number, count: number) => {
    gatherRows(data.x.data, nIn, order, start, count, xView);
    gatherRows(data.y.data, nOut, order, start, count, yView);
  };
  /**
   * Rows [start, start + count) of the epoch for a whole-epoch kernel: the resident dataset and
   * the order's address, or the rows staged in the chunk buffer and no order.
   */
  const source = (start: number, count: number) => {
    if (resident) return order === null ? 0 : orderAt;
    stage(start, count);
    return 0;
  };
  /** `count` batches of `rows` rows; `rate` 0 leaves only the gradient (of the last). */
  const run = (x: number, y: number, ord: number, rows: number, size: number, count: number, rate: number) =>
    wasm.trainBatches(
      table,
      depth,
      lossCode,
      x,
      y,
      ord,
      rows,
      size,
      0,
      count,
      rate,
      l2,
      xb,
      yb,
      kt,
      lossesAt,
      correctsAt,
    );
  const loadWeights = () => {
    for (let i = 0; i < params.length; i++) params[i].set(netParams[i]);
  };

  /** A whole epoch, one example at a time, in the batch-1 kernels. */
  const runSgd1 = () => {
    outLoss[0] = 0;
    outCorrect[0] = 0;
    let steps = n;
    const rows = resident ? n : chunkRows;
    for (let start = 0; start < n; start += rows) {
      const count = Math.min(rows, n - start);
      const ord = source(start, count);
      // The kernels carry the running loss sum and correct count on from `out`.
      const ran = twoLayer
        ? wasm.sgd1TwoLayer(table, EX, EY, ord, count, lr, scratch, out)
        : wasm.sgd1Epoch(table, depth, lossCode, EX, EY, ord, count, lr, out);
      if (ran < count || !Number.isFinite(outLoss[0])) {
        steps = start + ran;
        break;
      }
    }
    // On a non-finite loss the kernels stop at that step, before its update: the loss itself
    // tells failure from success (the failing step may be the last).
    const failed = !Number.isFinite(outLoss[0]);
    result[0] = outLoss[0];
    result[1] = outCorrect[0];
    result[2] = failed ? steps : 0;
    sgd?.advance(failed ? steps - 1 : n);
  };

  /** A whole epoch of mini-batches, chunk by chunk, each batch followed by its SGD update. */
  const runBatches = () => {
    let lossSum = 0;
    let correct = 0;
    result[2] = 0;
    for (let b0 = 0; b0 < batches; b0 += span) {
      const count = Math.min(span, batches - b0);
      const start = b0 * batchSize;
      const rows = Math.min(n - start, count * batchSize);
      const ord = source(start, rows);
      const ran = run(EX, EY, ord, rows, batchSize, count, lr);
      for (let b = 0; b < ran; b++) {
        if (!Number.isFinite(losses[b])) {
          result[0] = losses[b];
          result[2] = b0 + b + 1;
          sgd?.advance(b0 + b);
          return;
        }
        lossSum += losses[b] * Math.min(batchSize, n - (b0 + b) * batchSize);
        correct += corrects[b];
      }
    }
    result[0] = lossSum;
    result[1] = correct;
    sgd?.advance(batches);
  };

  const gradient = (start: number, size: number) => {
    stage(start, size);
    run(X, Y, 0, size, size, 1, 0);
    result[0] = losses[0];
    result[1] = corrects[0];
  };

  return {
    name: 'wasm',
    detail: sgd1 ? (twoLayer ? 'sgd1-2layer' : 'sgd1') : undefined,
    result,
    grads,
    startEpoch(o) {
      // The network's arrays hold the truth between epochs (callbacks may read or set them).
      loadWeights();
      order = o;
      if (resident && o !== null) orderView.set(o);
    },
    runEpoch() {
      if (!wholeEpochs) return false;
      if (sgd1) runSgd1();
      else runBatches();
      return true;
    },
    gradient,
    runBatch(start, size) {
      if (sgd === undefined) {
        gradient(start, size);
        if (Number.isFinite(result[0])) optimizer?.step(params, grads);
        return;
      }
      stage(start, size);
      run(X, Y, 0, size, size, 1, lr);
      result[0] = losses[0];
      result[1] = corrects[0];
      if (Number.isFinite(result[0])) sgd.advance(1);
    },
    storeWeights() {
      for (let i = 0; i < params.length; i++) netParams[i].set(params[i]);
    },
    loadWeights,
  };
}

/**
 * Whether the engine pays for its set-up (an instance, ~0.1 ms): per step it beats the reference
 * path on every shape measured, but a run of a few thousand multiply-adds is over before the
 * instance is made. So: whenever the run does more than ~10⁵ multiply-adds.
 */
function pays(setup: EngineSetup): boolean {
  let work = 0;
  for (const l of setup.net.layers) work += l.kernel.rows * l.kernel.cols;
  return work * setup.data.x.rows * Math.max(setup.epochs, 1) >= 1e5;
}

/**
 * What the kernels cover: every activation but a hidden softmax (left to the reference path: the
 * batch-1 kernels have no row-wise hidden layer), the three losses without clipping, every
 * optimiser (plain SGD in the kernels, the others stepped over views), any batch size.
 */
export const wasmEngine: EngineKind = {
  name: 'wasm',
  coverage: {
    hidden: { sigmoid: true, tanh: true, relu: true, linear: true, softmax: false },
    output: { sigmoid: true, tanh: true, relu: true, linear: true, softmax: true },
    losses: { binary_crossentropy: true, categorical_crossentropy: true, mean_squared_error: true },
    clippedLoss: false,
    optimizers: { sgd: true, momentum: true, nesterov: true, adam: true },
    maxBatchSize: Number.POSITIVE_INFINITY,
  },
  available: wasmKernelsAvailable,
  pays,
  create: createWasmEngine,
};
