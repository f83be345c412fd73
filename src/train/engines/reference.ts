/**
 * The reference engine: each batch is gathered into a matrix, passed through {@link backProp}
 * (the notes' equations over matrix kernels) and handed to the optimiser. The path to read beside
 * the derivation, the one the other engines are tested against, and the fallback for every run
 * another engine does not cover.
 */
import type { Matrix } from '../../core/matrix.js';
import { backProp, createGradients, gradientArrays, lossOf } from '../../nn/backprop.js';
import { LOSS_NAMES } from '../../nn/losses.js';
import { createWorkspace, parameterArrays, type Workspace } from '../../nn/network.js';
import { OPTIMIZER_NAMES } from '../../nn/optimizers.js';
import { countCorrect } from '../metrics.js';
import { ALL_ACTIVATIONS, all, type Engine, type EngineKind, type EngineSetup, float64Data } from './engine.js';
import { gatherRows } from './rows.js';

/** A batch of one size: its rows and the forward/backward workspace. */
interface Batch {
  x: Matrix;
  y: Matrix;
  ws: Workspace;
  /** The examples' weights, when the data has them. */
  w?: Float64Array;
}

/** The reference engine for `setup`. */
export function createReferenceEngine(setup: EngineSetup): Engine {
  const { net, data, optimizer, l2 } = setup;
  const full = Math.min(setup.batchSize, data.x.rows);
  const xs = new Float64Array(full * data.x.cols);
  const ys = new Float64Array(full * data.y.cols);
  const ws = data.w ? new Float64Array(full) : undefined;
  const grads = createGradients(net);
  const gradArrays = gradientArrays(grads);
  const params = parameterArrays(net);
  const classify = net.loss.config.name !== 'mean_squared_error';
  const batches = new Map<number, Batch>(); // one for full batches, one for the last
  const batchOf = (size: number): Batch => {
    let b = batches.get(size);
    if (b === undefined) {
      b = {
        x: { rows: size, cols: data.x.cols, data: xs.subarray(0, size * data.x.cols) },
        y: { rows: size, cols: data.y.cols, data: ys.subarray(0, size * data.y.cols) },
        ws: createWorkspace(net, size),
        ...(ws ? { w: ws.subarray(0, size) } : {}),
      };
      batches.set(size, b);
    }
    return b;
  };
  const result = new Float64Array(4);
  let order: Uint32Array | null = null;
  let validation: Workspace | undefined;

  const gradient = (start: number, size: number) => {
    const { x, y, ws, w } = batchOf(size);
    gatherRows(data.x.data, data.x.cols, order, start, size, x.data);
    gatherRows(data.y.data, data.y.cols, order, start, size, y.data);
    if (w && data.w) gatherRows(data.w, 1, order, start, size, w);
    result[0] = backProp(net, x, y, ws, grads, l2, w);
    result[1] = classify ? countCorrect(ws.a[ws.a.length - 1], y) : 0;
  };
  return {
    name: 'reference',
    result,
    grads: gradArrays,
    params,
    startEpoch(o) {
      order = o;
    },
    runEpoch: () => false,
    gradient,
    runBatch(start, size) {
      gradient(start, size);
      if (Number.isFinite(result[0])) optimizer?.step(params, gradArrays);
    },
    validate() {
      if (setup.validation === undefined) return;
      const val = float64Data(setup.validation);
      validation ??= createWorkspace(net, val.x.rows);
      result[0] = lossOf(net, val.x, val.y, validation, l2);
      result[1] = classify ? countCorrect(validation.a[validation.a.length - 1], val.y) : 0;
    },
    storeWeights() {},
    loadWeights() {},
  };
}

/** The reference path covers every kind of the vocabulary and every batch shape. */
export const referenceEngine: EngineKind = {
  name: 'reference',
  coverage: {
    hidden: ALL_ACTIVATIONS,
    output: ALL_ACTIVATIONS,
    losses: all(LOSS_NAMES),
    clippedLoss: true,
    optimizers: all(OPTIMIZER_NAMES),
    maxBatchSize: Number.POSITIVE_INFINITY,
    sampleWeights: true,
  },
  available: () => true,
  pays: () => true,
  create: createReferenceEngine,
};
