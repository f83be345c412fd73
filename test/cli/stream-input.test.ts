/** `train` on a large CSV through the streaming loader: from stdin, and errors deep in the file. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/random.js';
import { takeRows } from '../../src/data/split.js';
import { fitStandardization, fitStandardizationOfRows } from '../../src/data/standardize.js';
import { run, tempDir } from './run-cli.js';

function generate(rows: number): string {
  const rng = createRandom(11);
  const out = ['a,b,c,label'];
  for (let i = 0; i < rows; i++) {
    const a = rng.normal();
    const b = rng.normal();
    out.push(`${a.toFixed(5)},${b.toFixed(5)},${rng.normal().toFixed(5)},${a + b > 0 ? 'yes' : 'no'}`);
  }
  return `${out.join('\n')}\n`;
}

describe('train on a streamed CSV', () => {
  const text = generate(45_000);
  const flags = ['--hidden', '3', '--epochs', '1', '--batch-size', '64', '--quiet'];

  it("'-' (stdin) trains the same model as the file", () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'd.csv'), text);
    const fromFile = run(['train', 'd.csv', ...flags, '--out', 'f.json'], dir);
    expect(fromFile.stderr).toBe('');
    const fromStdin = run(['train', '-', ...flags, '--out', 's.json'], dir, text);
    expect(fromStdin.stderr).toBe('');
    expect(readFileSync(join(dir, 's.json'), 'utf8')).toBe(readFileSync(join(dir, 'f.json'), 'utf8'));
  });

  it('a ragged row at line 40,001 of stdin, after a bad cell, is the error', () => {
    const lines = text.split('\n');
    lines[40_000] += ',7';
    lines[16] = lines[16].replace(/^[^,]*/, 'abc');
    const r = run(['train', '-', ...flags, '--out', 'x.json'], tempDir(), lines.join('\n'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('backprop: <stdin> line 40001: 5 fields, header has 4\n');
  });

  it('the standardisation of the training rows needs no copy of them', () => {
    const rng = createRandom(5);
    const x = { rows: 500, cols: 3, data: Float64Array.from({ length: 1500 }, () => rng.normal() * 1e3) };
    const rows = Array.from({ length: 500 }, (_, i) => i).filter((i) => i % 3 !== 0);
    expect(fitStandardizationOfRows(x, rows)).toEqual(fitStandardization(takeRows(x, rows)));
  });
});
