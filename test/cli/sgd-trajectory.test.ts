import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tempDir } from './run-cli.js';

interface Layer {
  kernel: number[][];
  bias: number[];
}

/**
 * Plain SGD on a 2-layer sigmoid/BCE net, written out here independently of src/: rows in file
 * order, `batch` examples per step, each step the mean of the per-example gradients.
 */
function sgd(layers: Layer[], rows: number[][], labels: number[], lr: number, epochs: number, batch: number): Layer[] {
  const [l1, l2] = structuredClone(layers);
  const s = (t: number) => 1 / (1 + Math.exp(-t));
  const nh = l1.bias.length;
  for (let e = 0; e < epochs; e++) {
    for (let start = 0; start < rows.length; start += batch) {
      const idx = rows.slice(start, start + batch).map((_, k) => start + k);
      const g1 = l1.kernel.map((r) => r.map(() => 0));
      const gb1 = l1.bias.map(() => 0);
      const g2 = l2.kernel.map((r) => r.map(() => 0));
      let gb2 = 0;
      for (const r of idx) {
        const x = rows[r];
        const h = Array.from({ length: nh }, (_, i) =>
          s(x.reduce((acc, xj, j) => acc + xj * l1.kernel[j][i], l1.bias[i])),
        );
        const yhat = s(h.reduce((acc, hi, i) => acc + hi * l2.kernel[i][0], l2.bias[0]));
        const d1 = (yhat - labels[r]) / idx.length;
        for (let i = 0; i < nh; i++) {
          g2[i][0] += d1 * h[i];
          const d2 = d1 * l2.kernel[i][0] * h[i] * (1 - h[i]);
          gb1[i] += d2;
          for (let j = 0; j < x.length; j++) g1[j][i] += d2 * x[j];
        }
        gb2 += d1;
      }
      l1.kernel.forEach((row, j) => row.forEach((_, i) => (row[i] -= lr * g1[j][i])));
      l1.bias.forEach((_, i) => (l1.bias[i] -= lr * gb1[i]));
      l2.kernel.forEach((row, i) => (row[0] -= lr * g2[i][0]));
      l2.bias[0] -= lr * gb2;
    }
  }
  return [l1, l2];
}

describe('--init + --no-shuffle + --no-standardize + plain SGD', () => {
  const rows = [
    [0.5, -1.2],
    [1.5, 0.3],
    [-0.7, 0.8],
    [2.1, -0.4],
    [-1.3, -0.9],
    [0.2, 1.7],
    [1.1, 1.1],
  ];
  const labels = [0, 1, 0, 1, 0, 1, 1];

  for (const batch of [1, 3]) {
    it(`reproduces an SGD trajectory computed in the test (batch size ${batch})`, () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'data.csv'), `a,b,y\n${rows.map((r, i) => `${r.join(',')},${labels[i]}`).join('\n')}\n`);
      expect(
        run(['init', '--sizes', '2,3,1', '--features', 'a,b', '--seed', '5', '--out', 'init.json', '--quiet'], dir)
          .code,
      ).toBe(0);
      const init = JSON.parse(readFileSync(join(dir, 'init.json'), 'utf8'));
      const r = run(
        [
          'train',
          'data.csv',
          '--init',
          'init.json',
          '--no-shuffle',
          '--no-standardize',
          '--optimizer',
          'sgd',
          '--lr',
          '0.7',
          '--batch-size',
          String(batch),
          '--epochs',
          '5',
          '--test-split',
          '0',
          '--validation-split',
          '0',
          '--out',
          'trained.json',
          '--quiet',
        ],
        dir,
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const trained = JSON.parse(readFileSync(join(dir, 'trained.json'), 'utf8'));
      expect(trained.standardization).toBeUndefined();
      const expected = sgd(init.layers, rows, labels, 0.7, 5, batch);
      let moved = 0;
      trained.layers.forEach((layer: Layer, l: number) => {
        layer.kernel.forEach((row, i) =>
          row.forEach((v, j) => {
            expect(Math.abs(v - expected[l].kernel[i][j])).toBeLessThan(1e-12);
            moved = Math.max(moved, Math.abs(v - init.layers[l].kernel[i][j]));
          }),
        );
        layer.bias.forEach((v, i) => expect(Math.abs(v - expected[l].bias[i])).toBeLessThan(1e-12));
      });
      expect(moved).toBeGreaterThan(1e-3); // training really moved the weights
    });
  }
});
