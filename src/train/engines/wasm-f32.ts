/**
 * The float32 engine (`dtype: 'float32'`, Keras's floatx): the WebAssembly engine's memory plan
 * (wasm-layout.ts, the examples streamed span by span through a chunk buffer, rows.ts) with every
 * value stored as float32 — weights, gradients, Z, A, δ and the examples, rounded to float32 as
 * they are gathered — and the products in f32x4 lanes (assembly/kernels-f32.ts). What JavaScript
 * computes of it (the epoch's loss sum) is rounded to float32 too. The network's own arrays stay
 * Float64Array and hold the float32 values exactly between epochs.
 *
 * It is not the reference path's arithmetic, so it is tested within float32 tolerance of it, and
 * bit for bit against itself. There is no fallback: a run it does not cover throws (see
 * {@link float32Engine}) rather than train in float64.
 */

import { ConfigError } from '../../core/errors.js';
import { allFinite } from '../../core/matrix.js';
import {
  instantiateWasmKernelsF32,
  type WasmKernelsF32,
  wasmKernelsF32Available,
} from '../../core/wasm/kernels-f32.js';
import { LOSS_CODES } from '../../nn/losses.js';
import { type OptimizerName, type OptimizerSlotAccess, optimizerSlotAccess } from '../../nn/optimizers.js';
import { runBatchSpans } from './batch-spans.js';
import type { Coverage, Engine, EngineSetup } from './engine.js';
import { gatherRows } from './rows.js';
import { scoreBlockRows, scoreInBlocks } from './score-blocks.js';
import { createSpareInstance } from './spare-instance.js';
import { createArena, layoutNetworkF32 } from './wasm-layout.js';

/** Size of the buffer the examples stream through (at least one batch). */
const CHUNK_BYTES = 1 << 17;

/**
 * What the float32 kernels cover: every activation, the three losses without clipping, the four
 * optimisers (made by `createOptimizer`) run inside the kernels with their state in float32, any
 * batch size. Not clipped cross-entropies nor sample weights: the float64 kernels have neither
 * (those runs take the float64 reference path), and the float32 engine has no reference path to
 * fall back on.
 */
export const FLOAT32_COVERAGE: Coverage = {
  hidden: { sigmoid: true, tanh: true, relu: true, linear: true, softmax: true },
  output: { sigmoid: true, tanh: true, relu: true, linear: true, softmax: true },
  losses: { binary_crossentropy: true, categorical_crossentropy: true, mean_squared_error: true },
  clippedLoss: false,
  optimizers: { sgd: true, momentum: true, nesterov: true, adam: true },
  maxBatchSize: Number.POSITIVE_INFINITY,
  sampleWeights: false,
};

/** What in `setup` the float32 engine lacks a kernel for, or undefined when it covers the run. */
export function float32Gap(setup: EngineSetup): string | undefined {
  const c = FLOAT32_COVERAGE;
  const { net, optimizer, data } = setup;
  const last = net.layers.length - 1;
  for (const [i, l] of net.layers.entries()) {
    if (!(i < last ? c.hidden : c.output)[l.activation.name]) return `the activation ${l.activation.name}`;
  }
  const loss = net.loss.config;
  if (!c.losses[loss.name]) return `the loss ${loss.name}`;
  if (loss.epsilon) return `a clipped cross-entropy (epsilon ${loss.epsilon})`;
  if (
    optimizer !== undefined &&
    (!c.optimizers[optimizer.config.name] || optimizerSlotAccess(optimizer) === undefined)
  ) {
    return `the optimiser ${optimizer.config.name}${c.optimizers[optimizer.config.name] ? ' as an object not made by createOptimizer' : ''}`;
  }
  if (data.w !== undefined) return 'sample weights (class weights)';
  if (!wasmKernelsF32Available()) return 'this runtime (no WebAssembly SIMD)';
  return undefined;
}

/** The kernels' code of each optimiser (`setOptimizer` in assembly/kernels-f32.ts). */
const OPTIMIZER_CODES: Record<OptimizerName, number> = { sgd: 0, momentum: 1, nesterov: 2, adam: 3 };

/** The optimiser's state in float32: its slot arrays in the instance's memory, and the optimiser's own. */
interface Slots {
  access: OptimizerSlotAccess;
  /** Views of the float32 slots, slot 1 then slot 2, in `parameterArrays` order. */
  f32: Float32Array[];
  /** The optimiser's Float64Array slots, in the same order. */
  f64: Float64Array[];
}

/** One run's instance, memory and views. */
interface Run {
  setup: EngineSetup;
  slots: Slots | undefined;
  wasm: WasmKernelsF32;
  table: number;
  kt: number;
  X: number;
  Y: number;
  losses: number;
  corrects: number;
  span: number;
  chunkRows: number;
  lossCode: number;
  xView: Float32Array;
  yView: Float32Array;
  lossView: Float32Array;
  correctView: Int32Array;
  params: Float32Array[];
  grads32: Float32Array[];
  /** The validation data's block buffer and layout (its own Z, A, δ for a block; weights copied in). */
  validation?: {
    rows: number;
    block: number;
    X: number;
    Y: number;
    xView: Float32Array;
    yView: Float32Array;
    table: number;
    params: Float32Array[];
    /** The kernels' running loss sum (f32) and correct count (i32). */
    out: number;
    outCorrect: Int32Array;
  };
  order: Uint32Array | null;
  result: Float64Array;
}

/** The instance the last run that ended normally left (see spare-instance.ts). */
const spare = createSpareInstance<WasmKernelsF32>();

function setUp(setup: EngineSetup): Run | undefined {
  const wasm = spare.take() ?? instantiateWasmKernelsF32();
  if (wasm === undefined) return undefined;
  const { net, data, batchSize } = setup;
  const n = data.x.rows;
  const nIn = data.x.cols;
  const nOut = data.y.cols;
  const bs = Math.min(batchSize, n);
  const span = Math.max(1, Math.floor(CHUNK_BYTES / ((nIn + nOut) * 4 * bs)));
  const chunkRows = Math.min(n, span * bs);
  const arena = createArena(wasm);
  const X = arena.alloc(chunkRows * nIn * 4);
  const Y = arena.alloc(chunkRows * nOut * 4);
  const layout = layoutNetworkF32(arena, net, bs);
  const losses = arena.alloc(span * 4);
  const corrects = arena.alloc(span * 4);
  const access = setup.optimizer && optimizerSlotAccess(setup.optimizer);
  const sizes = net.layers.flatMap((l) => [l.kernel.data.length, l.bias.length]);
  const own = access?.slots(sizes);
  const ownSlots = own ? [...own.slots1, ...own.slots2] : [];
  // Four addresses per layer: slot 1 of kernel and bias, slot 2 of kernel and bias (0: none).
  const slotTable = arena.alloc(net.layers.length * 16);
  const slotAt = ownSlots.map((a) => arena.alloc(a.length * 4));
  const val = setup.validation;
  const block = val ? scoreBlockRows(net, val.x.rows, 4) : 0;
  const v = val && {
    X: arena.alloc(block * nIn * 4),
    Y: arena.alloc(block * nOut * 4),
    out: arena.alloc(8),
    layout: layoutNetworkF32(arena, net, block),
  };
  if (!arena.commit()) return undefined;
  const buf = wasm.memory.buffer;
  let validation: Run['validation'];
  if (val && v) {
    const { params } = v.layout.bind(buf);
    validation = {
      rows: val.x.rows,
      block,
      X: v.X,
      Y: v.Y,
      xView: new Float32Array(buf, v.X, block * nIn),
      yView: new Float32Array(buf, v.Y, block * nOut),
      table: v.layout.table,
      params,
      out: v.out,
      outCorrect: new Int32Array(buf, v.out + 4, 1),
    };
  }
  const { params, grads } = layout.bind(buf);
  const table = new Int32Array(buf, slotTable, net.layers.length * 4);
  slotAt.forEach((at, i) => {
    const p = i % sizes.length;
    table[(p >> 1) * 4 + (p & 1) + (i >= sizes.length ? 2 : 0)] = at;
  });
  if (access) {
    // Every constant a float32 value, as Keras casts them to the variables' dtype: Adam's bias
    // correction uses powers of float32 β1 and β2 (β2 = 0.999 is 0.99900001 in float32, which
    // moves the first steps by 6e-6 relative), 1 − β1 and 1 − β2 are rounded from float64.
    const c = access.config;
    wasm.setOptimizer(
      OPTIMIZER_CODES[c.name],
      Math.fround(c.momentum),
      Math.fround(c.learningRate),
      Math.fround(c.beta1),
      Math.fround(c.beta2),
      Math.fround(1 - c.beta1),
      Math.fround(1 - c.beta2),
      Math.fround(c.epsilon),
      slotTable,
    );
  }
  return {
    setup,
    slots: access && {
      access,
      f32: slotAt.map((at, i) => new Float32Array(buf, at, ownSlots[i].length)),
      f64: ownSlots,
    },
    wasm,
    table: layout.table,
    kt: layout.kt,
    X,
    Y,
    losses,
    corrects,
    span,
    chunkRows,
    lossCode: LOSS_CODES[net.loss.config.name],
    xView: new Float32Array(buf, X, chunkRows * nIn),
    yView: new Float32Array(buf, Y, chunkRows * nOut),
    lossView: new Float32Array(buf, losses, span),
    correctView: new Int32Array(buf, corrects, span),
    params,
    grads32: grads,
    validation,
    order: null,
    result: new Float64Array(4),
  };
}

/** Gathers rows [start, start + count) of the epoch's order into the chunk buffer, as float32. */
function stage(r: Run, start: number, count: number): void {
  const { x, y } = r.setup.data;
  gatherRows(x.data, x.cols, r.order, start, count, r.xView);
  gatherRows(y.data, y.cols, r.order, start, count, r.yView);
}

/** `count` batches of `size` from the `rows` staged rows; `rate` 0: gradients only. */
function run(
  r: Run,
  table: number,
  kt: number,
  x: number,
  y: number,
  rows: number,
  size: number,
  count: number,
  rate: number,
) {
  const depth = r.setup.net.layers.length;
  const l2 = Math.fround(r.setup.l2);
  return r.wasm.trainBatches(table, depth, r.lossCode, x, y, rows, size, count, rate, l2, kt, r.losses, r.corrects);
}

/** A whole epoch of mini-batches, span by span, each batch followed by its SGD update (until `stop`). */
function runEpoch(r: Run, lr: number, stop?: () => boolean): void {
  const { batchSize } = r.setup;
  runBatchSpans(
    {
      rows: r.setup.data.x.rows,
      batchSize,
      span: r.span,
      train(start, rows, count) {
        stage(r, start, rows);
        return run(r, r.table, r.kt, r.X, r.Y, rows, batchSize, count, lr);
      },
      losses: r.lossView,
      corrects: r.correctView,
      add: (sum, loss, size) => Math.fround(sum + Math.fround(loss * size)),
      sgd: r.slots?.access,
      result: r.result,
    },
    stop,
  );
}

/** One batch of the epoch's order: its gradient, and with `rate` > 0 the SGD update. */
function oneBatch(r: Run, start: number, size: number, rate: number): void {
  stage(r, start, size);
  run(r, r.table, r.kt, r.X, r.Y, size, size, 1, rate);
  r.result[0] = r.lossView[0];
  r.result[1] = r.correctView[0];
}

/**
 * The validation data through `weights` (rounded to float32), block by block, forward only: the
 * bits of one `trainBatches` batch of all its rows (the kernel carries the f32 loss sum across
 * blocks; see score-blocks.ts).
 */
function validate(r: Run, weights: Float64Array[]): void {
  const v = r.validation;
  const val = r.setup.validation;
  if (v === undefined || val === undefined) return;
  for (let i = 0; i < v.params.length; i++) v.params[i].set(weights[i]);
  const depth = r.setup.net.layers.length;
  new Float32Array(r.wasm.memory.buffer, v.out, 1)[0] = 0;
  v.outCorrect[0] = 0;
  scoreInBlocks(v.rows, v.block, (start, count) => {
    gatherRows(val.x.data, val.x.cols, null, start, count, v.xView);
    gatherRows(val.y.data, val.y.cols, null, start, count, v.yView);
    r.wasm.evaluateRows(v.table, depth, r.lossCode, v.X, v.Y, count, v.out);
  });
  r.result[0] = r.wasm.meanLoss(v.table, depth, r.lossCode, v.rows, Math.fround(r.setup.l2), v.out);
  r.result[1] = v.outCorrect[0];
}

/**
 * The float32 engine for `setup`, or undefined when the instance or its memory cannot be had.
 * Callers check {@link float32Gap} first.
 */
export function createWasmF32Engine(setup: EngineSetup): Engine | undefined {
  const r = setUp(setup);
  if (r === undefined) return undefined;
  const lr = Math.fround(r.slots?.access.config.learningRate ?? 0);
  const netParams = setup.net.layers.flatMap((l) => [l.kernel.data, l.bias]);
  // Made on the first `gradient` call (a gradient check): a run that only trains never reads them.
  let grads: Float64Array[] | undefined;
  const float64Grads = () => {
    grads ??= r.grads32.map((g) => new Float64Array(g.length));
    return grads;
  };
  const loadWeights = () => {
    for (let i = 0; i < r.params.length; i++) r.params[i].set(netParams[i]);
  };
  // The optimiser's own arrays hold its state between epochs, as the network's hold the weights:
  // read (rounded to float32) at each epoch's start, written back (exactly) by storeWeights.
  const loadSlots = () => {
    if (r.slots === undefined) return;
    r.slots.f32.forEach((a, i) => a.set(r.slots!.f64[i]));
    r.wasm.setStep(setup.optimizer!.iterations);
  };
  const storeSlots = () => r.slots?.f32.forEach((a, i) => r.slots!.f64[i].set(a));
  // A diverged run's weights go back to the epoch's start, but its optimiser keeps the updates
  // that ran, as the float64 path's does: the slots must agree with the step count advanced.
  const keepSlotsIfDiverged = () => {
    if (!Number.isFinite(r.result[0])) storeSlots();
  };
  return {
    name: 'wasm',
    detail: 'float32',
    result: r.result,
    get grads() {
      return float64Grads();
    },
    startEpoch(order) {
      loadWeights();
      loadSlots();
      r.order = order;
    },
    runEpoch(stop) {
      if (setup.perStepCallback) return false;
      runEpoch(r, lr, stop);
      if (r.result[2] > 0) keepSlotsIfDiverged();
      return true;
    },
    gradient(start, size) {
      oneBatch(r, start, size, 0);
      const g = float64Grads();
      for (let i = 0; i < g.length; i++) g[i].set(r.grads32[i]);
    },
    validate: () => validate(r, netParams),
    runBatch(start, size) {
      oneBatch(r, start, size, lr);
      if (Number.isFinite(r.result[0])) r.slots?.access.advance(1);
      else keepSlotsIfDiverged();
    },
    weightsFinite: () => r.params.every(allFinite),
    storeWeights() {
      for (let i = 0; i < r.params.length; i++) netParams[i].set(r.params[i]);
      storeSlots();
    },
    loadWeights,
    release: () => spare.keep(r.wasm),
  };
}

/**
 * The engine for a `dtype: 'float32'` run: the float32 engine, or a ConfigError naming what it
 * lacks a kernel for (never a silent float64 run).
 * @param setup the run
 */
export function float32Engine(setup: EngineSetup): Engine {
  const gap = float32Gap(setup);
  if (gap !== undefined) {
    throw new ConfigError(`dtype 'float32' has no kernel for ${gap}; train this run with dtype 'float64'`);
  }
  const engine = createWasmF32Engine(setup);
  if (engine === undefined) throw new ConfigError("dtype 'float32': WebAssembly memory for the run was refused");
  return engine;
}
