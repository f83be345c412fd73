/**
 * Holding a large file once: `reuseExamples` reorders and standardises the examples' buffer in
 * place and gives the same run as the copying path; `permuteRowsInPlace` against row copies;
 * `evaluateNetwork`, which runs its forward pass in blocks, against `lossOf` and `predict` over
 * every row at once.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateNetwork } from '../../src/data/evaluate.js';
import { permuteRowsInPlace } from '../../src/data/split.js';
import { trainingColumns } from '../../src/data/train.js';
import { createNetwork, createRandom, predict, serializeModel, trainModel, zeros } from '../../src/index.js';
import { lossOf } from '../../src/nn/backprop.js';
import { createWorkspace } from '../../src/nn/network.js';
import { readExamples } from '../../src/node.js';

const REPO = join(import.meta.dirname, '..', '..');
const IRIS = join(REPO, 'data', 'iris.csv');
const BC = join(REPO, 'data', 'breast-cancer.csv');

describe('permuteRowsInPlace', () => {
  it('puts old row order[i] at row i, for random permutations with cycles of every length', () => {
    const rng = createRandom(7);
    for (const [rows, cols] of [
      [1, 3],
      [2, 1],
      [57, 4],
      [500, 3],
    ]) {
      const m = zeros(rows, cols);
      for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
      const before = Array.from({ length: rows }, (_, r) => Array.from(m.data.subarray(r * cols, (r + 1) * cols)));
      const order = Array.from({ length: rows }, (_, i) => i);
      rng.shuffle(order);
      permuteRowsInPlace(m, order);
      for (let i = 0; i < rows; i++)
        expect(Array.from(m.data.subarray(i * cols, (i + 1) * cols))).toEqual(before[order[i]]);
    }
  });

  it('refuses an order that is not a permutation, rather than looping', () => {
    const m = zeros(3, 2);
    expect(() => permuteRowsInPlace(m, [1, 1, 0])).toThrow(/not a permutation/);
    expect(() => permuteRowsInPlace(m, [0, 1])).toThrow(/2 indices for 3 rows/);
  });
});

describe('trainModel with reuseExamples', () => {
  const cases = [
    { name: 'iris, softmax, validation and test', file: IRIS, options: { hidden: [5], epochs: 8, seed: 3 } },
    { name: 'breast cancer, patience, no shuffle', file: BC, options: { epochs: 6, shuffle: false, patience: 2 } },
    { name: 'breast cancer, not standardised', file: BC, options: { epochs: 3, standardize: false, batchSize: 1 } },
    {
      name: 'iris regression, target standardised',
      file: IRIS,
      options: { target: 'sepal_length_cm', ignore: ['species'], loss: 'mse', epochs: 5, optimizer: 'adam' as const },
    },
    { name: 'iris, no test split', file: IRIS, options: { epochs: 4, testSplit: 0 } },
  ];
  for (const { name, file, options } of cases) {
    it(`${name}: the same model, history and metrics as the copying path`, () => {
      const read = () => readExamples(file, (header, f) => trainingColumns(options, header, f));
      const copied = trainModel(read(), options);
      const examples = read();
      const { x: raw, y: rawY } = read(); // an untouched copy, to check the splits by hand
      const reused = trainModel(examples, { ...options, reuseExamples: true });
      expect(serializeModel(reused.model)).toBe(serializeModel(copied.model));
      expect(reused.history).toEqual(copied.history);
      expect(reused.metrics).toEqual(copied.metrics);
      // The splits are views of the examples' own buffer, each row (raw − mean) / std by hand.
      const st = reused.model.standardization;
      for (const split of [reused.train, reused.validation, reused.test]) {
        if (!split) continue;
        expect(split.x.data.buffer).toBe(examples.x.data.buffer);
        split.rows.forEach((r, i) => {
          for (let j = 0; j < raw.cols; j++) {
            const v = raw.data[r * raw.cols + j];
            expect(split.x.data[i * raw.cols + j]).toBe(st ? (v - st.mean[j]) / st.std[j] : v);
          }
        });
        expect(split.y.data.buffer).toBe(examples.y.data.buffer);
        const ts = reused.model.targetStandardization;
        split.rows.forEach((r, i) => {
          for (let j = 0; j < rawY.cols; j++) {
            const v = rawY.data[r * rawY.cols + j];
            expect(split.y.data[i * rawY.cols + j]).toBe(ts ? (v - ts.mean) / ts.std : v);
          }
        });
        expect(split.lines).toEqual(split.rows.map((r) => examples.lines[r]));
        if (st) expect(() => split.raw).toThrow(/not kept/);
        else expect(split.raw).toBe(split.x);
      }
    });
  }
});

describe('evaluateNetwork in blocks', () => {
  const rng = createRandom(11);
  const rows = 4096 * 2 + 777; // two full blocks and a short one
  const x = zeros(rows, 5);
  for (let i = 0; i < x.data.length; i++) x.data[i] = 2 * rng.normal();
  it('a softmax network: log-loss and outputs exactly those of one pass over every row', () => {
    const net = createNetwork(
      {
        inputSize: 5,
        layers: [
          { units: 7, activation: 'tanh' },
          { units: 3, activation: 'softmax' },
        ],
        loss: { name: 'categorical_crossentropy' },
      },
      { seed: 2 },
    );
    const y = zeros(rows, 3);
    for (let r = 0; r < rows; r++) y.data[r * 3 + (r % 3)] = 1;
    const m = evaluateNetwork(net, x, y, { kind: 'multiclass', classes: ['a', 'b', 'c'] });
    if (m.kind !== 'classification') throw new Error('expected classification metrics');
    expect(m.logLoss).toBe(lossOf(net, x, y, createWorkspace(net, rows)));
    const out = predict(net, x);
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const o = out.data.subarray(r * 3, r * 3 + 3);
      if (o.indexOf(Math.max(...o)) === r % 3) correct++;
    }
    expect(m.accuracy).toBe(correct / rows);
  });

  it('a sigmoid network: log-loss exactly that of one pass over every row', () => {
    const net = createNetwork(
      {
        inputSize: 5,
        layers: [
          { units: 4, activation: 'sigmoid' },
          { units: 1, activation: 'sigmoid' },
        ],
        loss: { name: 'binary_crossentropy' },
      },
      { seed: 5 },
    );
    const y = zeros(rows, 1);
    for (let r = 0; r < rows; r++) y.data[r] = x.data[r * 5] > 0 ? 1 : 0;
    const m = evaluateNetwork(net, x, y, { kind: 'binary', classes: ['0', '1'] });
    if (m.kind !== 'classification') throw new Error('expected classification metrics');
    expect(m.logLoss).toBe(lossOf(net, x, y, createWorkspace(net, rows)));
    expect(m.rows).toBe(rows);
  });
});
