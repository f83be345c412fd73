import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromRows, toRows } from '../../src/core/matrix.js';
import { createRandom } from '../../src/core/random.js';
import { parseCsv } from '../../src/data/csv.js';
import { tableToExamples, targetMatrix } from '../../src/data/examples.js';
import { classIndices, stratifiedSplit } from '../../src/data/split.js';
import { fitStandardization, standardize } from '../../src/data/standardize.js';
import { readCsv } from '../../src/node/csv-file.js';

const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', name);
const root = (name: string) => join(import.meta.dirname, '..', '..', name);

describe('tableToExamples', () => {
  it('takes the last column as target and the others as features by default', () => {
    const ex = tableToExamples(readCsv(fixture('tiny.csv')));
    expect(ex.target).toBe('label');
    expect(ex.features).toEqual(['a', 'b']);
    expect(toRows(ex.x)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    expect(Array.from(ex.y.data)).toEqual([0, 1, 0, 1]);
    expect(ex.labels).toEqual({ kind: 'binary', classes: ['0', '1'] });
  });

  it('maps two strings to 0/1 alphabetically, and "1.0" is the class "1"', () => {
    const t = parseCsv('f,c\n1,M\n2,B\n3,M\n', 's.csv');
    const ex = tableToExamples(t);
    expect(ex.labels).toEqual({ kind: 'binary', classes: ['B', 'M'] });
    expect(Array.from(ex.y.data)).toEqual([1, 0, 1]);
    const n = tableToExamples(parseCsv('f,c\n1,1.0\n2,0\n3,1\n', 'n.csv'));
    expect(Array.from(n.y.data)).toEqual([1, 0, 1]);
  });

  it('one-hot encodes three or more classes (iris)', () => {
    const ex = tableToExamples(readCsv(root('data/iris.csv')));
    expect(ex.labels).toEqual({ kind: 'multiclass', classes: ['setosa', 'versicolor', 'virginica'] });
    expect(ex.y.cols).toBe(3);
    expect(toRows(ex.y)[0]).toEqual([1, 0, 0]);
    expect(toRows(ex.y)[149]).toEqual([0, 0, 1]);
  });

  it('keeps raw numbers for regression', () => {
    const ex = tableToExamples(parseCsv('f,t\n1,2.5\n2,-3\n', 'r.csv'), { regression: true });
    expect(ex.labels).toEqual({ kind: 'regression' });
    expect(Array.from(ex.y.data)).toEqual([2.5, -3]);
  });

  it('explains bad targets and columns', () => {
    expect(() => tableToExamples(readCsv(fixture('single-class.csv')))).toThrow(
      /single-class\.csv, column malignant: every row has the label '1', expected at least two classes/,
    );
    expect(() => tableToExamples(readCsv(fixture('tiny.csv')), { target: 'lable' })).toThrow(
      /tiny\.csv: no column 'lable' \(the target\); the columns are: a, b, label/,
    );
    expect(() => tableToExamples(readCsv(fixture('non-numeric.csv')))).toThrow(
      /non-numeric\.csv line 17, column worst_texture: 'abc' is not a number$/,
    );
    expect(() => tableToExamples(readCsv(fixture('empty-cell.csv')))).toThrow(
      /empty-cell\.csv line 17, column worst_texture: empty cell, expected a number$/,
    );
    expect(() => targetMatrix(parseCsv('f,c\n1,x\n', 'u.csv'), 'c', { kind: 'binary', classes: ['a', 'b'] })).toThrow(
      /u\.csv line 2, column c: label 'x' is not one of the model's classes \(a, b\)/,
    );
  });
});

describe('standardisation', () => {
  it('uses the population std and gives a constant column std 1', () => {
    const x = fromRows([
      [1, 5],
      [2, 5],
      [3, 5],
      [6, 5],
    ]);
    const s = fitStandardization(x);
    // mean 3, population variance ((−2)² + (−1)² + 0² + 3²)/4 = 3.5
    expect(s.mean).toEqual([3, 5]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(3.5), 15);
    expect(s.std[1]).toBe(1);
    const z = standardize(x, s);
    expect(z.data[0]).toBeCloseTo(-2 / Math.sqrt(3.5), 15);
    expect(z.data[1]).toBe(0);
  });
});

describe('stratifiedSplit', () => {
  const classes = Int32Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : 1));
  const rows = Array.from({ length: 100 }, (_, i) => i);

  it('holds out the fraction of each class and partitions the rows', () => {
    const { kept, held } = stratifiedSplit(rows, classes, 0.2, createRandom(1));
    expect(held.filter((r) => classes[r] === 0)).toHaveLength(14);
    expect(held.filter((r) => classes[r] === 1)).toHaveLength(6);
    expect([...kept, ...held].sort((a, b) => a - b)).toEqual(rows);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
  });

  it('is the same for the same seed and differs for another', () => {
    const a = stratifiedSplit(rows, classes, 0.2, createRandom(7)).held;
    const b = stratifiedSplit(rows, classes, 0.2, createRandom(7)).held;
    const c = stratifiedSplit(rows, classes, 0.2, createRandom(8)).held;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('class indices come from the one-hot rows', () => {
    const ex = tableToExamples(readCsv(root('data/iris.csv')));
    const cls = classIndices(ex.y, ex.labels)!;
    expect([cls[0], cls[50], cls[149]]).toEqual([0, 1, 2]);
  });
});
