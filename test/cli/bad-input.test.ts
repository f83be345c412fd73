import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BREAST_CANCER, fixture, run, tempDir } from './run-cli.js';

const OLD = 'OLD OUTPUT — must survive\n';
/** A stale model file (train --out replaces a model file, but not on bad input). */
const OLD_MODEL = '{"format": "backprop-model", "version": 1, "note": "OLD MODEL — must survive"}\n';

/** Runs a failing command in a directory holding a stale model.json; checks the error contract. */
function fails(args: string[], setup?: (dir: string) => void): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'model.json'), OLD_MODEL);
  writeFileSync(join(dir, 'preds.csv'), OLD);
  setup?.(dir);
  const before = readdirSync(dir).sort();
  const r = run(args, dir);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  // One line, no stack trace.
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
  // Nothing created or overwritten.
  expect(readdirSync(dir).sort()).toEqual(before);
  expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe(OLD_MODEL);
  expect(readFileSync(join(dir, 'preds.csv'), 'utf8')).toBe(OLD);
  return r.stderr.trim();
}

const train = (data: string, ...flags: string[]) => [
  'train',
  data,
  '--out',
  'model.json',
  '--report',
  'report.html',
  ...flags,
];

describe('bad CSV input: one line naming file, line and field; exit 2; nothing written', () => {
  it('missing file', () => {
    expect(fails(train('missing.csv'))).toBe('backprop: missing.csv: no such file');
  });
  it('empty file', () => {
    expect(fails(train(fixture('empty.csv')))).toMatch(
      /empty\.csv: the file is empty, expected a header line and data rows$/,
    );
  });
  it('header only', () => {
    expect(fails(train(fixture('header-only.csv')))).toMatch(/header-only\.csv: has a header but no data rows/);
  });
  it('ragged row', () => {
    expect(fails(train(fixture('ragged-row.csv')))).toMatch(/ragged-row\.csv line 17: 5 fields, header has 4$/);
  });
  it('non-numeric feature', () => {
    expect(fails(train(fixture('non-numeric.csv')))).toMatch(
      /non-numeric\.csv line 17, column worst_texture: 'abc' is not a number$/,
    );
  });
  it('empty cell', () => {
    expect(fails(train(fixture('empty-cell.csv')))).toMatch(
      /empty-cell\.csv line 17, column worst_texture: empty cell, expected a number$/,
    );
  });
  it('unknown target column lists the columns', () => {
    expect(fails(train(fixture('tiny.csv'), '--target', 'lable'))).toBe(
      `backprop: ${fixture('tiny.csv')}: no column 'lable' (the target); the columns are: a, b, label`,
    );
  });
  it('single-class target', () => {
    expect(fails(train(fixture('single-class.csv')))).toMatch(
      /single-class\.csv, column malignant: every row has the label '1', expected at least two classes/,
    );
  });
});

describe('bad flags', () => {
  it('unknown flag suggests the near one', () => {
    expect(fails(train(fixture('tiny.csv'), '--epoch', '5'))).toBe(
      "backprop: unknown option '--epoch' (Did you mean --epochs?)",
    );
  });
  it('--lr -1', () => {
    expect(fails(train(fixture('tiny.csv'), '--lr', '-1'))).toMatch(
      /'--lr <rate>' argument '-1' is invalid\. expected a number > 0/,
    );
  });
  it('--batch-size 0', () => {
    expect(fails(train(fixture('tiny.csv'), '--batch-size', '0'))).toMatch(
      /'--batch-size <n>' argument '0' is invalid\. expected an integer ≥ 1/,
    );
  });
  it('--epochs abc', () => {
    expect(fails(train(fixture('tiny.csv'), '--epochs', 'abc'))).toMatch(
      /'--epochs <n>' argument 'abc' is invalid\. expected an integer ≥ 1/,
    );
  });
  it('an unknown command suggests the near one', () => {
    expect(fails(['evalute'])).toMatch(/unknown command 'evalute' \(Did you mean evaluate\?\)/);
  });
});

describe('bad model files', () => {
  const withModel = (name: string, text: string) => (dir: string) => writeFileSync(join(dir, name), text);
  const valid = {
    format: 'backprop-model',
    version: 1,
    features: ['worst_radius', 'worst_texture', 'worst_smoothness'],
    loss: { name: 'binary_crossentropy' },
    layers: [
      {
        activation: 'sigmoid',
        kernel: [
          [1, 2, 3, 4],
          [1, 2, 3, 4],
          [1, 2, 3, 4],
        ],
        bias: [0, 0, 0, 0],
      },
      { activation: 'sigmoid', kernel: [[1], [1], [1], [1]], bias: [0] },
    ],
  };
  const predict = (model: string) => ['predict', model, BREAST_CANCER, '--out', 'preds.csv'];

  it('not JSON', () => {
    expect(fails(predict('m.json'), withModel('m.json', '{"format": "backprop-model",\n "version": 1,,\n}'))).toMatch(
      /^backprop: m\.json line 2 column 15: not valid JSON/,
    );
  });
  it('wrong format', () => {
    expect(fails(predict('m.json'), withModel('m.json', JSON.stringify({ ...valid, format: 'keras' })))).toBe(
      'backprop: m.json: format is "keras", expected "backprop-model"',
    );
  });
  it('wrong version', () => {
    expect(fails(predict('m.json'), withModel('m.json', JSON.stringify({ ...valid, version: 7 })))).toMatch(
      /m\.json: version is 7, expected 1/,
    );
  });
  it('mismatched shapes: kernel 3×5 with a bias of 4', () => {
    const bad = {
      ...valid,
      layers: [
        {
          activation: 'sigmoid',
          kernel: [
            [1, 2, 3, 4, 5],
            [1, 2, 3, 4, 5],
            [1, 2, 3, 4, 5],
          ],
          bias: [0, 0, 0, 0],
        },
        valid.layers[1],
      ],
    };
    expect(fails(predict('m.json'), withModel('m.json', JSON.stringify(bad)))).toMatch(
      /m\.json: layer 1: kernel is 3×5 but bias has 4 values/,
    );
  });
  it('a field of the wrong type names its JSON path', () => {
    const bad = { ...valid, layers: [{ ...valid.layers[0], activation: 'sigmoidal' }, valid.layers[1]] };
    expect(fails(predict('m.json'), withModel('m.json', JSON.stringify(bad)))).toMatch(
      /m\.json: layers\[0\]\.activation: .*expected one of/,
    );
  });
  it('feature names the CSV lacks', () => {
    const bad = { ...valid, features: ['worst_radius', 'worst_texture', 'worst_smoothnes'] };
    expect(fails(predict('m.json'), withModel('m.json', JSON.stringify(bad)))).toMatch(
      /breast-cancer\.csv: no column 'worst_smoothnes', which m\.json needs as feature 3; the columns are: mean_radius, /,
    );
    expect(fails(['evaluate', 'm.json', BREAST_CANCER], withModel('m.json', JSON.stringify(bad)))).toMatch(
      /no column 'worst_smoothnes'/,
    );
  });
  it('a bad --init model stops training before anything is written', () => {
    expect(fails(train(BREAST_CANCER, '--init', 'init.json'), withModel('init.json', '[]'))).toMatch(
      /init\.json: expected a JSON object/,
    );
  });
  it('a good model still works in the same setting (the checks above are not vacuous)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'm.json'), JSON.stringify(valid));
    copyFileSync(BREAST_CANCER, join(dir, 'd.csv'));
    const r = run(['predict', 'm.json', 'd.csv', '--out', 'p.csv'], dir);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'p.csv'))).toBe(true);
  });
});
