/**
 * backprop itself, through its public `fit`: whatever path `fit` selects (the fused fast path,
 * later kernels, or the reference path) is what gets measured. `backprop-ref` forces the
 * reference path (readable matrix kernels) for comparison.
 */

import type { AnyMatrix } from '../../src/core/matrix.js';
import {
  cloneNetwork,
  createOptimizer,
  type Dataset,
  type FitOptions,
  fit,
  type Network,
  predict,
} from '../../src/index.js';
import { copyWeights, rowSlice } from '../../src/kernels.js';
import type { Engine } from '../../src/train/engines/engine.js';
import { selectEngine } from '../../src/train/engines/select.js';
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
        details.engine = history.threads ? `${history.engine}, ${history.threads} thread(s), sharded` : history.engine;
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

/** backprop's fit with `threads` forced: on a run the rule shards, the same bits on 1 or 2 threads. */
function threadsPeer(threads: number): Peer {
  const peer: Peer = {
    name: `backprop-${threads}t`,
    description: `backprop's fit with { threads: ${threads} } (a run the rule shards: both shards on ${threads} thread(s))`,
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

/**
 * One epoch of plain SGD (the bench's learning rate, in order) by the engine `choice` selects,
 * alone on the calling thread: `fit`'s unsharded epoch (engine selected, the epoch in the engine,
 * the weights stored back). Returns the engine that ran.
 */
export function engineEpoch(choice: 'auto' | 'reference', net: Network, data: Dataset, batchSize: number): Engine {
  const setup = {
    net,
    data,
    optimizer: createOptimizer({ name: 'sgd', learningRate: LEARNING_RATE }),
    batchSize,
    l2: 0,
    epochs: 1,
    perStepCallback: false,
  };
  const engine = selectEngine(choice, setup);
  engine.startEpoch(null);
  if (!engine.runEpoch()) {
    for (let start = 0; start < data.x.rows; start += batchSize) {
      engine.runBatch(start, Math.min(batchSize, data.x.rows - start));
    }
  }
  engine.storeWeights();
  return engine;
}

/**
 * The engine alone on the calling thread: what `fit` runs for a run its sharding rule leaves
 * alone, bit-identical to the reference path run the same way ({@link engineEpoch}). On W3, where
 * `fit` shards by default (and `threads: 1` still computes two shards), this is the single-thread
 * figure of the engine's own kernels; it is not `backprop-ref`'s bits there, since `fit` shards the
 * reference path too and adds each gradient's two halves.
 */
export const backpropUnshardedPeer: Peer = {
  name: 'backprop-unsharded',
  description: "backprop's engine alone on one thread, as fit runs an unsharded run (bit-identical to the reference)",
  workloads: ['W1', 'W2', 'W3'],
  details: {},
  async load(problem) {
    const w = problem.workload;
    const net = cloneNetwork(problem.initial);
    const x = { rows: problem.samples, cols: w.inputs, data: problem.x };
    const y = { rows: problem.samples, cols: 1, data: problem.y };
    const evalX = { rows: problem.evalSamples, cols: w.inputs, data: problem.evalX };
    const details = backpropUnshardedPeer.details!;
    return {
      reset() {
        copyWeights(problem.initial, net);
      },
      train(samples) {
        const data: Dataset = { x: rowSlice(x, 0, samples), y: rowSlice(y, 0, samples) };
        const engine = engineEpoch('auto', net, data, w.batchSize);
        details.engine = engine.detail ? `${engine.name} (${engine.detail})` : engine.name;
      },
      predictEval() {
        return predict(net, evalX).data;
      },
    };
  },
};
