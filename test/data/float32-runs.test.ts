/**
 * What makes a run float32, and what it holds: a float32 `init` model keeps float32 for the data
 * too (not only the arithmetic); a finite number float32 cannot hold is bad input, never a
 * silent Infinity; and the float64 overloads' types hold only for runs that are float64.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AnyMatrix, Matrix } from '../../src/core/matrix.js';
import { InputError, parseCsv, trainModel } from '../../src/index.js';
import { readTrainingExamples } from '../../src/node/train-file.js';
import { readExamples, saveTrainResult, trainFromCsvFile } from '../../src/node.js';
import { run, tempDir } from '../cli/run-cli.js';

/** 60 rows of two features and a 0/1 label, written to a file; `cell` replaces row 3's b. */
function csv(cell?: string): string {
  const lines = ['a,b,label'];
  for (let i = 0; i < 60; i++) {
    const a = (Math.sin(i) * 3 + 1 / 3).toPrecision(12);
    const b = i === 2 && cell !== undefined ? cell : (Math.cos(i * 7) / 3).toPrecision(12);
    lines.push(`${a},${b},${Math.sin(i) + Math.cos(i * 7) > 0 ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}

const TEXT = csv();
const opts = { target: 'label', hidden: [3], epochs: 2, seed: 4 };
const json = (r: { model: unknown; history: unknown }) => JSON.stringify([r.model, r.history]);

describe('a float32 init model and no dtype', () => {
  const first = trainModel(parseCsv(TEXT, 'd.csv'), { ...opts, dtype: 'float32' });
  const init = { model: first.model, name: 'first.json' };

  it('trains on float32 features, the bits of the same run with dtype float32 given', () => {
    const inherited = trainModel(parseCsv(TEXT, 'd.csv'), { ...opts, init });
    const given = trainModel(parseCsv(TEXT, 'd.csv'), { ...opts, init, dtype: 'float32' });
    for (const split of [inherited.train, inherited.validation!, inherited.test!])
      expect(split.x.data).toBeInstanceOf(Float32Array);
    expect(inherited.model.training?.dtype).toBe('float32');
    expect(json(inherited)).toBe(json(given));
  });

  it('from a file and from a table: the same model', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'd.csv'), TEXT);
    saveTrainResult(first, join(dir, 'first.json'));
    const viaFile = trainFromCsvFile(join(dir, 'd.csv'), { ...opts, initFile: join(dir, 'first.json') });
    const viaTable = trainModel(parseCsv(TEXT, 'd.csv'), { ...opts, init });
    expect(viaFile.train.x.data).toBeInstanceOf(Float32Array);
    expect(JSON.stringify(viaFile.model.network)).toBe(JSON.stringify(viaTable.model.network));
  });

  it('the types say what may come back: float64 only when no init model can make it float32', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'd.csv'), TEXT);
    const table = parseCsv(TEXT, 'd.csv');
    expectTypeOf(trainModel(table, opts).train.x).toEqualTypeOf<Matrix>();
    expectTypeOf(trainModel(table, { ...opts, dtype: 'float64', init }).train.x).toEqualTypeOf<Matrix>();
    expectTypeOf(trainModel(table, { ...opts, init }).train.x).toEqualTypeOf<AnyMatrix>();
    const file = join(dir, 'd.csv');
    const initFile = join(dir, 'first.json');
    saveTrainResult(first, initFile);
    expectTypeOf(trainFromCsvFile(file, opts).train.x).toEqualTypeOf<Matrix>();
    expectTypeOf(readTrainingExamples(file, opts).examples.x).toEqualTypeOf<Matrix>();
    const resumed = trainFromCsvFile(file, { ...opts, initFile });
    expectTypeOf(resumed.train.x).toEqualTypeOf<AnyMatrix>();
    expect(resumed.train.x.data).toBeInstanceOf(Float32Array);
    const read = readTrainingExamples(file, { ...opts, initFile });
    expectTypeOf(read.examples.x).toEqualTypeOf<AnyMatrix>();
    expect(read.examples.x.data).toBeInstanceOf(Float32Array);
    const asked = trainFromCsvFile(file, { ...opts, initFile, dtype: 'float64' });
    expectTypeOf(asked.train.x).toEqualTypeOf<Matrix>();
    expect(asked.train.x.data).toBeInstanceOf(Float64Array);
  });
});

describe('a finite number beyond float32’s range', () => {
  const message =
    /\/d\.csv line 4, column b: '-1e39' is beyond float32's range \(dtype float32\), expected a number within ±3\.4028235e38$/;

  it('read as float32: refused naming the file, line and column; float64 reads it', () => {
    const dir = tempDir();
    const file = join(dir, 'd.csv');
    writeFileSync(file, csv('-1e39'));
    expect(readExamples(file, { target: 'label' }).x.data[2 * 2 + 1]).toBe(-1e39);
    const read = () => readExamples(file, { target: 'label' }, {}, 'float32');
    expect(read).toThrow(InputError);
    expect(read).toThrow(message);
    // The largest float32 and what rounds to it are held.
    writeFileSync(file, csv('3.4028235e38'));
    expect(readExamples(file, { target: 'label' }, {}, 'float32').x.data[2 * 2 + 1]).toBe(3.4028234663852886e38);
  });

  it('a table or float64 examples made float32: refused the same way', () => {
    const table = parseCsv(csv('-1e39'), 'd.csv');
    expect(() => trainModel(table, { ...opts, dtype: 'float32' })).toThrow(InputError);
    expect(() => trainModel(table, { ...opts, dtype: 'float32' })).toThrow(
      /^d\.csv line 4, column b: '-1e\+39' is beyond float32's range/,
    );
    expect(() => trainModel(table, opts)).not.toThrow();
  });

  it('backprop train --dtype float32: one line, exit 2, nothing written', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'd.csv'), csv('-1e39'));
    const r = run(['train', 'd.csv', '--dtype', 'float32', '--epochs', '1', '--out', 'm.json'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/d\.csv line 4, column b: '-1e39' is beyond float32's range/);
    expect(existsSync(join(dir, 'm.json'))).toBe(false);
  });
});
