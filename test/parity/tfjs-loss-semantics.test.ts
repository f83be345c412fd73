/**
 * What the reported losses mean, in tfjs and in backprop.
 *
 * Keras — and tfjs-layers, whose BaseLogger is a port of Keras's — report as an epoch's loss the
 * mean of each batch's loss weighted by the batch's size, where a batch's loss is the one computed
 * in the forward pass of that batch's training step, before the step updates the weights. So it is
 * neither the plain mean of the batch losses (a partial last batch counts for what it holds) nor the
 * loss of the weights the epoch ends with. backprop's `fit` reports the same quantity. Each of those
 * statements is checked here in both libraries, on data where the alternatives differ (23 examples
 * in batches of 10, 10 and 3).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeGradients, fit } from '../../src/index.js';
import { parameterArrays, rowSlice } from '../../src/kernels.js';
import {
  initTf,
  makeNetwork,
  type ParityCase,
  type Prepared,
  prepare,
  type Run,
  runOurs,
  runTfjs,
  tfData,
  tfLossName,
  tfModel,
} from './harness.js';

const CASE: ParityCase = {
  optimizer: { name: 'sgd', learningRate: 0.5 },
  batchSize: 10,
  head: 'softmax/cce',
  hidden: [{ units: 5, activation: 'tanh' }],
  examples: 23,
  epochs: 2,
  seed: 42,
};

const weightedMean = (batches: { loss: number; size: number }[]) =>
  batches.reduce((s, b) => s + b.loss * b.size, 0) / batches.reduce((s, b) => s + b.size, 0);
const plainMean = (batches: { loss: number; size: number }[]) =>
  batches.reduce((s, b) => s + b.loss, 0) / batches.length;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

/** backprop's mean loss over rows [start, start + count) with the given parameters. */
function ourLoss(p: Prepared, params: Float64Array[], start: number, count: number): number {
  const net = makeNetwork(p.config);
  parameterArrays(net).forEach((a, i) => a.set(params[i]));
  return computeGradients(net, rowSlice(p.x, start, count), rowSlice(p.y, start, count)).loss;
}

/** tfjs's mean loss over rows [start, start + count): at the initial weights, or after `epochs` of fit. */
async function tfLoss(p: Prepared, start: number, count: number, epochs: number): Promise<number> {
  const model = tfModel(p);
  const opt = tf.train.sgd(CASE.optimizer.learningRate);
  model.compile({ optimizer: opt, loss: tfLossName(p.config.head) });
  const { xs, ys } = tfData(p);
  if (epochs > 0) {
    await model.fit(xs, ys, { epochs, batchSize: CASE.batchSize, shuffle: false, verbose: 0, yieldEvery: 'never' });
  }
  const xb = xs.slice([start, 0], [count, -1]);
  const yb = ys.slice([start, 0], [count, -1]);
  const result = model.evaluate(xb, yb, { batchSize: count }) as tf.Scalar;
  const loss = result.dataSync()[0];
  tf.dispose([xs, ys, xb, yb, result]);
  model.dispose();
  opt.dispose();
  return loss;
}

/** backprop's parameters after one SGD step on rows [0, 10) — the first step of the run. */
function ourFirstStep(p: Prepared): Float64Array[] {
  const net = makeNetwork(p.config);
  const params = parameterArrays(net);
  params.forEach((a, i) => a.set(p.initial[i]));
  fit(
    net,
    { x: rowSlice(p.x, 0, 10), y: rowSlice(p.y, 0, 10) },
    { batchSize: 10, shuffle: false, optimizer: CASE.optimizer },
  );
  return params;
}

describe('the per-epoch loss is the batch-size-weighted mean of the losses taken before each update', () => {
  let p: Prepared;
  let ours: Run;
  let theirs: Run;
  beforeAll(async () => {
    await initTf();
    p = prepare(CASE);
    ours = runOurs(p);
    theirs = await runTfjs(p);
  });

  it('both libraries log batches of 10, 10 and 3', () => {
    for (const run of [ours, theirs]) {
      for (const epoch of run.batches) expect(epoch.map((b) => b.size)).toEqual([10, 10, 3]);
    }
  });

  it('tfjs: the epoch loss is the size-weighted mean of the logged batch losses, not their plain mean', () => {
    theirs.epochLoss.forEach((loss, e) => {
      // tfjs accumulates Σ size·loss in float32 (BaseLogger), hence 1e-6 rather than 1e-15.
      expect(rel(loss, weightedMean(theirs.batches[e]))).toBeLessThan(1e-6);
      expect(rel(loss, plainMean(theirs.batches[e]))).toBeGreaterThan(1e-3);
    });
  });

  it('backprop: the same weighted mean, exactly', () => {
    ours.epochLoss.forEach((loss, e) => {
      expect(rel(loss, weightedMean(ours.batches[e]))).toBeLessThan(1e-15);
      expect(rel(loss, plainMean(ours.batches[e]))).toBeGreaterThan(1e-3);
    });
  });

  it("the first batch's logged loss is the loss at the initial weights (before its update), in both", async () => {
    const before = await tfLoss(p, 0, 10, 0);
    expect(rel(theirs.batches[0][0].loss, before)).toBeLessThan(1e-6);
    expect(ours.batches[0][0].loss).toBe(ourLoss(p, p.initial, 0, 10));
    // …and not the loss after that batch's update, which is far from it.
    expect(rel(before, ourLoss(p, ourFirstStep(p), 0, 10))).toBeGreaterThan(1e-3);
  });

  it('the epoch loss is not the loss of the weights the epoch ends with, in either library', async () => {
    const tfEnd = await tfLoss(p, 0, 23, 1);
    const ourEnd = ourLoss(p, ours.weights[0], 0, 23);
    expect(rel(tfEnd, ourEnd)).toBeLessThan(1e-5); // the two agree on that quantity too…
    expect(rel(theirs.epochLoss[0], tfEnd)).toBeGreaterThan(1e-3); // …but neither reports it
    expect(rel(ours.epochLoss[0], ourEnd)).toBeGreaterThan(1e-3);
  });

  it('and the two libraries report the same numbers', () => {
    ours.epochLoss.forEach((loss, e) => expect(rel(loss, theirs.epochLoss[e])).toBeLessThan(1e-5));
  });
});
