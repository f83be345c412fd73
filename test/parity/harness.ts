/**
 * Shared machinery of the TensorFlow.js Layers parity suite (docs/keras-parity.md).
 *
 * One case = one network, one dataset, one optimiser, one batch size. Both libraries start from
 * the same weights and see the same examples in the same order (shuffle off); we snapshot every
 * parameter after every epoch and record every batch's loss, so one 5-epoch run gives the
 * weights after epoch 1 and after epoch 5, the per-epoch losses and the per-batch losses.
 *
 * Precision: tfjs computes in float32, backprop in float64. Both are given the SAME
 * float32-representable inputs — data, targets and initial weights are rounded with Math.fround
 * before either library sees them — so that the only difference left is arithmetic precision:
 * what we compare is float32 training against (essentially exact) float64 training.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type ActivationName,
  createNetwork,
  createRandom,
  type FitDtype,
  fit,
  type LayerConfig,
  type LossConfig,
  type Matrix,
  type Network,
  type Optimizer,
  type OptimizerConfig,
  zeros,
} from '../../src/index.js';
import { parameterArrays, resolveOptimizerConfig } from '../../src/kernels.js';

/** The three heads of the matrix: output activation + loss. */
export type Head = 'sigmoid/bce' | 'softmax/cce' | 'linear/mse';

export interface ParityCase {
  optimizer: Required<Pick<OptimizerConfig, 'name' | 'learningRate'>> & OptimizerConfig;
  batchSize: number;
  head: Head;
  hidden: LayerConfig[];
  /** Our loss configuration (default: the head's loss with its default options). */
  loss?: LossConfig;
  /** Examples (default 23: batch size 10 then ends with a partial batch of 3). */
  examples?: number;
  epochs?: number;
  /** Seed of the data and of the initial weights. */
  seed: number;
}

export const INPUTS = 4;

const HEADS: Record<Head, { units: number; activation: ActivationName; loss: LossConfig; tfLoss: string }> = {
  'sigmoid/bce': {
    units: 1,
    activation: 'sigmoid',
    loss: { name: 'binary_crossentropy' },
    tfLoss: 'binaryCrossentropy',
  },
  'softmax/cce': {
    units: 3,
    activation: 'softmax',
    loss: { name: 'categorical_crossentropy' },
    tfLoss: 'categoricalCrossentropy',
  },
  // Two outputs, so that the mean over output units (Keras's axis −1) is exercised too.
  'linear/mse': { units: 2, activation: 'linear', loss: { name: 'mean_squared_error' }, tfLoss: 'meanSquaredError' },
};

/** What one training run recorded (parameters in the order kernel 1, bias 1, kernel 2, …). */
export interface Run {
  /** weights[e][p]: parameter array p after epoch e + 1. */
  weights: Float64Array[][];
  /** The per-epoch loss each library reports. */
  epochLoss: number[];
  /** batches[e][b]: batch b of epoch e, its loss (before its update) and its size. */
  batches: { loss: number; size: number }[][];
}

export interface Prepared {
  config: ParityCase;
  x: Matrix;
  y: Matrix;
  /** Initial parameters, float32-representable, in {@link parameterArrays} order. */
  initial: Float64Array[];
  shapes: number[][];
}

let ready: Promise<void> | undefined;

/** cpu backend, float32, and no console output (see the comment inside). */
export function initTf(): Promise<void> {
  ready ??= (async () => {
    // The cpu backend greets with "Hi, looks like you are running TensorFlow.js in Node.js …"
    // through tfjs-core's `warn`, which is silent when PROD (or IS_TEST) is set. PROD changes
    // no arithmetic; IS_TEST would also turn on a per-kernel memory-leak check, which only
    // costs time.
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    await tf.ready();
    if (tf.getBackend() !== 'cpu') throw new Error(`expected the cpu backend, got ${tf.getBackend()}`);
    if (tf.backend().floatPrecision() !== 32) throw new Error('expected float32 arithmetic');
  })();
  return ready;
}

/** Rounds every element to the nearest float32, in place. */
function fround(a: Float64Array): Float64Array {
  for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i]);
  return a;
}

/**
 * Seeded synthetic data: features ~ N(0, 1); targets from a fixed random "teacher" so that the
 * task is learnable — a noisy linear rule for the binary head, the arg-max of a random linear
 * map for the three classes, a smooth non-linear function for regression.
 */
export function makeData(head: Head, n: number, seed: number): { x: Matrix; y: Matrix } {
  const rng = createRandom(seed * 7919 + 17);
  const x = zeros(n, INPUTS);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
  fround(x.data);
  const outs = HEADS[head].units;
  const y = zeros(n, outs);
  const teacher = Array.from({ length: 3 * INPUTS }, () => rng.normal());
  for (let r = 0; r < n; r++) {
    const xr = x.data.subarray(r * INPUTS, (r + 1) * INPUTS);
    const dot = (k: number) => xr.reduce((s, v, j) => s + v * teacher[k * INPUTS + j], 0);
    if (head === 'sigmoid/bce') {
      y.data[r] = dot(0) + 0.5 * rng.normal() > 0 ? 1 : 0;
    } else if (head === 'softmax/cce') {
      const scores = [dot(0), dot(1), dot(2)];
      y.data[r * 3 + scores.indexOf(Math.max(...scores))] = 1;
    } else {
      y.data[r * 2] = Math.sin(xr[0]) + 0.5 * xr[1] * xr[2];
      y.data[r * 2 + 1] = 0.3 * dot(0);
    }
  }
  fround(y.data);
  return { x, y };
}

/** Our network for a case, with float32-rounded initial weights. */
export function makeNetwork(c: ParityCase): Network {
  const head = HEADS[c.head];
  const net = createNetwork(
    {
      inputSize: INPUTS,
      layers: [...c.hidden, { units: head.units, activation: head.activation }],
      loss: c.loss ?? head.loss,
    },
    { seed: c.seed },
  );
  for (const p of parameterArrays(net)) fround(p);
  return net;
}

export function prepare(c: ParityCase): Prepared {
  const { x, y } = makeData(c.head, c.examples ?? 23, c.seed);
  const net = makeNetwork(c);
  return {
    config: c,
    x,
    y,
    initial: parameterArrays(net).map((p) => p.slice()),
    shapes: net.layers.flatMap((l) => [[l.kernel.rows, l.kernel.cols], [l.bias.length]]),
  };
}

/** Trains backprop's network with `fit` (shuffle off, in `dtype`, default float64) and records the run. */
export function runOurs(
  p: Prepared,
  optimizer: OptimizerConfig | Optimizer = p.config.optimizer,
  dtype: FitDtype = 'float64',
): Run {
  const net = makeNetwork(p.config);
  const params = parameterArrays(net);
  params.forEach((a, i) => a.set(p.initial[i])); // the seeded weights already, unless a test chose others
  const run: Run = { weights: [], epochLoss: [], batches: [] };
  const history = fit(
    net,
    { x: p.x, y: p.y },
    {
      epochs: p.config.epochs ?? 5,
      batchSize: p.config.batchSize,
      shuffle: false,
      optimizer,
      dtype,
      onBatchEnd: (log) => {
        if (run.batches.length < log.epoch) run.batches.push([]);
        run.batches[log.epoch - 1].push({ loss: log.loss, size: log.size });
      },
      onEpochEnd: () => {
        run.weights.push(params.map((a) => a.slice()));
      },
    },
  );
  run.epochLoss = history.epochs.map((e) => e.loss);
  return run;
}

/** The tfjs optimiser with the same update rule and hyper-parameters as ours. */
export function tfOptimizer(config: OptimizerConfig): tf.Optimizer {
  const lr = config.learningRate!;
  switch (config.name) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'momentum':
      return tf.train.momentum(lr, config.momentum ?? 0.9, false);
    case 'nesterov':
      return tf.train.momentum(lr, config.momentum ?? 0.9, true);
    case 'adam':
      return tf.train.adam(lr, config.beta1 ?? 0.9, config.beta2 ?? 0.999, config.epsilon ?? 1e-7);
  }
}

/** A tf.sequential of Dense layers holding the case's initial weights. */
export function tfModel(p: Prepared): tf.Sequential {
  const head = HEADS[p.config.head];
  const layers = [...p.config.hidden, { units: head.units, activation: head.activation }];
  const model = tf.sequential();
  layers.forEach((l, i) => {
    model.add(
      tf.layers.dense({ units: l.units, activation: l.activation, ...(i === 0 ? { inputShape: [INPUTS] } : {}) }),
    );
  });
  model.layers.forEach((layer, i) => {
    const kernel = tf.tensor2d(Float32Array.from(p.initial[2 * i]), p.shapes[2 * i] as [number, number]);
    const bias = tf.tensor1d(Float32Array.from(p.initial[2 * i + 1]));
    layer.setWeights([kernel, bias]);
    tf.dispose([kernel, bias]);
  });
  // setWeights must have taken the values exactly (they are float32-representable).
  model.getWeights().forEach((w, i) => {
    const v = w.dataSync();
    if (v.length !== p.initial[i].length || v.some((e, j) => e !== p.initial[i][j])) {
      throw new Error(`tfjs weight ${i} (${w.shape}) differs from ours after setWeights`);
    }
  });
  return model;
}

export function tfData(p: Prepared): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  return {
    xs: tf.tensor2d(Float32Array.from(p.x.data), [p.x.rows, p.x.cols]),
    ys: tf.tensor2d(Float32Array.from(p.y.data), [p.y.rows, p.y.cols]),
  };
}

export function tfLossName(head: Head): string {
  return HEADS[head].tfLoss;
}

/** Trains the tfjs model with `model.fit` (shuffle off) and records the run. */
export async function runTfjs(p: Prepared, optimizer: OptimizerConfig = p.config.optimizer): Promise<Run> {
  await initTf();
  const model = tfModel(p);
  const opt = tfOptimizer(optimizer);
  const { xs, ys } = tfData(p);
  model.compile({ optimizer: opt, loss: tfLossName(p.config.head) });
  const run: Run = { weights: [], epochLoss: [], batches: [] };
  let epoch = 0;
  const history = await model.fit(xs, ys, {
    epochs: p.config.epochs ?? 5,
    batchSize: p.config.batchSize,
    shuffle: false,
    verbose: 0,
    yieldEvery: 'never',
    callbacks: {
      onEpochBegin: async (e) => {
        epoch = e;
      },
      onBatchEnd: async (_b, logs) => {
        if (run.batches.length <= epoch) run.batches.push([]);
        run.batches[epoch].push({ loss: logs!.loss as number, size: logs!.size as number });
      },
      onEpochEnd: async () => {
        run.weights.push(model.getWeights().map((w) => Float64Array.from(w.dataSync())));
      },
    },
  });
  run.epochLoss = (history.history.loss as number[]).slice();
  tf.dispose([xs, ys]);
  model.dispose();
  opt.dispose();
  return run;
}

/** Float32's unit roundoff: a correctly rounded float32 operation is off by at most 2⁻²⁴ relative. */
export const U32 = 2 ** -24;

/** The relative part of every comparison. */
export const RTOL = 1e-5;

/**
 * Adam's absolute allowance per update, as a fraction of the learning rate. Adam's step
 * η·m̂/(√v̂ + ε) does not scale with the gradient: a gradient component that is small because its
 * terms cancel carries a large float32 relative error (2⁻²⁴ × terms / sum) and still moves its
 * weight by up to ~η, so that error reaches the weight at full step size — in SGD it is scaled down
 * by |g|. 2⁻¹⁴·η per update is that relative error when cancellation costs 10 of float32's 24 bits;
 * the worst seen over 8 seeds × 12 configurations was 8.8e-6·η per update (7× inside).
 */
export const ADAM_STEP_NOISE = 2 ** -14;

/**
 * The absolute part of the comparison after `updates` optimiser steps.
 *
 * SGD, momentum, Nesterov: updates × 2⁻²⁴. Every update rounds every weight to float32, an error
 * of up to 2⁻²⁴·|w| with |w| = O(1) here (Glorot limits 0.7–1.0, weights stay below ~2), and those
 * roundings accumulate — linearly in the worst case. Such an error is absolute: it does not shrink
 * when the weight itself is small (biases start at exactly 0, kernel entries cross 0), which is
 * why a purely relative bound would fail where nothing is wrong. The rounding of the gradient and
 * of the step are smaller by the factor η·|g|/|w|. After 5 epochs this is 6.9e-6 at batch size 1
 * (115 updates) and 8.9e-7 at batch size 10 (15 updates); the worst seen over 8 seeds was 2.5e-7.
 *
 * Adam: updates × η × {@link ADAM_STEP_NOISE}, for the reason given there.
 */
export function atol(optimizer: OptimizerConfig, updates: number): number {
  return optimizer.name === 'adam' ? updates * optimizer.learningRate! * ADAM_STEP_NOISE : updates * U32;
}

/**
 * The comparison rule: |ours − tf| ≤ rtol·max(|ours|, |tf|) + atol, element by element.
 * `ratio` is the largest |ours − tf| / (rtol·max + atol): ≤ 1 passes. `worst` is its index.
 */
export function disagreement(
  ours: ArrayLike<number>,
  theirs: ArrayLike<number>,
  rtol: number,
  absTol: number,
): { ratio: number; abs: number; worst: number } {
  if (ours.length !== theirs.length) throw new Error(`length ${ours.length} vs ${theirs.length}`);
  let ratio = 0;
  let abs = 0;
  let worst = -1;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i] - theirs[i]);
    const r = d / (rtol * Math.max(Math.abs(ours[i]), Math.abs(theirs[i])) + absTol);
    if (!(r <= ratio)) {
      ratio = r; // a NaN sticks
      worst = i;
    }
    abs = Math.max(abs, d);
  }
  return { ratio, abs, worst };
}

/** The largest |after − before| over all parameters: how far training moved the weights. */
export function movement(before: Float64Array[], after: Float64Array[]): number {
  let max = 0;
  before.forEach((b, i) => {
    for (let j = 0; j < b.length; j++) max = Math.max(max, Math.abs(after[i][j] - b[j]));
  });
  return max;
}

/**
 * Adam exactly as tfjs-core's AdamOptimizer computes it — Kingma & Ba's Algorithm 1, with ε
 * added to √v̂ — in float64, behind backprop's Optimizer interface. Keras (and backprop) add ε to
 * √v instead (w ← w − η·√(1−β2ᵗ)/(1−β1ᵗ)·m/(√v + ε)), which is the same update with ε replaced
 * by ε/√(1−β2ᵗ): up to 31.6·ε at t = 1. This reference exists only to show that that placement
 * is the whole of the difference between the two libraries' Adam (tfjs-adam.test.ts).
 */
export function tfjsFormAdam(config: OptimizerConfig): Optimizer {
  const cfg = resolveOptimizerConfig({ ...config, name: 'adam' });
  const { learningRate: lr, beta1, beta2, epsilon } = cfg;
  const ms: Float64Array[] = [];
  const vs: Float64Array[] = [];
  let t = 0;
  return {
    config: cfg,
    get iterations() {
      return t;
    },
    step(params, grads) {
      t++;
      params.forEach((w, p) => {
        const g = grads[p];
        if (ms[p] === undefined) ms[p] = new Float64Array(w.length);
        if (vs[p] === undefined) vs[p] = new Float64Array(w.length);
        const m = ms[p];
        const v = vs[p];
        for (let i = 0; i < w.length; i++) {
          m[i] = beta1 * m[i] + (1 - beta1) * g[i];
          v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
          const mHat = m[i] / (1 - beta1 ** t);
          const vHat = v[i] / (1 - beta2 ** t);
          w[i] -= (lr * mHat) / (Math.sqrt(vHat) + epsilon);
        }
      });
    },
  };
}

/** How two runs compare, epoch by epoch; every `ratio` ≤ 1 means "within tolerance". */
export interface Comparison {
  /** Per epoch: the worst weight ratio over all parameters, its parameter array and the max |Δw|. */
  weights: { ratio: number; param: number; abs: number; atol: number }[];
  /** Per epoch: ratio of the reported per-epoch losses. */
  epochLoss: { ratio: number; abs: number; ours: number; tf: number }[];
  /** Per epoch: the worst ratio over that epoch's per-batch losses. */
  batchLoss: { ratio: number; abs: number }[];
}

export function compareRuns(ours: Run, theirs: Run, optimizer: OptimizerConfig, batchesPerEpoch: number): Comparison {
  const epochs = ours.weights.length;
  if (theirs.weights.length !== epochs) throw new Error(`${epochs} epochs vs ${theirs.weights.length}`);
  const out: Comparison = { weights: [], epochLoss: [], batchLoss: [] };
  for (let e = 0; e < epochs; e++) {
    // The weights after epoch e + 1, and the losses reported during it, are at most this many
    // updates away from the common starting point.
    const tol = atol(optimizer, (e + 1) * batchesPerEpoch);
    let w = { ratio: 0, param: -1, abs: 0, atol: tol };
    ours.weights[e].forEach((a, i) => {
      const d = disagreement(a, theirs.weights[e][i], RTOL, tol);
      if (!(d.ratio <= w.ratio)) w = { ratio: d.ratio, param: i, abs: Math.max(w.abs, d.abs), atol: tol };
      else w.abs = Math.max(w.abs, d.abs);
    });
    out.weights.push(w);
    const l = disagreement([ours.epochLoss[e]], [theirs.epochLoss[e]], RTOL, tol);
    out.epochLoss.push({ ratio: l.ratio, abs: l.abs, ours: ours.epochLoss[e], tf: theirs.epochLoss[e] });
    const ob = ours.batches[e];
    const tb = theirs.batches[e];
    if (ob.length !== batchesPerEpoch || tb.length !== batchesPerEpoch) {
      throw new Error(`epoch ${e + 1}: ${ob.length} and ${tb.length} batches, expected ${batchesPerEpoch}`);
    }
    if (ob.some((b, j) => b.size !== tb[j].size)) throw new Error(`epoch ${e + 1}: batch sizes differ`);
    const b = disagreement(
      ob.map((x) => x.loss),
      tb.map((x) => x.loss),
      RTOL,
      tol,
    );
    out.batchLoss.push({ ratio: b.ratio, abs: b.abs });
  }
  return out;
}

/** The largest |w| in a run (the tolerances assume weights of order 1). */
export function largestWeight(run: Run): number {
  let max = 0;
  for (const epoch of run.weights) for (const a of epoch) for (const v of a) max = Math.max(max, Math.abs(v));
  return max;
}
