/**
 * The notes' network on real data: 3 standardised features of the Wisconsin breast-cancer set,
 * 3 → 4 σ → 1 σ, binary cross-entropy, plain SGD, seeded stratified 80/20 split.
 */
import { describe, expect, it } from 'vitest';
import { tableToExamples } from '../../src/data/examples.js';
import { classIndices, stratifiedSplit, takeRows } from '../../src/data/split.js';
import { fitStandardization, standardize } from '../../src/data/standardize.js';
import { accuracy, createNetwork, createRandom, fit, NOTES_NETWORK, predict } from '../../src/index.js';
import { readCsv } from '../../src/node/csv-file.js';

describe("the notes' 3-4-1 network on breast-cancer data", () => {
  it('reaches ≥ 0.93 test accuracy with plain SGD', () => {
    const table = readCsv('data/breast-cancer.csv');
    const data = tableToExamples(table, {
      target: 'malignant',
      features: ['worst_radius', 'worst_texture', 'worst_smoothness'],
    });
    expect(data.x.cols).toBe(3);
    const rows = Array.from({ length: data.x.rows }, (_, i) => i);
    const { kept, held } = stratifiedSplit(rows, classIndices(data.y, data.labels), 0.2, createRandom(42));
    expect(held.length).toBeGreaterThanOrEqual(113);
    expect(held.length).toBeLessThanOrEqual(115);
    // Stratified: the test part keeps the data's share of malignant cases (212 of 569).
    const malignantShare = held.filter((r) => data.y.data[r] === 1).length / held.length;
    expect(Math.abs(malignantShare - 212 / 569)).toBeLessThan(0.01);

    const stats = fitStandardization(takeRows(data.x, kept)); // training rows only
    const train = { x: standardize(takeRows(data.x, kept), stats), y: takeRows(data.y, kept) };
    const test = { x: standardize(takeRows(data.x, held), stats), y: takeRows(data.y, held) };

    const net = createNetwork(NOTES_NETWORK, { seed: 1 });
    const before = accuracy(predict(net, test.x), test.y);
    const history = fit(net, train, {
      epochs: 50,
      batchSize: 1,
      optimizer: { name: 'sgd', learningRate: 0.05 },
      seed: 1,
    });
    const after = accuracy(predict(net, test.x), test.y);
    expect(history.epochs.at(-1)!.loss).toBeLessThan(history.epochs[0].loss);
    expect(after).toBeGreaterThanOrEqual(0.93);
    expect(after).toBeGreaterThan(before);
  });
});
