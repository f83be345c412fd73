/**
 * Resume and fine-tune (issue 10.1): `init` starts from the model's function exactly (its
 * features, labels and standardisation), takes its optimiser, and with the saved optimiser
 * state continues a run bit for bit — checked against an uninterrupted run of the same length.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { type Model, parseModel, serializeModel } from '../../src/data/model-file.js';
import { predictTable } from '../../src/data/predict.js';
import { type TrainOptions, trainModel } from '../../src/data/train.js';
import { BREAST_CANCER, IRIS, run, tempDir } from '../cli/run-cli.js';

const cancer = parseCsv(readFileSync(BREAST_CANCER, 'utf8'), 'breast-cancer.csv');
const iris = parseCsv(readFileSync(IRIS, 'utf8'), 'iris.csv');
const FEATURES = ['worst_radius', 'worst_texture', 'worst_smoothness', 'mean_area'];

/** The model as its file holds it, read back: what `train --init` would get. */
const throughFile = (m: Model) => parseModel(serializeModel(m), 'm.json');
const layers = (m: Model) => JSON.stringify(JSON.parse(serializeModel(m)).layers);

describe('train --init', () => {
  it('with η → 0 leaves every prediction equal (standardisation and labels kept exactly)', () => {
    // Trained on the first 100 rows, whose statistics differ from the full file's.
    const small = { ...cancer, rows: cancer.rows.slice(0, 100), lines: cancer.lines.slice(0, 100) };
    for (const optimizer of ['sgd', 'adam', 'momentum'] as const) {
      const { model } = trainModel(small, { target: 'malignant', features: FEATURES, optimizer, epochs: 20, lr: 0.01 });
      const init = { model: throughFile(model), name: 'm.json' };
      const tuned = trainModel(cancer, { init, epochs: 1, lr: 1e-300 }).model;
      expect(tuned.standardization).toEqual(model.standardization);
      expect(tuned.training?.optimizer?.name).toBe(optimizer);
      expect(predictTable(tuned, cancer).rows).toEqual(predictTable(model, cancer).rows);
    }
  });

  it("takes the model's optimiser, learning rate, batch size and seed unless given", () => {
    const { model } = trainModel(iris, { optimizer: 'adam', lr: 0.02, batchSize: 4, seed: 7, epochs: 2 });
    const init = { model: throughFile(model), name: 'm.json' };
    const t = trainModel(iris, { init, epochs: 1 }).model.training!;
    expect([t.optimizer, t.batchSize, t.seed]).toEqual([model.training!.optimizer, 4, 7]);
    const u = trainModel(iris, { init, epochs: 1, optimizer: 'sgd', batchSize: 2 }).model.training!;
    expect([u.optimizer, u.batchSize]).toEqual([{ name: 'sgd', learningRate: 0.1 }, 2]);
  });

  it.each(['adam', 'momentum', 'nesterov', 'sgd'] as const)(
    'resuming %s for k epochs from a saved run equals the uninterrupted run bit for bit',
    (optimizer) => {
      const base: TrainOptions = { optimizer, lr: 0.01, seed: 3, batchSize: 16, hidden: [5], includeOptimizer: true };
      const whole = trainModel(iris, { ...base, epochs: 12 });
      const first = trainModel(iris, { ...base, epochs: 5 });
      expect(first.model.optimizerState?.epochs).toBe(5);
      // Only the model file and the number of epochs: the rest comes from the file.
      const rest = trainModel(iris, {
        init: { model: throughFile(first.model), name: 'm.json' },
        epochs: 7,
        includeOptimizer: true,
      });
      expect(layers(rest.model)).toBe(layers(whole.model));
      expect(rest.history.epochs).toEqual(whole.history.epochs.slice(5));
      expect(rest.model.optimizerState).toEqual(whole.model.optimizerState);
      expect(rest.metrics).toEqual(whole.metrics);
    },
  );

  it('without the saved state, Adam restarts its moments (and so differs): the state is what makes resuming exact', () => {
    const base: TrainOptions = { optimizer: 'adam', lr: 0.01, seed: 3, batchSize: 16 };
    const whole = trainModel(iris, { ...base, epochs: 6 });
    const first = trainModel(iris, { ...base, epochs: 3 });
    const rest = trainModel(iris, { init: { model: throughFile(first.model), name: 'm.json' }, epochs: 3 });
    expect(layers(rest.model)).not.toBe(layers(whole.model));
  });

  it('refuses data without a feature, new labels, other --features and --no-standardize on a standardised model', () => {
    const { model } = trainModel(iris, { epochs: 1, features: ['sepal_length_cm', 'petal_length_cm'] });
    const init = { model, name: 'm.json' };
    const header = iris.header.filter((h) => h !== 'petal_length_cm');
    const cols = header.map((h) => iris.header.indexOf(h));
    const lacking = { ...iris, header, rows: iris.rows.map((r) => cols.map((c) => r[c])) };
    expect(() => trainModel(lacking, { init })).toThrow(
      /no column 'petal_length_cm', which m\.json needs as feature 2/,
    );
    const renamed = { ...iris, rows: iris.rows.map((r, i) => (i === 3 ? [...r.slice(0, -1), 'daisy'] : r)) };
    expect(() => trainModel(renamed, { init })).toThrow(/label 'daisy' is not one of the model's classes/);
    expect(() => trainModel(iris, { init, features: ['petal_length_cm', 'sepal_length_cm'] })).toThrow(
      /--features petal_length_cm,sepal_length_cm: m\.json reads sepal_length_cm,petal_length_cm/,
    );
    expect(() => trainModel(iris, { init, standardize: false })).toThrow(
      /--no-standardize: m\.json was trained on standardised features/,
    );
  });

  it('keeps the class order of the model even when the data lists the classes in another order', () => {
    const { model } = trainModel(iris, { epochs: 1 });
    const reversed = { ...iris, rows: [...iris.rows].reverse(), lines: [...iris.lines].reverse() };
    const tuned = trainModel(reversed, { init: { model, name: 'm.json' }, epochs: 1 }).model;
    expect(tuned.labels).toEqual(model.labels);
  });

  it('the CLI resumes Adam from the saved state: 3 + 2 epochs equal 5', () => {
    const dir = tempDir();
    const args = [
      '--optimizer',
      'adam',
      '--lr',
      '0.01',
      '--seed',
      '2',
      '--hidden',
      '6',
      '--include-optimizer',
      '--quiet',
    ];
    expect(run(['train', IRIS, ...args, '--epochs', '5', '--out', 'whole.json'], dir).code).toBe(0);
    expect(run(['train', IRIS, ...args, '--epochs', '3', '--out', 'first.json'], dir).code).toBe(0);
    const r = run(
      ['train', IRIS, '--init', 'first.json', '--epochs', '2', '--include-optimizer', '--out', 'rest.json', '--quiet'],
      dir,
    );
    expect(r.stderr).toBe('');
    const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
    expect(read('rest.json').layers).toEqual(read('whole.json').layers);
    expect(read('rest.json').optimizerState).toEqual(read('whole.json').optimizerState);
    expect(read('rest.json').training.optimizer).toEqual(read('whole.json').training.optimizer);
    writeFileSync(join(dir, 'nostd.csv'), 'a,b\n');
    const refused = run(['train', IRIS, '--init', 'first.json', '--no-standardize', '--out', 'x.json'], dir);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--no-standardize: first\.json was trained on standardised features/);
  });
});

describe('the optimiser state in the model file', () => {
  it('is written only when asked (version 2), read back exactly, and checked against the network', () => {
    const plain = trainModel(iris, { epochs: 1 }).model;
    expect(JSON.parse(serializeModel(plain)).version).toBe(1);
    const { model } = trainModel(iris, { optimizer: 'adam', epochs: 2, includeOptimizer: true });
    const value = JSON.parse(serializeModel(model));
    expect(value.version).toBe(2);
    expect(value.optimizerState).toMatchObject({ version: 1, name: 'adam', epochs: 2, seed: 0 });
    expect(value.optimizerState.slots1.map((a: number[]) => a.length)).toEqual([16, 4, 12, 3]);
    expect(parseModel(JSON.stringify(value), 'm.json').optimizerState).toEqual(model.optimizerState);
    const short = {
      ...value,
      optimizerState: { ...value.optimizerState, slots2: value.optimizerState.slots2.slice(1) },
    };
    expect(() => parseModel(JSON.stringify(short), 'm.json')).toThrow(
      /optimizerState\.slots2: arrays of 4, 12, 3 values, expected 16, 4, 12, 3/,
    );
    expect(() => parseModel(JSON.stringify({ ...value, version: 1 }), 'm.json')).toThrow(
      /optimizerState needs version 2, but the file says version 1/,
    );
  });
});

describe('an interrupted run and its optimiser state', () => {
  it('keeps no state when the interruption cut the last epoch short, and keeps it at an epoch boundary', () => {
    const base: TrainOptions = { optimizer: 'adam', batchSize: 8, epochs: 5, hidden: [8], includeOptimizer: true };
    // shouldStop is read before each epoch and after each batch: with iris's ~14 batches an
    // epoch, call 20 falls inside epoch 2.
    let calls = 0;
    const cut = trainModel(iris, { ...base, shouldStop: () => ++calls >= 20 }).model;
    expect(cut.training?.stopReason).toBe('interrupted');
    expect(cut.training?.partialEpoch).toBeDefined();
    expect(cut.optimizerState).toBeUndefined();

    let epochs = 0;
    const whole = trainModel(iris, { ...base, onEpochEnd: () => void epochs++, shouldStop: () => epochs >= 2 }).model;
    expect(whole.training?.stopReason).toBe('interrupted');
    expect(whole.training?.partialEpoch).toBeUndefined();
    expect(whole.optimizerState?.epochs).toBe(2);
  });
});
