/**
 * `ignore` in the library's data view: `trainModel` and `prepareDataset` leave the named columns
 * out of the features, as `train --ignore` does, without the CLI.
 */
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { InputError } from '../../src/data/input-error.js';
import { serializeModel } from '../../src/data/model-file.js';
import { prepareDataset, trainModel } from '../../src/data/train.js';

// An id column (distinct integers) and a leak (the target itself, renamed) beside two features.
const rows = Array.from({ length: 40 }, (_, i) => {
  const a = Math.sin(i * 1.3);
  const b = Math.cos(i * 0.7);
  const y = a + 0.5 * b > 0 ? 1 : 0;
  return `${1000 + i},${a.toFixed(4)},${b.toFixed(4)},${y},${y}`;
});
const table = parseCsv(`id,a,b,leak,y\n${rows.join('\n')}\n`, 'data.csv');
const settings = { target: 'y', hidden: [3], epochs: 3, seed: 5 };

describe('ignore in trainModel and prepareDataset', () => {
  it('leaves the columns out: the same model as naming the other features', () => {
    const ignored = trainModel(table, { ...settings, ignore: ['id', 'leak'] });
    expect(ignored.model.features).toEqual(['a', 'b']);
    // The reference: the features named by hand.
    const named = trainModel(table, { ...settings, features: ['a', 'b'] });
    expect(serializeModel(ignored.model)).toBe(serializeModel(named.model));
    // Without ignore, both columns are features.
    expect(trainModel(table, settings).model.features).toEqual(['id', 'a', 'b', 'leak']);
  });

  it('prepareDataset gives the same columns', () => {
    const p = prepareDataset(table, { target: 'y', ignore: ['id', 'leak'] });
    expect(p.examples.features).toEqual(['a', 'b']);
    expect(p.train.x.cols).toBe(2);
    expect(p.standardization?.mean).toHaveLength(2);
  });

  it('refuses a column that is not there, the target, or one also in features', () => {
    expect(() => prepareDataset(table, { target: 'y', ignore: ['nope'] })).toThrow(InputError);
    expect(() => prepareDataset(table, { target: 'y', ignore: ['y'] })).toThrow(
      "data.csv: column 'y' is the target, it cannot be ignored",
    );
    expect(() => prepareDataset(table, { target: 'y', features: ['a', 'id'], ignore: ['id'] })).toThrow(
      "data.csv: column 'id' is both in --features and --ignore",
    );
  });
});
