/**
 * A run of the playground, free of the DOM and of messages so that Node tests can run it too:
 * the network, the optimiser (whose state persists across slices) and the epoch's shuffled order.
 * Training goes a slice of batches at a time with the library's `fit`, each slice given the rest
 * of the current epoch's shuffled examples without reshuffling, so any way of cutting an epoch
 * into slices gives the same weights, bit for bit.
 */
import {
  accuracy,
  createNetwork,
  createOptimizer,
  createRandom,
  createWorkspace,
  fit,
  forwardProp,
  lossOf,
  type Matrix,
  type Network,
  networkFromWeights,
  type Optimizer,
  predictedClasses,
  type Random,
  targetClasses,
  zeros,
} from './library.js';
import type { CurvePoint, RunSpec, Snapshot } from './protocol.js';

export interface Run {
  spec: RunSpec;
  net: Network;
  optimizer: Optimizer;
  shuffle: Random;
  order: Uint32Array;
  batches: number;
  epoch: number;
  batch: number;
  steps: number;
  curve: CurvePoint[];
}

/** A new run: weights from the initialiser seed, no step taken. */
export function startRun(spec: RunSpec): Run {
  const net = spec.weights
    ? networkFromWeights(spec.config, spec.weights)
    : createNetwork(spec.config, { seed: spec.initSeed });
  const n = spec.train.x.rows;
  return {
    spec,
    net,
    optimizer: createOptimizer({ name: spec.optimizer, learningRate: spec.learningRate }),
    shuffle: createRandom(spec.shuffleSeed),
    order: Uint32Array.from({ length: n }, (_, i) => i),
    batches: Math.ceil(n / spec.batchSize),
    epoch: 0,
    batch: 0,
    steps: 0,
    curve: [],
  };
}

function gather(m: Matrix, order: Uint32Array, from: number, to: number): Matrix {
  const out = zeros(to - from, m.cols);
  for (let r = from; r < to; r++)
    out.data.set(m.data.subarray(order[r] * m.cols, (order[r] + 1) * m.cols), (r - from) * m.cols);
  return out;
}

/**
 * Loss and accuracy on a whole set, the output layer's predicted classes too.
 * @param net the network
 * @param data the set's inputs and targets
 * @param threshold for one sigmoid output: class 1 from this probability on (default 0.5)
 */
export function measure(
  net: Network,
  data: { x: Matrix; y: Matrix },
  threshold?: number,
): { loss: number; accuracy: number; predicted: Int32Array } {
  const ws = createWorkspace(net, data.x.rows);
  const loss = lossOf(net, data.x, data.y, ws);
  const out = ws.a[ws.a.length - 1];
  if (threshold === undefined || out.cols !== 1)
    return { loss, accuracy: accuracy(out, data.y), predicted: predictedClasses(out) };
  // As the library's evaluateModel reads a model file's threshold.
  const predicted = Int32Array.from(out.data, (p) => (p >= threshold ? 1 : 0));
  const truth = targetClasses(data.y);
  const correct = predicted.reduce((n, c, i) => n + (c === truth[i] ? 1 : 0), 0);
  return { loss, accuracy: data.y.rows === 0 ? Number.NaN : correct / data.y.rows, predicted };
}

/** Runs up to `limit` optimiser steps, stopping early at `deadline` (performance.now()). */
export function trainSteps(r: Run, limit: number, deadline: number): void {
  const { spec, net } = r;
  const n = spec.train.x.rows;
  let done = 0;
  while (done < limit && performance.now() < deadline) {
    if (r.batch === 0) r.shuffle.shuffle(r.order);
    const want = Math.min(r.batches - r.batch, limit - done);
    const from = r.batch * spec.batchSize;
    const to = Math.min(n, (r.batch + want) * spec.batchSize);
    const chunk = { x: gather(spec.train.x, r.order, from, to), y: gather(spec.train.y, r.order, from, to) };
    let ran = 0;
    fit(net, chunk, {
      epochs: 1,
      batchSize: spec.batchSize,
      shuffle: false,
      optimizer: r.optimizer,
      l2: spec.l2,
      onBatchEnd: () => {
        ran++;
        return ran < want && performance.now() < deadline;
      },
    });
    done += ran;
    r.steps += ran;
    r.batch += ran;
    if (r.batch === r.batches) {
      r.batch = 0;
      r.epoch++;
      const train = measure(net, spec.train, spec.threshold);
      const test = measure(net, spec.test, spec.threshold);
      r.curve.push({
        epoch: r.epoch,
        trainLoss: train.loss,
        testLoss: test.loss,
        trainAccuracy: train.accuracy,
        testAccuracy: test.accuracy,
      });
    }
  }
}

/** The run as the page draws it; hands over (and forgets) the curve points gathered since the last call. */
export function snapshot(r: Run, running: boolean): Snapshot {
  const { net, spec } = r;
  const train = measure(net, spec.train, spec.threshold);
  const test = measure(net, spec.test, spec.threshold);
  let grid: Float64Array[] | undefined;
  if (spec.grid) {
    const ws = createWorkspace(net, spec.grid.x.rows);
    forwardProp(net, spec.grid.x, ws);
    grid = ws.a.map((m) => m.data.slice());
  }
  const s: Snapshot = {
    type: 'snapshot',
    epoch: r.epoch,
    batch: r.batch,
    batches: r.batches,
    steps: r.steps,
    running,
    weights: net.layers.map((l) => ({ kernel: l.kernel.data.slice(), bias: l.bias.slice() })),
    now: { trainLoss: train.loss, testLoss: test.loss, trainAccuracy: train.accuracy, testAccuracy: test.accuracy },
    curve: r.curve,
    grid,
    testPredicted: test.predicted,
  };
  r.curve = [];
  return s;
}
