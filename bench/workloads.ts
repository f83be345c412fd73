/**
 * The benchmark's workloads and the one problem every implementation is given: seeded synthetic
 * data and initial weights, both made with backprop's own seeded generator so that each child
 * process rebuilds them bit for bit.
 */
import { createNetwork, createRandom, type Network, type NetworkConfig } from '../src/index.js';

export type WorkloadId = 'W1' | 'W2' | 'W3';

export const WORKLOAD_IDS: readonly WorkloadId[] = ['W1', 'W2', 'W3'];

/** A network `inputs`-`hidden`-1, sigmoid/sigmoid, binary cross-entropy, plain SGD. */
export interface Workload {
  id: WorkloadId;
  inputs: number;
  hidden: number;
  batchSize: number;
  /** Training samples: one epoch over them is one timed run. */
  samples: number;
  /** Samples in `--smoke` mode. */
  smokeSamples: number;
}

export const WORKLOADS: Record<WorkloadId, Workload> = {
  W1: { id: 'W1', inputs: 3, hidden: 4, batchSize: 1, samples: 200_000, smokeSamples: 4_000 },
  W2: { id: 'W2', inputs: 30, hidden: 64, batchSize: 32, samples: 100_000, smokeSamples: 1_600 },
  W3: { id: 'W3', inputs: 784, hidden: 256, batchSize: 64, samples: 20_000, smokeSamples: 640 },
};

export const LEARNING_RATE = 0.1;
export const DATA_SEED = 20240605;
export const WEIGHT_SEED = 7;
export const EVAL_SAMPLES = 2_000;
export const SMOKE_EVAL_SAMPLES = 500;

/** `3-4-1` */
export function shapeOf(w: Workload): string {
  return `${w.inputs}-${w.hidden}-1`;
}

export function networkConfigOf(w: Workload): NetworkConfig {
  return {
    inputSize: w.inputs,
    layers: [
      { units: w.hidden, activation: 'sigmoid' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: { name: 'binary_crossentropy' },
  };
}

/** Plain arrays of the initial weights, Keras layout: w1 [inputs, hidden] row-major, w2 [hidden, 1]. */
export interface InitialWeights {
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  b2: Float64Array;
}

/** What every implementation trains on. */
export interface Problem {
  workload: Workload;
  /** Training inputs [samples, inputs] row-major and 0/1 targets [samples]. */
  x: Float64Array;
  y: Float64Array;
  samples: number;
  /** Held-out examples from the same distribution, on which "loss before → after" is measured. */
  evalX: Float64Array;
  evalY: Float64Array;
  evalSamples: number;
  /** The initial network (glorot_uniform kernels, zero biases, seeded). */
  initial: Network;
  weights: InitialWeights;
}

/**
 * Inputs x ~ N(0, 1); the label is whether a fixed random direction t (the "teacher") gives
 * t·x/√d + 0.25·noise > −0.7, so about 3 labels in 4 are 1. The base rate is learned within a
 * few steps (so even a --smoke run shows the loss falling, whatever the width) and the teacher
 * direction over the full epoch.
 */
export function makeProblem(w: Workload, samples: number, evalSamples: number): Problem {
  const rng = createRandom(DATA_SEED + w.inputs);
  const d = w.inputs;
  const teacher = new Float64Array(d);
  for (let j = 0; j < d; j++) teacher[j] = rng.normal();
  const draw = (n: number) => {
    const x = new Float64Array(n * d);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = rng.normal();
        x[i * d + j] = v;
        s += teacher[j] * v;
      }
      y[i] = s / Math.sqrt(d) + 0.25 * rng.normal() > -0.7 ? 1 : 0;
    }
    return { x, y };
  };
  // Held-out examples first, so that they do not depend on how many training samples a peer gets.
  const held = draw(evalSamples);
  const train = draw(samples);
  const initial = createNetwork(networkConfigOf(w), { seed: WEIGHT_SEED });
  const [l1, l2] = initial.layers;
  return {
    workload: w,
    x: train.x,
    y: train.y,
    samples,
    evalX: held.x,
    evalY: held.y,
    evalSamples,
    initial,
    weights: { w1: l1.kernel.data.slice(), b1: l1.bias.slice(), w2: l2.kernel.data.slice(), b2: l2.bias.slice() },
  };
}

/** Probabilities are clipped to [ε, 1 − ε] (Keras's ε) so that float32 peers that round to 0 or 1 stay finite. */
const EPS = 1e-7;

/** Mean binary cross-entropy of predicted probabilities `p` against 0/1 targets `y`: the same formula for every peer. */
export function meanBce(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(Math.max(p[i], EPS), 1 - EPS);
    s -= y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q);
  }
  return s / y.length;
}
