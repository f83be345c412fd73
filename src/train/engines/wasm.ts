/**
 * The WebAssembly SIMD engine: the weights, the gradients and each layer's Z, A and δ for a batch
 * live in the linear memory of one instance of the kernels (src/core/wasm), laid out by
 * wasm-layout.ts. The examples are streamed: each span of batches is gathered, in the epoch's
 * order, into a buffer that stays in the L2 cache (rows.ts) — except that the batch-1 kernels
 * hold a small training set whole and read it through the order (see SGD1_RESIDENT_BYTES) — and
 * runs in one call: forward, loss, backward, L2 penalty and, for plain SGD, the update. Other
 * optimisers step in JavaScript over views of the same memory after each batch's gradient.
 *
 * The kernels perform the reference path's floating-point operations in the same order (see
 * assembly/kernels.ts and docs/wasm.md), so `fit` gives the same bits whichever engine runs.
 */
import { allFinite } from '../../core/matrix.js';
import type { Random } from '../../core/random.js';
import { instantiateWasmKernels, type WasmKernels, wasmKernelsAvailable } from '../../core/wasm/kernels.js';
import { LOSS_CODES } from '../../nn/losses.js';
import type { Network } from '../../nn/network.js';
import { type KernelUpdate, kernelUpdate } from '../../nn/optimizers.js';
import { runBatchSpans } from './batch-spans.js';
import type { Engine, EngineKind, EngineSetup } from './engine.js';
import { gatherRows } from './rows.js';
import { scoreBlockRows, scoreInBlocks } from './score-blocks.js';
import { createSpareInstance } from './spare-instance.js';
import { createArena, layoutNetwork } from './wasm-layout.js';

/** Widest hidden layer the specialised two-layer batch-1 kernel takes (its weights stay in L1). */
export const SGD1_TWO_LAYER_MAX_HIDDEN = 16;
/** Widest input it takes. */
export const SGD1_TWO_LAYER_MAX_INPUT = 64;
/** Size of the buffer the examples stream through (at least one batch). */
const CHUNK_BYTES = 1 << 18;
/**
 * Largest training set (X, Y and the order, in bytes) the batch-1 kernels hold in the engine's
 * memory and read through the epoch's order, instead of streaming: a shuffled row gathered
 * in JavaScript waits for its cache miss, where the kernels read it ahead and overlap the miss
 * with the chain of updates. Larger sets stream, so their memory does not double. Validation
 * data of at most this many bytes (X and Y) is likewise held whole, in every run.
 */
export const SGD1_RESIDENT_BYTES = 1 << 25;
let residentLimit = SGD1_RESIDENT_BYTES;

/**
 * Sets the largest resident training set (and validation set) in bytes (0: every run streams,
 * as the tests of the streamed path need on small data); returns the previous limit.
 * @param bytes the new limit
 */
export function setSgd1ResidentBytes(bytes: number): number {
  const before = residentLimit;
  residentLimit = bytes;
  return before;
}
/** Forward multiply-adds per whole-epoch kernel call when a stop check is given (~1 ms of work). */
const STOP_SPAN_WORK = 1 << 20;

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
  /** The batch-1 kernels read the training set from a copy in the engine's memory (see {@link SGD1_RESIDENT_BYTES}). */
  resident: boolean;
}

/** An engine's instance, memory and views (the memory no longer grows, so they stay attached). */
interface Run {
  setup: EngineSetup;
  plan: Plan;
  wasm: WasmKernels;
  /** Addresses: layer table, transposed-kernel scratch, chunk buffer, … */
  at: {
    table: number;
    kt: number;
    X: number;
    Y: number;
    xb: number;
    yb: number;
    losses: number;
    corrects: number;
    out: number;
    scratch: number;
    residentX: number;
    residentY: number;
    order: number;
    /** The generator's state words while the module shuffles the order (see `takeShuffle`). */
    shuffle: number;
  };
  /** Batches per whole-epoch kernel call, and rows in the chunk buffer. */
  span: number;
  chunkRows: number;
  lossCode: number;
  xView: Float64Array;
  yView: Float64Array;
  losses: Float64Array;
  corrects: Int32Array;
  /** The batch-1 kernels' running loss sum and correct count. */
  outLoss: Float64Array;
  outCorrect: Int32Array;
  params: Float64Array[];
  grads: Float64Array[];
  /**
   * The validation data's block buffer and layout (its own Z, A, δ for a block; weights copied
   * in). `resident`: X and Y hold all the rows, copied in once (see {@link SGD1_RESIDENT_BYTES}).
   */
  validation?: {
    rows: number;
    block: number;
    resident: boolean;
    X: number;
    Y: number;
    xView: Float64Array;
    yView: Float64Array;
    table: number;
    params: Float64Array[];
  };
  /** The epoch's order (null: as stored), and its copy in memory when the training set is resident. */
  order: Uint32Array | null;
  orderView: Uint32Array;
  /** When the engine shuffles (see `takeShuffle`): the generator, and its state in memory. */
  shuffler?: { rng: Random; state: Int32Array; started: boolean };
  result: Float64Array;
}

function planOf(setup: EngineSetup): Plan {
  const sgd = setup.optimizer ? kernelUpdate(setup.optimizer) : undefined;
  const wholeEpochs = sgd !== undefined && !setup.perStepCallback;
  const sgd1 = wholeEpochs && setup.batchSize === 1 && setup.l2 === 0;
  const { x, y } = setup.data;
  const residentBytes = x.rows * ((x.cols + y.cols) * 8 + 4);
  return {
    sgd,
    wholeEpochs,
    sgd1,
    twoLayer: sgd1 && twoLayerShaped(setup.net),
    // Only a shuffled epoch gains: in order, the streamed chunks are read as fast and cost no copy.
    resident: sgd1 && setup.shuffled === true && residentBytes <= residentLimit,
  };
}

/** The instance the last run that ended normally left (see spare-instance.ts). */
const spare = createSpareInstance<WasmKernels>();

/** Lays the run out in the spare instance's memory or a fresh one's; undefined when the instance or memory cannot be had. */
function setUp(setup: EngineSetup, plan: Plan): Run | undefined {
  const wasm = spare.take() ?? instantiateWasmKernels();
  if (wasm === undefined) return undefined;
  const { net, data, batchSize } = setup;
  const n = data.x.rows;
  const nIn = data.x.cols;
  const nOut = data.y.cols;
  const bs = Math.min(batchSize, n);
  const chunkBatches = Math.max(1, Math.floor(CHUNK_BYTES / ((nIn + nOut) * 8 * bs)));
  const chunkRows = Math.min(n, chunkBatches * bs);
  const span = chunkBatches;
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
    // The kernels gather a batch into xb/yb only when given an order, which they never are here.
    xb: alloc(8),
    yb: alloc(8),
    losses: alloc(span * 8),
    corrects: alloc(span * 4),
    out: alloc(24), // loss sum, correct count, and the kernels' `touch` sum
    scratch: plan.twoLayer ? alloc(twoLayerScratchBytes(nIn, net.layers[0].bias.length)) : 0,
    // The resident training set and its order (see SGD1_RESIDENT_BYTES), else 0.
    residentX: plan.resident ? alloc(n * nIn * 8) : 0,
    residentY: plan.resident ? alloc(n * nOut * 8) : 0,
    order: plan.resident ? alloc(n * 4) : 0,
    shuffle: plan.resident ? alloc(16) : 0,
  };
  const val = setup.validation;
  const block = val ? scoreBlockRows(net, val.x.rows, 8) : 0;
  // Small validation data is held whole, so no block is gathered in JavaScript each epoch.
  const valResident = val !== undefined && val.x.rows * (nIn + nOut) * 8 <= residentLimit;
  const valRows = valResident ? val.x.rows : block;
  const v = val && {
    X: alloc(valRows * nIn * 8),
    Y: alloc(valRows * nOut * 8),
    layout: layoutNetwork(arena, net, block),
  };
  if (!arena.commit()) return undefined; // more than the runtime gives WebAssembly
  const buf = wasm.memory.buffer;
  let validation: Run['validation'];
  if (val && v) {
    const { params } = v.layout.bind(buf);
    validation = {
      rows: val.x.rows,
      block,
      resident: valResident,
      X: v.X,
      Y: v.Y,
      xView: new Float64Array(buf, v.X, valRows * nIn),
      yView: new Float64Array(buf, v.Y, valRows * nOut),
      table: v.layout.table,
      params,
    };
    if (valResident) {
      validation.xView.set(val.x.data.subarray(0, valRows * nIn) as Float64Array);
      validation.yView.set(val.y.data.subarray(0, valRows * nOut));
    }
  }
  if (plan.resident) {
    new Float64Array(buf, at.residentX, n * nIn).set(data.x.data.subarray(0, n * nIn));
    new Float64Array(buf, at.residentY, n * nOut).set(data.y.data.subarray(0, n * nOut));
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
    losses: new Float64Array(buf, at.losses, span),
    corrects: new Int32Array(buf, at.corrects, span),
    outLoss: new Float64Array(buf, at.out, 1),
    outCorrect: new Int32Array(buf, at.out + 8, 1),
    ...layout.bind(buf),
    validation,
    order: null,
    orderView: new Uint32Array(buf, at.order, plan.resident ? n : 0),
    result: new Float64Array(4),
  };
}

/** Gathers rows [start, start + count) of the epoch's order into the chunk buffer. */
function stage(r: Run, start: number, count: number): void {
  const { x, y } = r.setup.data;
  gatherRows(x.data, x.cols, r.order, start, count, r.xView);
  gatherRows(y.data, y.cols, r.order, start, count, r.yView);
}

/** Rows per whole-epoch kernel call: all `rows` without a stop check, else ~{@link STOP_SPAN_WORK}'s worth. */
function spanRows(r: Run, rows: number, stop: (() => boolean) | undefined): number {
  if (stop === undefined) return rows;
  let work = 0;
  for (const l of r.setup.net.layers) work += l.kernel.rows * l.kernel.cols;
  return Math.max(1, Math.min(rows, Math.floor(STOP_SPAN_WORK / Math.max(work, 1))));
}

/** `count` batches of `size` from `rows` staged rows at x, y; `rate` 0: gradients only. */
function trainBatches(r: Run, x: number, y: number, rows: number, size: number, count: number, rate: number) {
  const { at } = r;
  const depth = r.setup.net.layers.length;
  return r.wasm.trainBatches(
    at.table,
    depth,
    r.lossCode,
    x,
    y,
    0,
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

/** A whole epoch, one example at a time, in the batch-1 kernels (until `stop`, checked between calls). */
function runSgd1(r: Run, lr: number, stop?: () => boolean): void {
  const { at, wasm, result } = r;
  const n = r.setup.data.x.rows;
  const depth = r.setup.net.layers.length;
  r.outLoss[0] = 0;
  r.outCorrect[0] = 0;
  let steps = n;
  const { resident } = r.plan;
  const rows = spanRows(r, resident ? n : r.chunkRows, stop);
  const shuffled = r.order !== null;
  const { cols: nIn } = r.setup.data.x;
  const nOut = r.setup.data.y.cols;
  for (let start = 0; start < n; start += rows) {
    const count = Math.min(rows, n - start);
    // Resident: the kernels read the rows in place, through the order's copy when shuffled.
    let X = at.X;
    let Y = at.Y;
    let order = 0;
    if (!resident) stage(r, start, count);
    else {
      const first = shuffled ? 0 : start;
      X = at.residentX + first * nIn * 8;
      Y = at.residentY + first * nOut * 8;
      if (shuffled) order = at.order + start * 4;
    }
    // The kernels carry the running loss sum and correct count on from `out`.
    const ran = r.plan.twoLayer
      ? wasm.sgd1TwoLayer(at.table, X, Y, order, count, lr, at.scratch, at.out)
      : wasm.sgd1Epoch(at.table, depth, r.lossCode, X, Y, order, count, lr, at.out);
    if (ran < count || !Number.isFinite(r.outLoss[0])) {
      steps = start + ran;
      break;
    }
    if (start + count < n && stop?.()) {
      steps = start + count;
      break;
    }
  }
  // On a non-finite loss the kernels stop at that step, before its update: the loss itself
  // tells failure from success (the failing step may be the last).
  const failed = !Number.isFinite(r.outLoss[0]);
  result[0] = r.outLoss[0];
  result[1] = r.outCorrect[0];
  result[2] = failed ? steps : 0;
  result[3] = steps;
  r.plan.sgd?.advance(failed ? steps - 1 : steps);
}

/** A whole epoch of mini-batches, span by span, each batch followed by its SGD update (until `stop`). */
function runBatches(r: Run, lr: number, stop?: () => boolean): void {
  const { batchSize } = r.setup;
  runBatchSpans(
    {
      rows: r.setup.data.x.rows,
      batchSize,
      span: stop ? Math.max(1, Math.floor(spanRows(r, r.span * batchSize, stop) / batchSize)) : r.span,
      train(start, rows, count) {
        stage(r, start, rows);
        return trainBatches(r, r.at.X, r.at.Y, rows, batchSize, count, lr);
      },
      losses: r.losses,
      corrects: r.corrects,
      add: (sum, loss, size) => sum + loss * size,
      sgd: r.plan.sgd,
      result: r.result,
    },
    stop,
  );
}

/**
 * The validation data through `weights` (the network's arrays), block by block, forward only:
 * the loss and the correct count `lossOf` and `countCorrect` give over all its rows at once (the
 * kernel carries the loss sum across blocks; see score-blocks.ts).
 */
function validate(r: Run, weights: Float64Array[]): void {
  const v = r.validation;
  const val = r.setup.validation;
  if (v === undefined || val === undefined) return;
  for (let i = 0; i < v.params.length; i++) v.params[i].set(weights[i]);
  const depth = r.setup.net.layers.length;
  const { out } = r.at;
  r.outLoss[0] = 0;
  r.outCorrect[0] = 0;
  const { cols: nIn } = val.x;
  const nOut = val.y.cols;
  scoreInBlocks(v.rows, v.block, (start, count) => {
    if (v.resident) {
      r.wasm.evaluateRows(v.table, depth, r.lossCode, v.X + start * nIn * 8, v.Y + start * nOut * 8, count, out);
      return;
    }
    gatherRows(val.x.data, nIn, null, start, count, v.xView);
    gatherRows(val.y.data, nOut, null, start, count, v.yView);
    r.wasm.evaluateRows(v.table, depth, r.lossCode, v.X, v.Y, count, out);
  });
  r.result[0] = r.wasm.meanLoss(v.table, depth, r.lossCode, v.rows, r.setup.l2, out);
  r.result[1] = r.outCorrect[0];
}

/**
 * Starts an epoch of an engine that shuffles: its copy of the order (`order` on the first epoch)
 * shuffled in place by the module, with the generator's state taken from and handed back to
 * `rng`, as `rng.shuffle(order)` would leave both.
 */
function startShuffledEpoch(r: Run, order: Uint32Array): void {
  const sh = r.shuffler!;
  if (!sh.started) {
    r.orderView.set(order);
    sh.started = true;
  }
  sh.state.set(sh.rng.state);
  r.wasm.shuffleIndices(r.at.shuffle, r.at.order, r.orderView.length);
  sh.rng.state.set(sh.state);
  r.order = order;
}

/** One batch of the epoch's order: its gradient, and with `rate` > 0 the kernels' SGD update. */
function oneBatch(r: Run, start: number, size: number, rate: number): void {
  stage(r, start, size);
  trainBatches(r, r.at.X, r.at.Y, size, size, 1, rate);
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
    params: r.params,
    startEpoch(order) {
      // The network's arrays hold the truth between epochs (callbacks may read or set them).
      loadWeights();
      if (r.shuffler && order !== null) return startShuffledEpoch(r, order);
      r.order = order;
      if (plan.resident && order !== null) r.orderView.set(order);
    },
    // A resident batch-1 run shuffles its copy of the order in the module, in place.
    takeShuffle(rng) {
      if (!plan.resident) return false;
      r.shuffler = { rng, state: new Int32Array(r.wasm.memory.buffer, r.at.shuffle, 4), started: false };
      return true;
    },
    runEpoch(stop) {
      if (!plan.wholeEpochs) return false;
      if (plan.sgd1) runSgd1(r, lr, stop);
      else runBatches(r, lr, stop);
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
    weightsFinite: () => r.params.every(allFinite),
    storeWeights() {
      for (let i = 0; i < r.params.length; i++) netParams[i].set(r.params[i]);
    },
    loadWeights,
    release: () => spare.keep(r.wasm),
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
