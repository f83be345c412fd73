/**
 * Models on the bundled data sets for the export tests: every column as a feature, standardised
 * with the data's own statistics, seeded weights scaled up so the outputs spread over (0, 1)
 * rather than sitting near 0.5. Built from the library directly (no training), so the tests do not
 * depend on the trainer.
 */
import { join } from 'node:path';
import type { Matrix } from '../../src/core/matrix.js';
import { featureMatrix, inferLabels } from '../../src/data/examples.js';
import { modelInputs } from '../../src/data/model-data.js';
import type { Model } from '../../src/data/model-file.js';
import { fitStandardization } from '../../src/data/standardize.js';
import type { ActivationName } from '../../src/nn/activations.js';
import type { LossName } from '../../src/nn/losses.js';
import { createNetwork, predict } from '../../src/nn/network.js';
import { readCsv } from '../../src/node/csv-file.js';

const REPO = join(import.meta.dirname, '..', '..');
export const BREAST_CANCER = join(REPO, 'data', 'breast-cancer.csv');
export const IRIS = join(REPO, 'data', 'iris.csv');

export interface ExportCase {
  name: string;
  model: Model;
  /** Raw feature values of every row of the data set, [rows, features]. */
  raw: Matrix;
  /** backprop's float64 predictions (standardisation applied), [rows, outputs]. */
  expected: Matrix;
}

function build(
  name: string,
  file: string,
  target: string,
  hidden: { units: number; activation: ActivationName }[],
  output: { units: number; activation: ActivationName },
  loss: LossName,
  seed: number,
  scale: number,
): ExportCase {
  const table = readCsv(file);
  const features = table.header.filter((h) => h !== target);
  const raw = featureMatrix(table, features);
  const network = createNetwork(
    { inputSize: features.length, layers: [...hidden, output], loss: { name: loss } },
    { seed, biasInitializer: 'glorot_uniform' },
  );
  for (const l of network.layers) for (let i = 0; i < l.kernel.data.length; i++) l.kernel.data[i] *= scale;
  const model: Model = {
    network,
    features,
    target,
    labels: inferLabels(table, target, loss === 'mean_squared_error'),
    standardization: fitStandardization(raw),
    training: { optimizer: { name: 'adam', learningRate: 0.001 }, seed, standardize: true },
    metrics: { note: 'made up for the export tests' },
  };
  return { name, model, raw, expected: predict(network, modelInputs(model, table, name)) };
}

/** Binary (sigmoid/BCE, relu and tanh hidden), multi-class (softmax/CCE) and regression (linear/MSE). */
export function exportCases(): ExportCase[] {
  return [
    build(
      'breast-cancer 30-8-4-1 relu/tanh/sigmoid',
      BREAST_CANCER,
      'malignant',
      [
        { units: 8, activation: 'relu' },
        { units: 4, activation: 'tanh' },
      ],
      { units: 1, activation: 'sigmoid' },
      'binary_crossentropy',
      1,
      2,
    ),
    build(
      'iris 4-6-3 sigmoid/softmax',
      IRIS,
      'species',
      [{ units: 6, activation: 'sigmoid' }],
      { units: 3, activation: 'softmax' },
      'categorical_crossentropy',
      2,
      3,
    ),
    build(
      'breast-cancer 30-5-1 tanh/linear regression',
      BREAST_CANCER,
      'malignant',
      [{ units: 5, activation: 'tanh' }],
      { units: 1, activation: 'linear' },
      'mean_squared_error',
      3,
      1,
    ),
  ];
}

/** The largest |a − b| over two equal-shaped lists. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
