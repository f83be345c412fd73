/**
 * The pipelines as library calls: training from a parsed table and from a streamed file give the
 * same model file; evaluate, predict, explain and the model-file and TF.js round trips work on
 * values alone (what a browser has); the label ↔ loss ↔ output-activation rules agree with each other.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialModel } from '../../src/data/init-model.js';
import { lossForOutputActivation } from '../../src/data/labels.js';
import {
  createNetwork,
  defaultOutputActivation,
  evaluateModel,
  explain,
  explainInputFromTable,
  explainInputFromValues,
  fromModelFile,
  fromTfjsLayers,
  InputError,
  type LabelMapping,
  lossForLabels,
  type Model,
  notesQuantities,
  outputUnits,
  parseCsv,
  predictTable,
  predictValues,
  prepareDataset,
  serializeModel,
  tableFromRows,
  toModelFile,
  toTfjsLayers,
  trainModel,
} from '../../src/index.js';
import { trainFromCsvFile } from '../../src/node.js';

const REPO = join(import.meta.dirname, '..', '..');
const IRIS = join(REPO, 'data', 'iris.csv');
const BC = join(REPO, 'data', 'breast-cancer.csv');
const NOTES = { target: 'malignant', features: ['worst_radius', 'worst_texture', 'worst_smoothness'], epochs: 5 };

describe('trainModel', () => {
  it('gives the same model file from a parsed table as from the streamed file', () => {
    const fromTable = trainModel(parseCsv(readFileSync(IRIS, 'utf8'), IRIS), { hidden: [5], epochs: 10, seed: 3 });
    const fromFile = trainFromCsvFile(IRIS, { hidden: [5], epochs: 10, seed: 3 });
    expect(serializeModel(fromTable.model)).toBe(serializeModel(fromFile.model));
    expect(fromTable.metricsOn).toBe('test');
    expect(fromTable.history.epochs).toHaveLength(10);
    expect(fromTable.history.engine).toBeDefined();
  });

  it('refuses a loss the labels do not fit, before training', () => {
    const table = parseCsv(readFileSync(IRIS, 'utf8'), 'iris.csv');
    expect(() => trainModel(table, { loss: 'bce' })).toThrow(
      new InputError("--loss bce: the target 'species' has 3 classes, which needs --loss categorical_crossentropy"),
    );
  });

  it('starts from an initial model, which must fit the data', () => {
    const table = parseCsv(readFileSync(BC, 'utf8'), 'bc.csv');
    const first = trainModel(table, NOTES).model;
    const again = trainModel(table, { epochs: 1, init: { model: first, name: 'first.json' } });
    expect(again.model.features).toEqual(NOTES.features);
    expect(again.model.training?.initializedFrom).toBe('file');
    expect(() =>
      trainModel(table, { ...NOTES, hidden: [3], hiddenGiven: true, init: { model: first, name: 'm.json' } }),
    ).toThrow(/--hidden 3: m\.json has hidden layers 4/);
  });
});

describe('tables and data sets without training', () => {
  it('tableFromRows checks rows by the CSV rules', () => {
    const t = tableFromRows(
      ['x', 'y'],
      [
        ['1', 'a'],
        ['2', 'b'],
      ],
      'grid',
    );
    expect(t.lines).toEqual([2, 3]);
    expect(() => tableFromRows(['x', 'y'], [['1', 'a'], ['2']], 'grid')).toThrow(
      new InputError('grid line 3: 1 fields, header has 2'),
    );
    expect(() => tableFromRows(['x', 'x'], [['1', '2']], 'grid')).toThrow(/grid line 1: column name 'x' appears twice/);
  });

  it('prepareDataset gives the labels, stratified splits and the statistics trainModel trains on', () => {
    const table = parseCsv(readFileSync(IRIS, 'utf8'), 'iris.csv');
    const p = prepareDataset(table, { seed: 4 });
    expect(p.loss).toBe('categorical_crossentropy');
    expect(p.examples.labels).toEqual({ kind: 'multiclass', classes: ['setosa', 'versicolor', 'virginica'] });
    expect([p.train.rows.length, p.validation?.rows.length, p.test?.rows.length]).toEqual([108, 12, 30]);
    const trained = trainModel(table, { seed: 4, epochs: 1 });
    expect(trained.model.standardization).toEqual(p.standardization);
    expect(trained.test?.rows).toEqual(p.test?.rows);
  });
});

describe('evaluate, predict and explain on values', () => {
  const table = parseCsv(readFileSync(BC, 'utf8'), 'bc.csv');
  const { model, metrics } = trainModel(table, NOTES);

  it('evaluateModel is the metric bundle on the model target', () => {
    const m = evaluateModel(model, table);
    expect(m.target).toBe('malignant');
    expect(m.kind).toBe('classification');
    if (m.kind === 'classification' && metrics.kind === 'classification') {
      expect(m.rows).toBe(table.rows.length);
      expect(m.accuracy).toBeGreaterThan(0.5);
      expect(m.confusion.flat().reduce((a, b) => a + b, 0)).toBe(table.rows.length);
    }
  });

  it('predictValues and predictTable agree; binary columns are probability and label', () => {
    const byTable = predictTable(model, table);
    expect(byTable.columns).toEqual(['probability', 'label']);
    const cols = NOTES.features.map((f) => table.header.indexOf(f));
    const raw = table.rows.slice(0, 3).map((r) => cols.map((c) => Number(r[c])));
    expect(predictValues(model, raw).rows).toEqual(byTable.rows.slice(0, 3));
  });

  it("explains one example with the notes' quantities and a batch at any depth", () => {
    const one = explain(explainInputFromValues(model, [17.5, 21.3, 0.14], { label: '1' }));
    expect(one.json.delta1).toBe(notesQuantities(model.network, one.json.x!.flat(), 1).delta1);
    expect(one.json.gradientCheck.agrees).toBe(true);

    const deep = trainModel(table, { ...NOTES, hidden: [3, 2], epochs: 1 }).model;
    const batch = explain(explainInputFromTable(deep, table, { modelName: 'deep.json' }));
    expect(batch.json.rows).toBe(table.rows.length);
    expect(batch.json.layers).toHaveLength(3);
    expect('layers' in batch.json.sgd && batch.json.sgd.layers).toHaveLength(3);
    expect(batch.json.gradientCheck.agrees).toBe(true);
    expect(batch.lines[0]).toBe('Network 3-3-2-1 (sigmoid, sigmoid, sigmoid; binary_crossentropy)');
  });
});

describe('model values and export bytes round-trip without files', () => {
  const model: Model = initialModel({
    sizes: [4, 5, 3],
    features: ['a', 'b', 'c', 'd'],
    classes: ['x', 'y', 'z'],
    seed: 2,
  }).model;

  it('toModelFile → JSON → fromModelFile', () => {
    const value = JSON.parse(JSON.stringify(toModelFile(model)));
    expect(serializeModel(fromModelFile(value, 'm.json'))).toBe(serializeModel(model));
    expect(() => fromModelFile({ ...value, version: 3 }, 'm.json')).toThrow(/m\.json: version is 3, expected 1 or 2/);
  });

  it('toTfjsLayers → fromTfjsLayers', () => {
    const { modelJson, weights } = toTfjsLayers(model);
    const back = fromTfjsLayers(JSON.parse(JSON.stringify(modelJson)), 'web/model.json', (path) => {
      expect(path).toBe('web/group1-shard1of1.bin');
      return weights;
    });
    expect(back.features).toEqual(['a', 'b', 'c', 'd']);
    expect(back.labels).toEqual({ kind: 'multiclass', classes: ['x', 'y', 'z'] });
  });
});

describe('the label rules agree with each other', () => {
  const cases: LabelMapping[] = [
    { kind: 'binary', classes: ['no', 'yes'] },
    { kind: 'multiclass', classes: ['a', 'b', 'c'] },
    { kind: 'regression' },
  ];
  it.each(cases)(
    '$kind: loss, output units and output activation make a network that implies the same loss',
    (labels) => {
      const loss = lossForLabels(labels);
      const units = outputUnits(labels);
      const activation = defaultOutputActivation(loss, units);
      expect(lossForOutputActivation(activation)).toBe(loss);
      const net = createNetwork({ inputSize: 2, layers: [{ units, activation }], loss: { name: loss } });
      expect(net.loss.config.name).toBe(loss);
    },
  );

  it("initialModel's defaults are the notes' network", () => {
    const { model, loss, outputActivation } = initialModel({ sizes: [3, 4, 1] });
    expect([loss, outputActivation]).toEqual(['binary_crossentropy', 'sigmoid']);
    expect(model.labels).toEqual({ kind: 'binary', classes: ['0', '1'] });
    expect(model.features).toEqual(['x1', 'x2', 'x3']);
  });
});
