/**
 * The WebAssembly training engine: the dataset, the weights, the gradients, each layer's Z, A
 * and δ for a batch and the shuffle order live in the linear memory of one instance of the SIMD
 * kernels (src/core/wasm), and whole epochs of mini-batches — gather, forward, loss, backward,
 * L2 penalty and the plain-SGD update — run in one call. Other optimisers run in JavaScript over
 * Float64Array views of the same memory after each batch's gradient call.
 *
 * Like the fused JavaScript path it performs the reference path's floating-point operations in
 * the same order (see assembly/kernels.ts and docs/wasm.md), so `fit` gives bit-identical
 * weights and logs whichever engine runs.
 */
import type { Matrix } from '../core/matrix.js';
import { instantiateWasmKernels, type WasmKernels } from '../core/wasm/kernels.js';
import type { Network } from '../nn/network.js';
import type { EngineSetup, TrainingEngine } from './training-engine.js';
import { createArena, LOSS_CODES, layoutNetwork } from './wasm-layout.js';

/** Widest hidden layer the specialised two-layer batch-1 kernel takes (its weights stay in L1). */
export const SGD1_TWO_LAYER_MAX_HIDDEN = 16;
/** Widest input it takes. */
export const SGD1_TWO_LAYER_MAX_INPUT = 64;
/** Size of the buffer the batch-1 kernels stream the data through. */
const SGD1_CHUNK_BYTES = 1 << 18;

export interface WasmEngine {
  /** Copies the network's weights into the engine (they are the truth between calls to {@link storeWeights}). */
  loadWeights(): void;
  /** Copies the engine's weights back into the network's arrays. */
  storeWeights(): void;
  /** The epoch's example order (null: 0, 1, …, n − 1); copied in. */
  setOrder(order: Uint32Array | null): void;
  /**
   * Runs batches [first, first + count) of the epoch: with `learningRate` > 0 each is followed
   * by a plain-SGD update in the engine, with 0 only the gradients are left in {@link grads}.
   * Returns how many batches ran — fewer than `count` when a loss was not finite. Batch
   * `first + i`'s loss is `losses[i]` and its correct count `corrects[i]`.
   */
  run(first: number, count: number, learningRate: number, l2: number): number;
  readonly losses: Float64Array;
  readonly corrects: Int32Array;
  /**
   * Only for engines made in `'sgd1'` mode (for which {@link run} is unavailable): a whole
   * epoch of plain SGD one example at a time (no L2), the update fused into the backward pass.
   * Returns the steps run, the last counted even when its loss was not finite: then
   * {@link sgdLoss} is that loss; else it is the epoch's summed loss and {@link sgdCorrect} its
   * correct count.
   */
  runSgd1(learningRate: number): number;
  readonly sgdLoss: number;
  readonly sgdCorrect: number;
  /**
   * Which kernel {@link runSgd1} runs: `'sgd1-2layer'` (in-h-1 with a sigmoid output and binary
   * cross-entropy, the hidden layer ≤ {@link SGD1_TWO_LAYER_MAX_HIDDEN} wide) or `'sgd1'`.
   */
  readonly sgd1Kernel: 'sgd1-2layer' | 'sgd1';
  /** Views of the engine's parameters and gradients, in `parameterArrays` order. */
  readonly params: Float64Array[];
  readonly grads: Float64Array[];
}

/** Whether the engine covers this network: element-wise hidden layers and an ε = 0 loss. */
export function wasmEngineSupports(net: Network): boolean {
  const last = net.layers.length - 1;
  return !net.layers.some((l, i) => i < last && l.activation.name === 'softmax') && !net.loss.config.epsilon;
}

/**
 * An engine training `net` on `x`, `y` with batches of `batchSize`, or undefined when the
 * network is not covered, WebAssembly SIMD is unavailable or the memory cannot be had.
 */
export function createWasmEngine(
  net: Network,
  x: Matrix,
  y: Matrix,
  batchSize: number,
  mode: 'batches' | 'sgd1' = 'batches',
): WasmEngine | undefined {
  if (!wasmEngineSupports(net)) return undefined;
  const wasm = instantiateWasmKernels();
  if (wasm === undefined) return undefined;
  const n = x.rows;
  // In 'sgd1' mode (batch size 1, plain SGD, no L2, for runSgd1 only) the data are not copied
  // in whole: runSgd1 streams them through a buffer of `chunk` rows that stays in the L2 cache
  // (copying into fresh linear memory costs ~3× more than the copy itself, in page faults).
  const sgd1 = mode === 'sgd1';
  if (sgd1) batchSize = 1;
  const chunk = sgd1 ? Math.max(1, Math.min(n, Math.floor(SGD1_CHUNK_BYTES / ((x.cols + y.cols) * 8)))) : n;
  const bs = Math.min(batchSize, n);
  const batches = sgd1 ? 0 : Math.ceil(n / batchSize);
  const depth = net.layers.length;
  const widths = [net.inputSize, ...net.layers.map((l) => l.bias.length)];

  const arena = createArena(wasm);
  const alloc = arena.alloc;
  const X = alloc(chunk * x.cols * 8);
  const Y = alloc(chunk * y.cols * 8);
  const order = alloc(sgd1 ? 0 : n * 4);
  const layout = layoutNetwork(arena, net, bs);
  const { table, kt } = layout;
  const xb = alloc(bs * widths[0] * 8);
  const yb = alloc(bs * widths[depth] * 8);
  const lossesAt = alloc(batches * 8);
  const correctsAt = alloc(batches * 4);
  const sgdOut = alloc(16);
  const twoLayer =
    depth === 2 &&
    widths[1] <= SGD1_TWO_LAYER_MAX_HIDDEN &&
    widths[0] <= SGD1_TWO_LAYER_MAX_INPUT &&
    widths[2] === 1 &&
    net.layers[1].activation.name === 'sigmoid' &&
    net.loss.config.name === 'binary_crossentropy';
  const scratch = batchSize === 1 && twoLayer ? alloc((widths[0] + 5) * Math.ceil(widths[1] / 2) * 16) : 0;
  if (!arena.commit()) return undefined; // more than the runtime gives WebAssembly: train in JavaScript

  // The memory no longer grows, so these views stay attached for the engine's life.
  const buf = wasm.memory.buffer;
  const f64 = (at: number, len: number) => new Float64Array(buf, at, len);
  const xView = f64(X, chunk * x.cols);
  const yView = f64(Y, chunk * y.cols);
  if (!sgd1) {
    xView.set(x.data);
    yView.set(y.data);
  }
  const orderView = new Uint32Array(buf, order, sgd1 ? 0 : n);
  let jsOrder: Uint32Array | null = null;
  const { params, grads } = layout.bind(buf);
  const netParams = net.layers.flatMap((l) => [l.kernel.data, l.bias]);
  const lossCode = LOSS_CODES[net.loss.config.name];
  let ordered = false;
  const sgdOutF64 = f64(sgdOut, 1);
  const sgdOutI32 = new Int32Array(buf, sgdOut + 8, 1);

  return {
    params,
    grads,
    losses: f64(lossesAt, batches),
    corrects: new Int32Array(buf, correctsAt, batches),
    loadWeights() {
      for (let i = 0; i < params.length; i++) params[i].set(netParams[i]);
    },
    storeWeights() {
      for (let i = 0; i < params.length; i++) netParams[i].set(params[i]);
    },
    setOrder(o) {
      ordered = o !== null;
      jsOrder = o;
      if (o !== null && !sgd1) orderView.set(o);
    },
    get sgdLoss() {
      return sgdOutF64[0];
    },
    get sgdCorrect() {
      return sgdOutI32[0];
    },
    sgd1Kernel: scratch ? 'sgd1-2layer' : 'sgd1',
    runSgd1(learningRate) {
      if (!sgd1) throw new Error('runSgd1 needs an engine made in sgd1 mode');
      const w = wasm as WasmKernels;
      const xd = x.data;
      const yd = y.data;
      const ci = x.cols;
      const co = y.cols;
      sgdOutF64[0] = 0;
      sgdOutI32[0] = 0;
      for (let start = 0; start < n; start += chunk) {
        const count = Math.min(chunk, n - start);
        if (jsOrder === null) {
          xView.set(xd.subarray(start * ci, (start + count) * ci));
          yView.set(yd.subarray(start * co, (start + count) * co));
        } else {
          for (let i = 0; i < count; i++) {
            const r = jsOrder[start + i];
            for (let c = 0; c < ci; c++) xView[i * ci + c] = xd[r * ci + c];
            for (let c = 0; c < co; c++) yView[i * co + c] = yd[r * co + c];
          }
        }
        // The kernels carry the running loss sum and correct count on from sgdOut.
        const ran = scratch
          ? w.sgd1TwoLayer(table, X, Y, 0, count, learningRate, scratch, sgdOut)
          : w.sgd1Epoch(table, depth, lossCode, X, Y, 0, count, learningRate, sgdOut);
        if (ran < count) return start + ran;
      }
      return n;
    },
    run(first, count, learningRate, l2) {
      if (sgd1) throw new Error('run needs an engine made in batches mode');
      return (wasm as WasmKernels).trainBatches(
        table,
        depth,
        lossCode,
        X,
        Y,
        ordered ? order : 0,
        n,
        batchSize,
        first,
        count,
        learningRate,
        l2,
        xb,
        yb,
        kt,
        lossesAt,
        correctsAt,
      );
    },
  };
}

/**
 * The WebAssembly engine behind the {@link TrainingEngine} interface, or undefined where it does
 * not cover the network or cannot run. Batch size 1 with plain SGD, no L2 and no per-step
 * callback runs whole epochs in the batch-1 kernels; plain SGD otherwise updates inside the
 * engine; other optimisers (or a caller's own optimiser object) step in JavaScript over views
 * of its memory.
 */
export function createWasmTrainingEngine(setup: EngineSetup): TrainingEngine | undefined {
  const { net, data, optimizer, batchSize, l2 } = setup;
  const plainSgd = optimizer.config.name === 'sgd' && !setup.optimizerGiven;
  const sgd1 = plainSgd && batchSize === 1 && l2 === 0 && !setup.perStepCallback;
  const wasm = createWasmEngine(net, data.x, data.y, batchSize, sgd1 ? 'sgd1' : 'batches');
  if (wasm === undefined) return undefined;
  const lr = optimizer.config.learningRate;
  const n = data.x.rows;
  const batches = Math.ceil(n / batchSize);
  const result = new Float64Array(3);

  return {
    name: 'wasm',
    detail: sgd1 ? wasm.sgd1Kernel : undefined,
    result,
    startEpoch(order) {
      // The network's arrays hold the truth between epochs (callbacks may read or set them).
      wasm.loadWeights();
      wasm.setOrder(order);
    },
    runEpoch() {
      if (sgd1) {
        // On a non-finite loss the kernels stop and return that step's 1-based index, which is
        // n when it is the last one: the loss itself tells failure from success.
        const ran = wasm.runSgd1(lr);
        result[0] = wasm.sgdLoss;
        result[1] = wasm.sgdCorrect;
        result[2] = Number.isFinite(result[0]) ? 0 : ran;
        return true;
      }
      if (!plainSgd || setup.perStepCallback) return false;
      const ran = wasm.run(0, batches, lr, l2);
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < ran; b++) {
        lossSum += wasm.losses[b] * Math.min(batchSize, n - b * batchSize);
        correct += wasm.corrects[b];
      }
      result[0] = lossSum;
      result[1] = correct;
      result[2] = 0;
      for (let b = 0; b < ran; b++) {
        if (!Number.isFinite(wasm.losses[b])) {
          result[0] = wasm.losses[b];
          result[2] = b + 1;
          break;
        }
      }
      return true;
    },
    runBatch(b) {
      wasm.run(b, 1, plainSgd ? lr : 0, l2);
      result[0] = wasm.losses[0];
      result[1] = wasm.corrects[0];
      if (!plainSgd && Number.isFinite(result[0])) optimizer.step(wasm.params, wasm.grads);
    },
    storeWeights: () => wasm.storeWeights(),
    loadWeights: () => wasm.loadWeights(),
  };
}
