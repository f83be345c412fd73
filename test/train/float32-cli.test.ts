/**
 * `backprop train --dtype float32`: trains in the float32 engine and records it in the model
 * file (an optional field: a float64 model has none and loads as before); a run the float32
 * kernels cannot train is refused in one line, exit 2, nothing written. `--init` keeps the
 * model's dtype unless --dtype is given, and the new file records what ran.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/node.js';
import { IRIS, run, tempDir } from '../cli/run-cli.js';

const read = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
const weights = (file: { layers: { kernel: number[][]; bias: number[] }[] }) =>
  file.layers.flatMap((l) => [...l.kernel.flat(), ...l.bias]);

describe('train --dtype', () => {
  it('float32: the model file records it, its weights are float32 values, it predicts', () => {
    const dir = tempDir();
    const r = run(['train', IRIS, '--dtype', 'float32', '--epochs', '30', '--quiet', '--out', 'm.json'], dir);
    expect(r.code).toBe(0);
    const file = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
    expect(file.training.dtype).toBe('float32');
    const model = loadModel(join(dir, 'm.json'));
    expect(model.training?.dtype).toBe('float32');
    for (const l of model.network.layers) for (const v of l.kernel.data) expect(Math.fround(v)).toBe(v);
    const p = run(['predict', 'm.json', IRIS], dir);
    expect(p.code).toBe(0);
    expect(p.stdout.split('\n')[1]).toMatch(/,setosa$/);
  });

  it('float64 (the default) writes no dtype', () => {
    const dir = tempDir();
    expect(run(['train', IRIS, '--epochs', '2', '--quiet', '--out', 'm.json'], dir).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')).training.dtype).toBeUndefined();
  });

  it.each([
    [['--dtype', 'float32', '--class-weight', 'balanced'], /dtype 'float32' has no kernel for sample weights/],
    [['--dtype', 'float16'], /--dtype <type>' argument 'float16' is invalid\. expected one of float64, float32/],
  ])('%s: one line, exit 2, nothing written', (flags, message) => {
    const dir = tempDir();
    const r = run(['train', IRIS, ...flags, '--epochs', '2', '--out', 'm.json'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, 'm.json'))).toBe(false);
  });
});

describe('train --init with a float32 model', () => {
  const train = (dir: string, flags: string[]) => run(['train', IRIS, '--epochs', '6', '--quiet', ...flags], dir);

  it('keeps float32 and resumes Adam in float32 where the first run stopped: the bits of one uninterrupted run', () => {
    const dir = tempDir();
    const adam = ['--optimizer', 'adam', '--lr', '0.01', '--include-optimizer'];
    expect(train(dir, ['--dtype', 'float32', ...adam, '--out', 'a.json']).code).toBe(0);
    const a = read(dir, 'a.json');
    expect(a.training.dtype).toBe('float32');
    expect(a.optimizerState.iterations).toBeGreaterThan(0);
    for (const slot of [...a.optimizerState.slots1, ...a.optimizerState.slots2]) {
      for (const v of slot) expect(Math.fround(v)).toBe(v); // the state is float32, as it ran
    }
    // No --dtype, no --optimizer: both from a.json.
    expect(train(dir, ['--init', 'a.json', '--include-optimizer', '--out', 'b.json']).code).toBe(0);
    const b = read(dir, 'b.json');
    expect(b.training.dtype).toBe('float32');
    expect(b.training.optimizer.name).toBe('adam');
    expect(b.optimizerState.iterations).toBe(2 * a.optimizerState.iterations);
    expect(
      run(['train', IRIS, '--epochs', '12', '--quiet', '--dtype', 'float32', ...adam, '--out', 'whole.json'], dir).code,
    ).toBe(0);
    expect(weights(b)).toEqual(weights(read(dir, 'whole.json')));
    expect(weights(b)).not.toEqual(weights(a));
  });

  it('--dtype float64 overrides it, and the file records float64 (no dtype)', () => {
    const dir = tempDir();
    expect(train(dir, ['--dtype', 'float32', '--out', 'a.json']).code).toBe(0);
    expect(train(dir, ['--init', 'a.json', '--dtype', 'float64', '--out', 'b.json']).code).toBe(0);
    const b = read(dir, 'b.json');
    expect(b.training.dtype).toBeUndefined();
    expect(weights(b).some((v: number) => Math.fround(v) !== v)).toBe(true); // trained in float64
  });

  it('a float64 model stays float64; --dtype float32 overrides it', () => {
    const dir = tempDir();
    expect(train(dir, ['--out', 'a.json']).code).toBe(0);
    expect(train(dir, ['--init', 'a.json', '--out', 'b.json']).code).toBe(0);
    expect(read(dir, 'b.json').training.dtype).toBeUndefined();
    expect(train(dir, ['--init', 'a.json', '--dtype', 'float32', '--out', 'c.json']).code).toBe(0);
    const c = read(dir, 'c.json');
    expect(c.training.dtype).toBe('float32');
    expect(weights(c).every((v: number) => Math.fround(v) === v)).toBe(true);
  });

  it('a run float32 cannot train, float32 from the model: one line naming the model and --dtype, exit 2, nothing written', () => {
    const dir = tempDir();
    expect(train(dir, ['--dtype', 'float32', '--out', 'a.json']).code).toBe(0);
    const r = train(dir, ['--init', 'a.json', '--class-weight', 'balanced', '--out', 'b.json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /no kernel for sample weights .*a\.json was trained in float32, which --init keeps: give --dtype float64/,
    );
    expect(existsSync(join(dir, 'b.json'))).toBe(false);
  });
});
