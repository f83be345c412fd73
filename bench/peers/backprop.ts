/**
 * backprop itself, through its public `fit`: whatever path `fit` selects (the fused fast path,
 * later kernels, or the reference path) is what gets measured. `backprop-ref` forces the
 * reference path (readable matrix kernels) for comparison.
 */

import type { AnyMatrix } from '../../src/core/matrix.js';
import { cloneNetwork, type Dataset, type FitOptions, fit, predict } from '../../src/index.js';
import { copyWeights, rowSlice } from '../../src/kernels.js';
import { LEARNING_RATE, type Problem } from '../workloads.js';
import type { Peer, Session } from './types.js';

/** The first `rows` rows of `m`, a view in either precision. */
function firstRows(m: AnyMatrix, rows: number): AnyMatrix {
  return m.data instanceof Float32Array
    ? { rows, cols: m.cols, data: m.data.subarray(0, rows * m.cols) }
    : rowSlice({ rows: m.rows, cols: m.cols, data: m.data }, 0, rows);
}

function session(problem: Problem, extra: Record<string, unknown>, details: Record<string, string>): Session {
  const w = problem.workload;
  const net = cloneNetwork(problem.initial);
  // float32 runs get float32 features, as a Keras or TF.js user holds them and `--dtype float32`
  // reads a CSV: converted here, once and untimed, as the other float32 peers convert at load.
  const x: AnyMatrix =
    extra.dtype === 'float32'
      ? { rows: problem.samples, cols: w.inputs, data: Float32Array.from(problem.x) }
      : { rows: problem.samples, cols: w.inputs, data: problem.x };
  const y = { rows: problem.samples, cols: 1, data: problem.y };
  const datasets = new Map<number, Dataset<AnyMatrix>>();
  const evalX = { rows: problem.evalSamples, cols: w.inputs, data: problem.evalX };
  // A spread keeps this compiling whether or not FitOptions has the extra (e.g. `reference`) field.
  const options: FitOptions = {
    epochs: 1,
    batchSize: w.batchSize,
    shuffle: false,
    optimizer: { name: 'sgd', learningRate: LEARNING_RATE },
    ...extra,
  };
  return {
    reset() {
      copyWeights(problem.initial, net);
    },
    train(samples) {
      let data = datasets.get(samples);
      if (data === undefined) {
        data = { x: firstRows(x, samples), y: rowSlice(y, 0, samples) };
        datasets.set(samples, data);
      }
      // History.engine says which implementation fit chose (where fit reports it).
      const history = fit(net, data, options) as { engine?: string; threads?: number };
      if (history.engine !== undefined) {
        details.engine = history.threads ? `${history.engine}, ${history.threads} threads` : history.engine;
      }
    },
    predictEval() {
      return predict(net, evalX).data;
    },
  };
}

export const backpropPeer: Peer = {
  name: 'backprop',
  description: "backprop's fit (float64), whatever path it selects",
  workloads: ['W1', 'W2', 'W3'],
  details: {},
  async load(problem) {
    return session(problem, {}, backpropPeer.details!);
  },
};

export const backpropFloat32Peer: Peer = {
  name: 'backprop-f32',
  description: "backprop's fit with { dtype: 'float32' } (the float32 f32x4 kernels)",
  workloads: ['W1', 'W2', 'W3'],
  details: {},
  async load(problem) {
    return session(problem, { dtype: 'float32' }, backpropFloat32Peer.details!);
  },
};

export const backpropReferencePeer: Peer = {
  name: 'backprop-ref',
  description: "backprop's fit with { engine: 'reference' } (the readable matrix kernels)",
  workloads: ['W1', 'W2', 'W3'],
  details: {},
  async load(problem) {
    return session(problem, { engine: 'reference' }, backpropReferencePeer.details!);
  },
};

/** backprop's fit with `threads` forced: the reference path's bits on any count; 1 is issue 13's one-thread figure. */
function threadsPeer(threads: number): Peer {
  const peer: Peer = {
    name: `backprop-${threads}t`,
    description: `backprop's fit with { threads: ${threads} } (each batch split between ${threads} thread(s))`,
    workloads: ['W1', 'W2', 'W3'],
    details: {},
    async load(problem) {
      return session(problem, { threads }, peer.details!);
    },
  };
  return peer;
}

export const backpropOneThreadPeer = threadsPeer(1);
export const backpropTwoThreadsPeer = threadsPeer(2);
