/** Outputs that would overwrite an input or each other are refused before any work. */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BREAST_CANCER, IRIS, run, tempDir } from './run-cli.js';

describe('train refuses to overwrite its inputs', () => {
  it('--out naming the training data (however spelled) exits 2 and leaves the data intact', () => {
    const dir = tempDir();
    copyFileSync(IRIS, join(dir, 'iris.csv'));
    const before = readFileSync(join(dir, 'iris.csv'), 'utf8');
    for (const out of ['iris.csv', './sub/../iris.csv']) {
      const r = run(['train', 'iris.csv', '--out', out, '--epochs', '2', '--quiet'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--out .* is the training data/);
    }
    expect(readFileSync(join(dir, 'iris.csv'), 'utf8')).toBe(before);
  });

  it('--report naming the same file as --out exits 2', () => {
    const dir = tempDir();
    const r = run(['train', IRIS, '--out', 'm.json', '--report', 'm.json', '--epochs', '2', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--report m.json is the same file as --out/);
  });
});

describe('gradcheck on a model the tool trained', () => {
  it('passes: tiny gradients are judged against the floor, not on relative error alone', () => {
    const dir = tempDir();
    const features = 'worst_radius,worst_texture,worst_smoothness';
    expect(run(['train', BREAST_CANCER, '--features', features, '--out', 'm.json', '--quiet'], dir).code).toBe(0);
    const r = run(['gradcheck', 'm.json', BREAST_CANCER, '--json'], dir);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.pass).toBe(true);
    expect(j.maxRelError).toBeLessThanOrEqual(1e-6);
    // With no floor at all the same check fails on rounding: the floor is what makes it pass.
    const strict = run(['gradcheck', 'm.json', BREAST_CANCER, '--json', '--floor', '1e-30'], dir);
    expect(JSON.parse(strict.stdout).maxRelError).toBeGreaterThan(j.maxRelError);
  });
});
