/**
 * The messages between the page and the training worker. Matrices travel as plain
 * { rows, cols, data } objects (structured clone copies typed arrays).
 */
import type { Matrix, NetworkConfig, OptimizerName } from './library.js';

export interface RunSpec {
  config: NetworkConfig;
  train: { x: Matrix; y: Matrix };
  test: { x: Matrix; y: Matrix };
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  l2: number;
  /** Seeds of the initialiser and of the shuffling (streams of the one seed in the URL). */
  initSeed: number;
  shuffleSeed: number;
  /** Start from these weights (an opened model file) instead of the seeded initialiser's. */
  weights?: { kernel: number[][]; bias: number[] }[];
  /** One sigmoid output: class 1 from this probability on (an opened model file's), not 0.5. */
  threshold?: number;
  /** For 2-D data: the features of every grid point, row by row (top row first), and the grid's side. */
  grid?: { x: Matrix; side: number };
}

export type ToWorker =
  | { type: 'reset'; spec: RunSpec }
  | { type: 'train' }
  | { type: 'pause' }
  /** Run `batches` steps (one each Step press), then report. */
  | { type: 'step'; batches: number }
  /** The page is ready to draw again: send the state at the next chance. */
  | { type: 'snapshot' };

/** One point of the loss curves, taken at the end of an epoch. */
export interface CurvePoint {
  epoch: number;
  trainLoss: number;
  testLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
}

export interface Snapshot {
  type: 'snapshot';
  /** Completed epochs, and batches done of the current one. */
  epoch: number;
  batch: number;
  batches: number;
  /** Optimiser steps since Reset. */
  steps: number;
  running: boolean;
  /** Each layer's kernel ([in, out], row-major) and bias. */
  weights: { kernel: Float64Array; bias: Float64Array }[];
  /** Loss (without the L2 penalty) and accuracy on the whole train and test sets, now. */
  now: Omit<CurvePoint, 'epoch'>;
  /** Curve points added since the previous snapshot. */
  curve: CurvePoint[];
  /** For 2-D data: every layer's activations over the grid (layer l: [side², units]). */
  grid?: Float64Array[];
  /** Test-set predicted classes, for the confusion matrix. */
  testPredicted: Int32Array;
}

export type FromWorker = Snapshot | { type: 'error'; message: string };
