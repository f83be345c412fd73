import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { constantLoss, trainingWarnings } from '../../src/data/diagnose.js';
import { evaluateModel } from '../../src/data/evaluate.js';
import { parseModel, serializeModel } from '../../src/data/model-file.js';
import { trainModel } from '../../src/data/train.js';
import { run, tempDir } from '../cli/run-cli.js';

const BREAST_CANCER = join(import.meta.dirname, '..', '..', 'data', 'breast-cancer.csv');
const table = parseCsv(readFileSync(BREAST_CANCER, 'utf8'), 'breast-cancer.csv');

describe('warnings where training goes nowhere (issue 10.6)', () => {
  it('the constant predictor: class entropy, or the variance', () => {
    const y = (values: number[], cols = 1) => ({ rows: values.length / cols, cols, data: Float64Array.from(values) });
    expect(constantLoss(y([0, 0, 0, 1]), 'binary_crossentropy')).toBeCloseTo(0.5623, 4);
    expect(constantLoss(y([1, 0, 0, 1, 0, 1], 2), 'categorical_crossentropy')).toBeCloseTo(
      Math.log(3) - (2 / 3) * Math.log(2),
      10,
    );
    expect(constantLoss(y([1, 2, 3]), 'mean_squared_error')).toBeCloseTo(2 / 3, 12);
  });

  it('a model that predicts one class everywhere, on unscaled features, says so with the hint', () => {
    const result = trainModel(table, { target: 'malignant', standardize: false, epochs: 20 });
    const w = trainingWarnings(result);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(
      /^the model predicts '0' for every training row; the features are not standardised \(--no-standardize\) and reach 4\.25e\+3: drop --no-standardize/,
    );
  });

  it('a loss no better than the constant predictor names the learning rate', () => {
    const result = trainModel(table, { target: 'malignant', features: ['worst_radius'], lr: 1e-9, epochs: 2 });
    const w = trainingWarnings(result);
    expect(w.join('\n')).toMatch(
      /(predicts '\d' for every training row|no better than predicting the class frequencies).*--lr/,
    );
  });

  it('a run that learnt has no warnings; the CLI prints them on stderr', () => {
    expect(trainingWarnings(trainModel(table, { target: 'malignant', epochs: 20 }))).toEqual([]);
    const dir = tempDir();
    const r = run(
      ['train', BREAST_CANCER, '--no-standardize', '--epochs', '5', '--out', 'm.json', '--log-every', '100'],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: the model predicts '0' for every training row; .*--no-standardize/m);
  });

  it('--loss cce on two classes: two softmax units, saved, loaded and evaluated', () => {
    const result = trainModel(table, { target: 'malignant', loss: 'cce', epochs: 20 });
    expect(result.model.labels).toEqual({ kind: 'multiclass', classes: ['0', '1'] });
    expect(result.model.network.layers.at(-1)?.bias.length).toBe(2);
    expect(result.model.network.layers.at(-1)?.activation.name).toBe('softmax');
    const loaded = parseModel(serializeModel(result.model), 'cce.json');
    const metrics = evaluateModel(loaded, table);
    expect('accuracy' in metrics && metrics.accuracy).toBeGreaterThan(0.9);
    expect(trainingWarnings(result)).toEqual([]);
  });
});
