/**
 * From the settings (and, for the user's or the bundled CSV files, their examples) to what the
 * worker trains on and the page draws: the library's seeded stratified train/test split, features
 * standardised with the training split's statistics for tabular data (the library's
 * `prepareDataset`, as `backprop train` does it), and for 2-D data the plane the points live in.
 */
import breastCancerCsv from '../../data/breast-cancer.csv?raw';
import irisCsv from '../../data/iris.csv?raw';
import { deriveFeatures } from './features.js';
import {
  createRandom,
  csvTextToExamples,
  type Examples,
  type LabelMapping,
  type Matrix,
  prepareDataset,
  stratifiedSplit,
  zeros,
} from './library.js';
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

/** A classification's labels (the playground trains classifiers only). */
export type ClassLabels = Exclude<LabelMapping, { kind: 'regression' }>;

export interface Prepared {
  /** The data set's name in messages and in files. */
  name: string;
  featureNames: string[];
  classes: string[];
  labels: ClassLabels;
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
    ? csvTextToExamples(breastCancerCsv, 'data/breast-cancer.csv', {
        target: 'malignant',
        features: ['worst_radius', 'worst_texture', 'worst_smoothness'],
      })
    : csvTextToExamples(irisCsv, 'data/iris.csv');
}

/** The toy set the settings describe, with their derived features, split by class with the split stream. */
export function prepareToy(s: Settings): Prepared {
  const name = s.data as ToyName;
  const pts = toyPoints(name, TOY_POINTS, s.noise, createRandom(streamSeed(s.seed, STREAM.data)));
  const all = Array.from({ length: TOY_POINTS }, (_, i) => i);
  const { kept, held } = stratifiedSplit(
    all,
    Int32Array.from(pts.labels),
    s.test,
    createRandom(streamSeed(s.seed, STREAM.split)),
  );
  const f = s.features;
  const xy = new Float64Array(2 * TOY_POINTS);
  const part = (indices: number[], offset: number) => {
    const x = zeros(indices.length, f.length);
    const y = zeros(indices.length, 1);
    indices.forEach((i, r) => {
      deriveFeatures(f, pts.xy[2 * i], pts.xy[2 * i + 1], x.data, r * f.length);
      y.data[r] = pts.labels[i];
      xy[2 * (offset + r)] = pts.xy[2 * i];
      xy[2 * (offset + r) + 1] = pts.xy[2 * i + 1];
    });
    return { x, y };
  };
  const train = part(kept, 0);
  const test = part(held, kept.length);
  return {
    name,
    featureNames: f.map((n) => FEATURE_LABELS[n]),
    classes: ['0', '1'],
    labels: { kind: 'binary', classes: ['0', '1'] },
    train,
    test,
    plane: { xy, min: -DOMAIN, max: DOMAIN, features: [...f] },
    target: 'label',
  };
}

/**
 * Examples of a CSV file split and standardised as `backprop train --seed <seed> --test-split
 * <test> --validation-split 0` does it (the library's `prepareDataset`).
 */
export function prepareTable(ex: Examples, s: Settings): Prepared {
  const labels = ex.labels;
  if (labels.kind === 'regression') throw new Error(`${ex.file}: the playground trains classifiers only`);
  const p = prepareDataset(ex, { seed: s.seed, testSplit: s.test, validationSplit: 0, standardize: true });
  if (!p.test) {
    throw new Error(
      `${ex.file}: ${ex.x.rows} rows leave no test example at test fraction ${s.test}: choose a larger fraction or give more rows`,
    );
  }
  const train = { x: p.train.x, y: p.train.y };
  const test = { x: p.test.x, y: p.test.y };
  const k = ex.x.cols;
  let plane: Plane | undefined;
  if (k === 2) {
    const xy = new Float64Array(2 * (train.x.rows + test.x.rows));
    xy.set(train.x.data, 0);
    xy.set(test.x.data, train.x.data.length);
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
    name: ex.file,
    featureNames: ex.features,
    classes: labels.classes,
    labels,
    train,
    test,
    plane,
    ...(p.standardization ? { standardization: p.standardization } : {}),
    target: ex.target,
  };
}
