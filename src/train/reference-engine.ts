/**
 * The reference engine: each batch is gathered into a matrix, passed through {@link backProp}
 * (the notes' equations over matrix kernels) and handed to the optimiser. The path to read
 * beside the derivation, and the one the fast engines are tested against.
 */
import { type Matrix, rowSlice, zeros } from '../core/matrix.js';
import { backProp, createGradients, gradientArrays } from '../nn/backprop.js';
import { createWorkspace, parameterArrays, type Workspace } from '../nn/network.js';
import { countCorrect } from './metrics.js';
import type { EngineSetup, TrainingEngine } from './training-engine.js';

/** Copies rows `order[start..start+count)` of `src` into the first `count` rows of `dst`. */
function gatherRows(src: Matrix, order: Uint32Array, start: number, count: number, dst: Matrix): Matrix {
  const c = src.cols;
  for (let i = 0; i < count; i++) {
    const r = order[start + i];
    dst.data.set(src.data.subarray(r * c, r * c + c), i * c);
  }
  return count === dst.rows ? dst : rowSlice(dst, 0, count);
}

/** The reference engine for `setup`. */
export function createReferenceEngine(setup: EngineSetup): TrainingEngine {
  const { net, data, optimizer, batchSize, l2 } = setup;
  const fullBatch = Math.min(batchSize, data.x.rows);
  const xb = zeros(fullBatch, data.x.cols);
  const yb = zeros(fullBatch, data.y.cols);
  const grads = createGradients(net);
  const params = parameterArrays(net);
  const gradArrays = gradientArrays(grads);
  const classify = net.loss.config.name !== 'mean_squared_error';
  const workspaces = new Map<number, Workspace>(); // one for full batches, one for the last
  const result = new Float64Array(3);
  let order: Uint32Array | null = null;

  return {
    name: 'reference',
    result,
    startEpoch(o) {
      order = o;
    },
    runEpoch: () => false,
    runBatch(_b, start, size) {
      const x = order ? gatherRows(data.x, order, start, size, xb) : rowSlice(data.x, start, size);
      const y = order ? gatherRows(data.y, order, start, size, yb) : rowSlice(data.y, start, size);
      let ws = workspaces.get(size);
      if (ws === undefined) {
        ws = createWorkspace(net, size);
        workspaces.set(size, ws);
      }
      const loss = backProp(net, x, y, ws, grads, l2);
      result[0] = loss;
      result[1] = classify ? countCorrect(ws.a[ws.a.length - 1], y) : 0;
      if (Number.isFinite(loss)) optimizer.step(params, gradArrays);
    },
    storeWeights() {},
    loadWeights() {},
  };
}
