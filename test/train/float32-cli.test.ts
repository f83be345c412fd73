/**
 * `backprop train --dtype float32`: trains in the float32 engine and records it in the model
 * file (an optional field: a float64 model has none and loads as before); a run the float32
 * kernels cannot train is refused in one line, exit 2, nothing written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/node.js';
import { IRIS, run, tempDir } from '../cli/run-cli.js';

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
    [['--dtype', 'float32', '--optimizer', 'adam'], /dtype 'float32' has no kernel for the optimiser adam/],
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
