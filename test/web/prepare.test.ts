/**
 * The playground's data on the library's pipelines (web/src/prepare.ts): a CSV is split and
 * standardised as `backprop train` does it, and the toy sets are split by class with the seed's
 * split stream.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { csvTextToExamples, parseCsv, trainModel } from '../../src/index.js';
import { bundledExamples, prepareTable, prepareToy } from '../../web/src/prepare.js';
import { DEFAULTS, type Settings } from '../../web/src/settings.js';

const settings = (over: Partial<Settings>): Settings => ({ ...DEFAULTS, ...over });
const rowsOf = (m: { rows: number; cols: number; data: Float64Array }) =>
  Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));

describe("the playground's data", () => {
  it('splits and standardises a CSV as `backprop train --validation-split 0` does', () => {
    const s = settings({ data: 'breast-cancer', seed: 3, test: 0.2 });
    const p = prepareTable(bundledExamples('breast-cancer'), s);
    const table = parseCsv(readFileSync('data/breast-cancer.csv', 'utf8'), 'data/breast-cancer.csv');
    const cli = trainModel(table, {
      target: 'malignant',
      features: ['worst_radius', 'worst_texture', 'worst_smoothness'],
      seed: 3,
      testSplit: 0.2,
      validationSplit: 0,
      epochs: 1,
    });
    expect(p.standardization).toEqual(cli.model.standardization);
    expect(rowsOf(p.train.x)).toEqual(rowsOf(cli.train.x));
    expect(rowsOf(p.test.x)).toEqual(rowsOf(cli.test!.x));
    expect(rowsOf(p.test.y)).toEqual(rowsOf(cli.test!.y));
    expect(p.featureNames).toEqual(['worst_radius', 'worst_texture', 'worst_smoothness']);
  });

  it('refuses a CSV too small to leave a test example, in words', () => {
    const ex = csvTextToExamples('a,label\n1,x\n2,y\n', 'tiny.csv');
    expect(() => prepareTable(ex, settings({ data: 'csv', test: 0.1 }))).toThrow(
      'tiny.csv: 2 rows leave no test example at test fraction 0.1: choose a larger fraction or give more rows',
    );
  });

  it('splits a toy set by class, the same way for the same seed', () => {
    const p = prepareToy(settings({ data: 'circle', seed: 4, test: 0.3 }));
    const again = prepareToy(settings({ data: 'circle', seed: 4, test: 0.3 }));
    expect(rowsOf(again.test.x)).toEqual(rowsOf(p.test.x));
    expect(p.train.x.rows + p.test.x.rows).toBe(400);
    const ones = (y: { data: Float64Array }) => y.data.reduce((s, v) => s + v, 0);
    const allOnes = ones(p.train.y) + ones(p.test.y);
    // Each class gives round(0.3 · its count) test examples.
    expect(ones(p.test.y)).toBe(Math.round(0.3 * allOnes));
    expect(p.test.x.rows - ones(p.test.y)).toBe(Math.round(0.3 * (400 - allOnes)));
    expect(rowsOf(prepareToy(settings({ data: 'circle', seed: 5, test: 0.3 })).test.x)).not.toEqual(rowsOf(p.test.x));
  });
});
