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
import { instantiateWasmKernels, type WasmKernels, wasmKernelsAvailable } from '../../core/wasm/kernels.js';
import { LOSS_CODES } from '../../nn/losses.js';
import type { Network } from '../../nn/network.js';
import { type KernelUpdate, kernelUpdate } from '../../nn/optimizers.js';
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

/** Examples whose losses `sgd1TwoLayer` holds before adding them (LOSS_BLOCK in assembly/kernels.ts). */
const SGD1_LOSS_BLOCK = 64;

/** Bytes of `sgd1TwoLayer`'s scratch: its padded weights, A, G, b2 and the pending losses. */
function twoLayerScratchBytes(nIn: number, hidden: number): number {
  return (nIn + 5) * Math.ceil(hidden / 2) * 16 + SGD1_LOSS_BLOCK * 16;
}

/** How an engine runs its epochs, decided once from the setup. */
interface Plan {
  /** Plain SGD made by `createOptimizer`, run inside the kernels. */
  sgd: KernelUpdate | undefined;
  /** Whole epochs in one call: kernel SGD and no per-step callback. */
  wholeEpochs: boolean;
  /** The batch-1 kernels (batch size 1, no L2), and of them the two-layer one. */
  sgd1: boolean;
  twoLayer: boolean;
  /**
   * Whole epochs of a run of several read the dataset in place, copied in once, through the
   * epoch's order (the kernels gather: no per-epoch gathering in JavaScript); single steps and
   * one-epoch runs gather their rows into the chunk buffer instead (no copy of the dataset).
   */
  resident: boolean;
}

/** An engine's instance, memory and views (the memory no longer grows, so they stay attached). */
interface Run {
  setup: EngineSetup;
  plan: Plan;
  wasm: WasmKernels;
  /** Addresses: layer table, transposed-kernel scratch, chunk buffer, resident data, order, … */
  at: {
    table: number;
    kt: number;
    X: number;
    Y: number;
    EX: number;
    EY: number;
    order: number;
    xb: number;
    yb: number;
    losses: number;
    corrects: number;
    out: number;
    scratch: number;
  };
  /** Batches per whole-epoch kernel call, and rows in the chunk buffer. */
  span: number;
  chunkRows: number;
  lossCode: number;
  xView: Float64Array;
  yView: Float64Array;
  orderView: Uint32Array;
  losses: Float64Array;
  corrects: Int32Array;
  /** The batch-1 kernels' running loss sum and correct count. */
  outLoss: Float64Array;
  outCorrect: Int32Array;
  params: Float64Array[];
  grads: Float64Array[];
  /** The validation data's copy and layout (its own Z, A, δ for all its rows; weights copied in). */
  validation?: { X: number; Y: number; rows: number; table: number; kt: number; params: Float64Array[] };
  /** The epoch's order (null: as stored). */
  order: Uint32Array | null;
  result: Float64Array;
}

function planOf(setup: EngineSetup): Plan {
  const sgd = setup.optimizer ? kernelUpdate(setup.optimizer) : undefined;
  const wholeEpochs = sgd !== undefined && !setup.perStepCallback;
  const sgd1 = wholeEpochs && setup.batchSize === 1 && setup.l2 === 0;
  return {
    sgd,
    wholeEpochs,
    sgd1,
    twoLayer: sgd1 && twoLayerShaped(setup.net),
    resident: wholeEpochs && setup.epochs > 1,
  };
}

/** Lays the run out in a fresh instance's memory; undefined when the instance or memory cannot be had. */
function setUp(setup: EngineSetup, plan: Plan): Run | undefined {
  const wasm = instantiateWasmKernels();
  if (wasm === undefined) return undefined;
  const { net, data, batchSize } = setup;
  const n = data.x.rows;
  const nIn = data.x.cols;
  const nOut = data.y.cols;
  const bs = Math.min(batchSize, n);
  const chunkBatches = Math.max(1, Math.floor(CHUNK_BYTES / ((nIn + nOut) * 8 * bs)));
  const chunkRows = Math.min(n, chunkBatches * bs);
  const span = plan.resident ? Math.ceil(n / batchSize) : chunkBatches;
  const arena = createArena(wasm);
  const alloc = arena.alloc;
  const X = alloc(chunkRows * nIn * 8);
  const Y = alloc(chunkRows * nOut * 8);
  const layout = layoutNetwork(arena, net, bs);
  const at = {
    table: layout.table,
    kt: layout.kt,
    X,
    Y,
    EX: plan.resident ? alloc(n * nIn * 8) : X,
    EY: plan.resident ? alloc(n * nOut * 8) : Y,
    order: alloc(plan.resident ? n * 4 : 0),
    // The kernels gather a batch into xb/yb only when given an order.
    xb: alloc(plan.resident ? bs * nIn * 8 : 8),
    yb: alloc(plan.resident ? bs * nOut * 8 : 8),
    losses: alloc(span * 8),
    corrects: alloc(span * 4),
    out: alloc(24), // loss sum, correct count, and the kernels' `touch` sum
    scratch: plan.twoLayer ? alloc(twoLayerScratchBytes(nIn, net.layers[0].bias.length)) : 0,
  };
  const val = setup.validation;
  const v = val && {
    X: alloc(val.x.data.length * 8),
    Y: alloc(val.y.data.length * 8),
    rows: val.x.rows,
    layout: layoutNetwork(arena, net, val.x.rows),
  };
  if (!arena.commit()) return undefined; // more than the runtime gives WebAssembly
  const buf = wasm.memory.buffer;
  let validation: Run['validation'];
  if (val && v) {
    new Float64Array(buf, v.X, val.x.data.length).set(val.x.data);
    new Float64Array(buf, v.Y, val.y.data.length).set(val.y.data);
    const { params } = v.layout.bind(buf);
    validation = { X: v.X, Y: v.Y, rows: v.rows, table: v.layout.table, kt: v.layout.kt, params };
  }
  if (plan.resident) {
    new Float64Array(buf, at.EX, n * nIn).set(data.x.data);
    new Float64Array(buf, at.EY, n * nOut).set(data.y.data);
  }
  return {
    setup,
    plan,
    wasm,
    at,
    span,
    chunkRows,
    lossCode: LOSS_CODES[net.loss.config.name],
    xView: new Float64Array(buf, X, chunkRows * nIn),
    yView: new Float64Array(buf, Y, chunkRows * nOut),
    orderView: new Uint32Array(buf, at.order, plan.resident ? n : 0),
    losses: new Float64Array(buf, at.losses, span),
    corrects: new Int32Array(buf, at.corrects, span),
    outLoss: new Float64Array(buf, at.out, 1),
    outCorrect: new Int32Array(buf, at.out + 8, 1),
    ...layout.bind(buf),
    validation,
    order: null,
    result: new Float64Array(3),
  };
}

/** Gathers rows [start, start + count) of the epoch's order into the chunk buffer. */
function stage(r: Run, start: number, count: number): void {
  const { x, y } = r.setup.data;
  gatherRows(x.data, x.cols, r.order, start, count, r.xView);
  gatherRows(y.data, y.cols, r.order, start, count, r.yView);
}

/**
 * Rows [start, start + count) of the epoch for a whole-epoch kernel: the resident dataset and
 * the order's address, or the rows staged in the chunk buffer and no order.
 */
function source(r: Run, start: number, count: number): number {
  if (r.plan.resident) return r.order === null ? 0 : r.at.order;
  stage(r, start, count);
  return 0;
}

/** `count` batches of `size` from `rows` rows at x, y (through `order` unless 0); `rate` 0: gradients only. */
function trainBatches(
  r: Run,
  x: number,
  y: number,
  order: number,
  rows: number,
  size: number,
  count: number,
  rate: number,
) {
  const { at } = r;
  const depth = r.setup.net.layers.length;
  return r.wasm.trainBatches(
    at.table,
    depth,
    r.lossCode,
    x,
    y,
    order,
    rows,
    size,
    0,
    count,
    rate,
    r.setup.l2,
    at.xb,
    at.yb,
    at.kt,
    at.losses,
    at.corrects,
  );
}

/** A whole epoch, one example at a time, in the batch-1 kernels. */
function runSgd1(r: Run, lr: number): void {
  const { at, wasm, result } = r;
  const n = r.setup.data.x.rows;
  const depth = r.setup.net.layers.length;
  r.outLoss[0] = 0;
  r.outCorrect[0] = 0;
  let steps = n;
  const rows = r.plan.resident ? n : r.chunkRows;
  for (let start = 0; start < n; start += rows) {
    const count = Math.min(rows, n - start);
    const order = source(r, start, count);
    // The kernels carry the running loss sum and correct count on from `out`.
    const ran = r.plan.twoLayer
      ? wasm.sgd1TwoLayer(at.table, at.EX, at.EY, order, count, lr, at.scratch, at.out)
      : wasm.sgd1Epoch(at.table, depth, r.lossCode, at.EX, at.EY, order, count, lr, at.out);
    if (ran < count || !Number.isFinite(r.outLoss[0])) {
      steps = start + ran;
      break;
    }
  }
  // On a non-finite loss the kernels stop at that step, before its update: the loss itself
  // tells failure from success (the failing step may be the last).
  const failed = !Number.isFinite(r.outLoss[0]);
  result[0] = r.outLoss[0];
  result[1] = r.outCorrect[0];
  result[2] = failed ? steps : 0;
  r.plan.sgd?.advance(failed ? steps - 1 : n);
}

/** A whole epoch of mini-batches, span by span, each batch followed by its SGD update. */
function runBatches(r: Run, lr: number): void {
  const { result, span } = r;
  const { batchSize } = r.setup;
  const n = r.setup.data.x.rows;
  const batches = Math.ceil(n / batchSize);
  let lossSum = 0;
  let correct = 0;
  result[2] = 0;
  for (let b0 = 0; b0 < batches; b0 += span) {
    const count = Math.min(span, batches - b0);
    const start = b0 * batchSize;
    const rows = Math.min(n - start, count * batchSize);
    const order = source(r, start, rows);
    const ran = trainBatches(r, r.at.EX, r.at.EY, order, rows, batchSize, count, lr);
    for (let b = 0; b < ran; b++) {
      if (!Number.isFinite(r.losses[b])) {
        result[0] = r.losses[b];
        result[2] = b0 + b + 1;
        r.plan.sgd?.advance(b0 + b);
        return;
      }
      lossSum += r.losses[b] * Math.min(batchSize, n - (b0 + b) * batchSize);
      correct += r.corrects[b];
    }
  }
  result[0] = lossSum;
  result[1] = correct;
  r.plan.sgd?.advance(batches);
}

/**
 * The validation data as one batch through `weights` (the network's arrays): the loss and the
 * correct count `lossOf` and `countCorrect` give, from the same forward pass and loss head as
 * training (the backward pass `trainBatches` also runs is left unused).
 */
function validate(r: Run, weights: Float64Array[]): void {
  const v = r.validation;
  if (v === undefined) return;
  for (let i = 0; i < v.params.length; i++) v.params[i].set(weights[i]);
  const { at } = r;
  const depth = r.setup.net.layers.length;
  r.wasm.trainBatches(
    v.table,
    depth,
    r.lossCode,
    v.X,
    v.Y,
    0,
    v.rows,
    v.rows,
    0,
    1,
    0,
    r.setup.l2,
    at.xb,
    at.yb,
    v.kt,
    at.losses,
    at.corrects,
  );
  r.result[0] = r.losses[0];
  r.result[1] = r.corrects[0];
}

/** One batch of the epoch's order: its gradient, and with `rate` > 0 the kernels' SGD update. */
function oneBatch(r: Run, start: number, size: number, rate: number): void {
  stage(r, start, size);
  trainBatches(r, r.at.X, r.at.Y, 0, size, size, 1, rate);
  r.result[0] = r.losses[0];
  r.result[1] = r.corrects[0];
}

/**
 * The engine for `setup`, or undefined when WebAssembly SIMD or the memory cannot be had. Plain
 * SGD made by `createOptimizer` (a configuration or the object) runs inside the kernels — whole
 * epochs without a per-step callback, the batch-1 kernels for batch size 1 without L2 — and its
 * step count advances by the updates run; any other optimiser steps over views of the memory.
 */
export function createWasmEngine(setup: EngineSetup): Engine | undefined {
  const plan = planOf(setup);
  const r = setUp(setup, plan);
  if (r === undefined) return undefined;
  const { sgd } = plan;
  const lr = sgd?.learningRate ?? 0;
  const netParams = setup.net.layers.flatMap((l) => [l.kernel.data, l.bias]);
  const loadWeights = () => {
    for (let i = 0; i < r.params.length; i++) r.params[i].set(netParams[i]);
  };
  return {
    name: 'wasm',
    detail: plan.sgd1 ? (plan.twoLayer ? 'sgd1-2layer' : 'sgd1') : undefined,
    result: r.result,
    grads: r.grads,
    startEpoch(order) {
      // The network's arrays hold the truth between epochs (callbacks may read or set them).
      loadWeights();
      r.order = order;
      if (plan.resident && order !== null) r.orderView.set(order);
    },
    runEpoch() {
      if (!plan.wholeEpochs) return false;
      if (plan.sgd1) runSgd1(r, lr);
      else runBatches(r, lr);
      return true;
    },
    gradient: (start, size) => oneBatch(r, start, size, 0),
    validate: () => validate(r, netParams),
    runBatch(start, size) {
      oneBatch(r, start, size, lr);
      if (!Number.isFinite(r.result[0])) return;
      if (sgd) sgd.advance(1);
      else setup.optimizer?.step(r.params, r.grads);
    },
    storeWeights() {
      for (let i = 0; i < r.params.length; i++) netParams[i].set(r.params[i]);
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
    sampleWeights: false,
  },
  available: wasmKernelsAvailable,
  pays,
  create: createWasmEngine,
};
