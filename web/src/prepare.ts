/**
 * From the settings (and, for the user's or the bundled CSV files, their examples) to what the
 * worker trains on and the page draws: a seeded train/test split, features standardised with the
 * training split's statistics for tabular data, and for 2-D data the plane the points live in.
 */
import breastCancerCsv from '../../data/breast-cancer.csv?raw';
import irisCsv from '../../data/iris.csv?raw';
import { csvTextToExamples, type Examples, type LabelMapping } from './adapters/csv-text.js';
import { deriveFeatures } from './features.js';
import { createRandom, type Matrix, zeros } from './library.js';
import { FEATURE_LABELS, type FeatureName, type Settings } from './settings.js';
import { DOMAIN, TOY_POINTS, type ToyName, toyPoints } from './toy-data.js';

/** Independent random streams of one seed: the library's generator keys streams on the high 32 bits. */
export const STREAM = { data: 0, split: 1, init: 2, shuffle: 3 } as const;
export function streamSeed(seed: number, stream: number): number {
  return seed + stream * 2 ** 32;
}

/** The 2-D plane of a data set whose examples are points (x1, x2). */
export interface Plane {
  /** (x1, x2) of each train then test example. */
  xy: Float64Array;
  /** Bounds of the drawn square (x1 and x2 share them). */
  min: number;
  max: number;
  /** The features the network sees of a point. */
  features: FeatureName[];
}

export interface Prepared {
  /** The data set's name in messages and in files. */
  name: string;
  featureNames: string[];
  classes: string[];
  labels: LabelMapping;
  train: { x: Matrix; y: Matrix };
  test: { x: Matrix; y: Matrix };
  plane?: Plane;
  /** Mean and standard deviation applied to the features (tabular data), for the model file. */
  standardization?: { mean: number[]; std: number[] };
  target: string;
}

/** The bundled files: the breast-cancer data with the demo's three features, and iris. */
export function bundledExamples(name: 'breast-cancer' | 'iris'): Examples {
  return name === 'breast-cancer'
    ? csvTextToExamples(breastCancerCsv, 'data/breast-cancer.csv', 'malignant', [
        'worst_radius',
        'worst_texture',
        'worst_smoothness',
      ])
    : csvTextToExamples(irisCsv, 'data/iris.csv');
}

/** A seeded permutation of 0..n−1, and how many of its first entries are training examples. */
function split(n: number, testFraction: number, seed: number): { order: Uint32Array; nTrain: number } {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  createRandom(streamSeed(seed, STREAM.split)).shuffle(order);
  const nTrain = Math.min(n - 1, Math.max(1, Math.round(n * (1 - testFraction))));
  return { order, nTrain };
}

function rows(m: Matrix, order: ArrayLike<number>, from: number, to: number): Matrix {
  const out = zeros(to - from, m.cols);
  for (let r = from; r < to; r++)
    out.data.set(m.data.subarray(order[r] * m.cols, (order[r] + 1) * m.cols), (r - from) * m.cols);
  return out;
}

/** The toy set the settings describe, with their derived features. */
export function prepareToy(s: Settings): Prepared {
  const name = s.data as ToyName;
  const pts = toyPoints(name, TOY_POINTS, s.noise, createRandom(streamSeed(s.seed, STREAM.data)));
  const { order, nTrain } = split(TOY_POINTS, s.test, s.seed);
  const f = s.features;
  const x = zeros(TOY_POINTS, f.length);
  const y = zeros(TOY_POINTS, 1);
  const xy = new Float64Array(2 * TOY_POINTS);
  for (let r = 0; r < TOY_POINTS; r++) {
    const i = order[r];
    deriveFeatures(f, pts.xy[2 * i], pts.xy[2 * i + 1], x.data, r * f.length);
    y.data[r] = pts.labels[i];
    xy[2 * r] = pts.xy[2 * i];
    xy[2 * r + 1] = pts.xy[2 * i + 1];
  }
  const identity = Uint32Array.from({ length: TOY_POINTS }, (_, i) => i);
  return {
    name,
    featureNames: f.map((n) => FEATURE_LABELS[n]),
    classes: ['0', '1'],
    labels: { kind: 'binary', classes: ['0', '1'] },
    train: { x: rows(x, identity, 0, nTrain), y: rows(y, identity, 0, nTrain) },
    test: { x: rows(x, identity, nTrain, TOY_POINTS), y: rows(y, identity, nTrain, TOY_POINTS) },
    plane: { xy, min: -DOMAIN, max: DOMAIN, features: [...f] },
    target: 'label',
  };
}

/** Examples of a CSV file split and standardised (with the training split's statistics). */
export function prepareTable(ex: Examples, name: string, s: Settings): Prepared {
  const n = ex.x.rows;
  if (n < 2) throw new Error(`${name}: has ${n} data row, expected at least 2 to split into train and test`);
  const { order, nTrain } = split(n, s.test, s.seed);
  const train = { x: rows(ex.x, order, 0, nTrain), y: rows(ex.y, order, 0, nTrain) };
  const test = { x: rows(ex.x, order, nTrain, n), y: rows(ex.y, order, nTrain, n) };
  const k = ex.x.cols;
  const mean = new Array<number>(k).fill(0);
  const std = new Array<number>(k).fill(0);
  for (let r = 0; r < nTrain; r++) for (let j = 0; j < k; j++) mean[j] += train.x.data[r * k + j] / nTrain;
  for (let r = 0; r < nTrain; r++)
    for (let j = 0; j < k; j++) std[j] += (train.x.data[r * k + j] - mean[j]) ** 2 / nTrain;
  for (let j = 0; j < k; j++) std[j] = Math.sqrt(std[j]) || 1; // a constant column stays as it is
  for (const m of [train.x, test.x]) {
    for (let r = 0; r < m.rows; r++)
      for (let j = 0; j < k; j++) m.data[r * k + j] = (m.data[r * k + j] - mean[j]) / std[j];
  }
  let plane: Plane | undefined;
  if (k === 2) {
    const xy = new Float64Array(2 * n);
    xy.set(train.x.data, 0);
    xy.set(test.x.data, 2 * nTrain);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of xy) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const pad = 0.1 * (hi - lo || 1);
    plane = { xy, min: lo - pad, max: hi + pad, features: ['x1', 'x2'] };
  }
  return {
    name,
    featureNames: ex.features,
    classes: ex.labels.classes,
    labels: ex.labels,
    train,
    test,
    plane,
    standardization: { mean, std },
    target: ex.target,
  };
}
