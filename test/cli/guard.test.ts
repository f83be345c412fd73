/**
 * The output-path guard, command by command: an output that is an input, another output, or an
 * existing file of another kind is refused with exit 2 before any work, and every file is left
 * byte for byte as it was; `--force` replaces a file of another kind but never an input.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BREAST_CANCER, IRIS, run, tempDir } from './run-cli.js';

let trained: Buffer;

beforeAll(() => {
  const dir = tempDir();
  expect(run(['train', IRIS, '--epochs', '3', '--out', 'model.json', '--quiet'], dir).code).toBe(0);
  trained = readFileSync(join(dir, 'model.json'));
});

/** A directory with the trained model.json and iris.csv; returns it and a snapshot function. */
function workspace() {
  const dir = tempDir();
  writeFileSync(join(dir, 'model.json'), trained);
  copyFileSync(IRIS, join(dir, 'iris.csv'));
  // Files no command here reads: a CSV and a text file a model must not silently replace.
  copyFileSync(IRIS, join(dir, 'copy.csv'));
  writeFileSync(join(dir, 'notes.txt'), 'my notes\n');
  const snapshot = () =>
    Object.fromEntries(
      readdirSync(dir).map((f) => [f, existsSync(join(dir, f)) ? readFileSync(join(dir, f)).toString('base64') : '']),
    );
  return { dir, snapshot };
}

const refusals: [string, string[], RegExp][] = [
  [
    'predict --out the model',
    ['predict', 'model.json', 'iris.csv', '--out', 'model.json'],
    /--out model\.json: is the model/,
  ],
  ['predict --out the data', ['predict', 'model.json', 'iris.csv', '--out', './x/../iris.csv'], /is the data/],
  [
    'predict --out the model, even with --force',
    ['predict', 'model.json', 'iris.csv', '--out', 'model.json', '--force'],
    /is the model/,
  ],
  [
    'predict --out over a model file',
    ['predict', 'model.json', 'iris.csv', '--out', 'other.json'],
    /other\.json: exists and is a trained backprop model file; it is kept \(use --force/,
  ],
  [
    'export onnx over its own source, with --force',
    ['export', 'model.json', '--format', 'onnx', '--out', 'model.json', '--force'],
    /is the model being exported/,
  ],
  [
    'export tfjs into its own directory, with --force',
    ['export', 'model.json', '--format', 'tfjs', '--out', '.', '--force'],
    /--out model\.json: is the model being exported/,
  ],
  [
    'init over a trained model',
    ['init', '--out', 'model.json'],
    /--out model\.json: exists and is a trained backprop model file; it is kept \(use --force/,
  ],
  ['train --out the data', ['train', 'iris.csv', '--out', 'iris.csv', '--force'], /is the training data/],
  [
    'train --report the --out',
    ['train', 'iris.csv', '--out', 'a.json', '--report', 'a.json'],
    /--report a\.json is the same file as --out/,
  ],
  [
    'train --report into a file used as a directory',
    ['train', 'iris.csv', '--out', 'n.json', '--report', 'iris.csv/r.html'],
    /--report iris\.csv\/r\.html: cannot be written/,
  ],
  [
    'train --out over a CSV that is not an input',
    ['train', 'iris.csv', '--out', 'copy.csv'],
    /^backprop: --out copy\.csv: exists and is a file this command does not write; it is kept \(use --force to replace it\)$/m,
  ],
  [
    'train --out over a text file',
    ['train', 'iris.csv', '--out', 'notes.txt', '--epochs', '1'],
    /--out notes\.txt: exists and is a file this command does not write; it is kept/,
  ],
  [
    'import --out over a CSV',
    ['import', 'model.json', '--out', 'copy.csv'],
    /--out copy\.csv: exists and is a file this command does not write; it is kept/,
  ],
  [
    'demo --out over a text file',
    ['demo', '--out', 'notes.txt'],
    /--out notes\.txt: exists and is a file this command does not write; it is kept/,
  ],
  ['demo --out its own data, with --force', ['demo', '--out', BREAST_CANCER, '--force'], /is the bundled data/],
  [
    'import over the model it reads',
    ['import', 'model.json', '--out', 'model.json'],
    /is the TF\.js model being imported/,
  ],
];

describe('refused with exit 2, every file byte-identical', () => {
  for (const [name, args, message] of refusals) {
    it(name, () => {
      const { dir, snapshot } = workspace();
      writeFileSync(join(dir, 'other.json'), trained);
      const before = snapshot();
      const r = run(args, dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(snapshot()).toEqual(before);
    });
  }

  it('a hard link and a symbolic link to the data are the data', () => {
    const { dir, snapshot } = workspace();
    linkSync(join(dir, 'iris.csv'), join(dir, 'hard.csv'));
    symlinkSync(join(dir, 'iris.csv'), join(dir, 'soft.csv'));
    const before = snapshot();
    for (const out of ['hard.csv', 'soft.csv']) {
      const r = run(['predict', 'model.json', 'iris.csv', '--out', out, '--force'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/is the data/);
    }
    expect(snapshot()).toEqual(before);
  });

  it('an unwritable --report is refused before training, so no model is written', () => {
    const { dir } = workspace();
    mkdirSync(join(dir, 'ro'));
    chmodSync(join(dir, 'ro'), 0o555);
    const r = run(['train', 'iris.csv', '--out', 'new.json', '--report', 'ro/r.html', '--epochs', '1'], dir);
    chmodSync(join(dir, 'ro'), 0o755);
    // root may write anywhere: then the run succeeds, and both files are there.
    if (r.code === 0) expect(existsSync(join(dir, 'ro', 'r.html'))).toBe(true);
    else {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--report ro\/r\.html: cannot be written/);
      expect(r.stderr).not.toMatch(/epoch/);
      expect(existsSync(join(dir, 'new.json'))).toBe(false);
    }
  });
});

describe('--force', () => {
  it('init --force replaces a trained model; without it the model stays', () => {
    const { dir } = workspace();
    expect(run(['init', '--out', 'model.json', '--force', '--quiet'], dir).code).toBe(0);
    expect(readFileSync(join(dir, 'model.json'))).not.toEqual(trained);
    // An untrained model may be replaced by init without --force.
    expect(run(['init', '--out', 'model.json', '--seed', '3', '--quiet'], dir).code).toBe(0);
  });

  it('predict --out --force replaces a model file that is not an input', () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'other.json'), trained);
    const r = run(['predict', 'model.json', 'iris.csv', '--out', 'other.json', '--force'], dir);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'other.json'), 'utf8')).toMatch(/^p_setosa,/);
  });

  it('train --out --force replaces a CSV that is not an input, and a model file without --force', () => {
    const { dir } = workspace();
    expect(run(['train', 'iris.csv', '--out', 'copy.csv', '--force', '--epochs', '1', '--quiet'], dir).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'copy.csv'), 'utf8')).format).toBe('backprop-model');
    expect(run(['train', 'iris.csv', '--out', 'model.json', '--epochs', '1', '--quiet'], dir).code).toBe(0);
    expect(readFileSync(join(dir, 'model.json'))).not.toEqual(trained);
  });

  it('train writes the model and the report together', () => {
    const { dir } = workspace();
    const r = run(['train', 'iris.csv', '--out', 'n.json', '--report', 'r.html', '--epochs', '2', '--quiet'], dir);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'n.json')) && existsSync(join(dir, 'r.html'))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('predict on stdin that lacks a feature column', () => {
  it('writes nothing to stdout: the CSV header goes out only after the data header is checked', () => {
    const d = tempDir();
    expect(run(['train', IRIS, '--epochs', '2', '--out', 'm.json', '--quiet'], d).code).toBe(0);
    const r = run(['predict', 'm.json', '-'], d, 'sepal_length_cm,sepal_width_cm\n1,2\n');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^backprop: <stdin>: no column 'petal_length_cm'/);
    // A header without rows is refused the same way: nothing on stdout.
    const empty = run(['predict', 'm.json', '-'], d, 'sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n');
    expect(empty.code).toBe(2);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toMatch(/no data rows/);
  });
});
