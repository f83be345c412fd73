/**
 * Imbalanced classes (issue 10.5): Keras's `class_weight` (each example's loss times its class's
 * weight, the batch loss Σ wᵢ·Lᵢ / n), checked against finite differences of a loss written out
 * here; balanced weighting on a 2 %-positive set; the decision threshold stored in the model and
 * used by predict and evaluate; the threshold that maximises F1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromRows, type Matrix } from '../../src/core/matrix.js';
import { createRandom } from '../../src/core/random.js';
import { parseCsv } from '../../src/data/csv.js';
import { bestF1Threshold, evaluateModel } from '../../src/data/evaluate.js';
import { parseModel, serializeModel } from '../../src/data/model-file.js';
import { predictTable } from '../../src/data/predict.js';
import { trainModel } from '../../src/data/train.js';
import { computeGradients } from '../../src/nn/backprop.js';
import type { LossName } from '../../src/nn/losses.js';
import { createNetwork, type Network, parameterArrays, predict } from '../../src/nn/network.js';
import { fit } from '../../src/train/fit.js';
import { run, tempDir } from '../cli/run-cli.js';

/** Σᵢ wᵢ·Lᵢ / n written out from the outputs and the published per-example losses. */
function weightedLossByHand(net: Network, x: Matrix, y: Matrix, w: number[], loss: LossName): number {
  const p = predict(net, x);
  let sum = 0;
  for (let i = 0; i < x.rows; i++) {
    let li = 0;
    for (let j = 0; j < y.cols; j++) {
      const t = y.data[i * y.cols + j];
      const q = p.data[i * y.cols + j];
      if (loss === 'binary_crossentropy') li -= t * Math.log(q) + (1 - t) * Math.log(1 - q);
      else if (loss === 'categorical_crossentropy') li -= t * Math.log(q);
      else li += (q - t) ** 2 / y.cols;
    }
    sum += w[i] * li;
  }
  return sum / x.rows;
}

describe('the weighted loss', () => {
  const cases = [
    { loss: 'binary_crossentropy', out: 1, act: 'sigmoid' },
    { loss: 'categorical_crossentropy', out: 3, act: 'softmax' },
    { loss: 'mean_squared_error', out: 2, act: 'linear' },
  ] as const;
  it.each(cases)('$loss: backprop’s gradient equals central differences of Σ wᵢLᵢ / n', ({ loss, out, act }) => {
    const net = createNetwork(
      {
        inputSize: 3,
        layers: [
          { units: 4, activation: 'tanh' },
          { units: out, activation: act },
        ],
        loss: { name: loss },
      },
      { seed: 5 },
    );
    const rng = createRandom(9);
    const n = 6;
    const x = fromRows(Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]));
    const y = fromRows(
      Array.from({ length: n }, (_, i) =>
        loss === 'mean_squared_error'
          ? [rng.normal(), rng.normal()]
          : out === 1
            ? [i % 2]
            : [0, 1, 2].map((k) => (k === i % 3 ? 1 : 0)),
      ),
    );
    const w = [0.5, 3, 0, 1, 7.5, 2];
    const { loss: value, gradients } = computeGradients(net, x, y, 0, Float64Array.from(w));
    expect(value).toBeCloseTo(weightedLossByHand(net, x, y, w, loss), 12);
    const grads = gradients.flatMap((g) => [g.kernel.data, g.bias]);
    parameterArrays(net).forEach((param, a) => {
      for (let i = 0; i < param.length; i++) {
        const keep = param[i];
        const h = 1e-6;
        param[i] = keep + h;
        const up = weightedLossByHand(net, x, y, w, loss);
        param[i] = keep - h;
        const down = weightedLossByHand(net, x, y, w, loss);
        param[i] = keep;
        expect(grads[a][i]).toBeCloseTo((up - down) / (2 * h), 7);
      }
    });
  });

  it('is divided by the batch size, not by Σ w (Keras): weights all 2 double the loss and the step', () => {
    const make = () =>
      createNetwork(
        { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: { name: 'binary_crossentropy' } },
        { seed: 1 },
      );
    const x = fromRows([
      [1, 2],
      [0.5, -1],
      [-2, 0.3],
    ]);
    const y = fromRows([[1], [0], [1]]);
    const plain = fit(make(), { x, y }, { epochs: 1, batchSize: 3 });
    const a = make();
    const doubled = fit(a, { x, y, w: Float64Array.of(2, 2, 2) }, { epochs: 1, batchSize: 3 });
    expect(doubled.epochs[0].loss).toBeCloseTo(2 * plain.epochs[0].loss, 14);
    expect(doubled.engine).toBe('reference'); // the WebAssembly engine does not cover weights
  });
});

/** Two features; 2 % positives shifted by 1.5 in each, overlapping the negatives. */
function rareCsv(n: number): string {
  const rng = createRandom(11);
  const lines = ['a,b,label'];
  for (let i = 0; i < n; i++) {
    const pos = i % 50 === 0;
    const s = pos ? 1.5 : 0;
    lines.push(`${rng.normal() + s},${rng.normal() + s},${pos ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('a 2 %-positive set', () => {
  const table = parseCsv(rareCsv(10000), 'rare.csv');
  const recall = (m: ReturnType<typeof trainModel>['metrics']) => (m.kind === 'classification' ? m.recall : Number.NaN);

  it('unweighted, recall stays low; with --class-weight balanced it reaches ≥ 0.7', () => {
    const options = { epochs: 20, batchSize: 32, seed: 1 };
    const plain = trainModel(table, options);
    expect(recall(plain.metrics)).toBeLessThan(0.2);
    const balanced = trainModel(table, { ...options, classWeight: 'balanced' });
    expect(recall(balanced.metrics)).toBeGreaterThanOrEqual(0.7);
    expect(balanced.model.training?.classWeight).toBe('balanced');
    // Explicit weights with the balanced ratio (49 : 1) train the same model up to a common factor.
    const explicit = trainModel(table, { ...options, classWeight: { no: 1, yes: 49 } });
    expect(recall(explicit.metrics)).toBeGreaterThanOrEqual(0.7);
    expect(() => trainModel(table, { ...options, classWeight: { maybe: 2 } })).toThrow(
      /--class-weight: no class 'maybe' in 'label'; the classes are no, yes/,
    );
  });

  it('a threshold stored in the model decides the labels of predict and evaluate', () => {
    const { model } = trainModel(table, { epochs: 5, batchSize: 32, threshold: 0.05 });
    const read = parseModel(serializeModel(model), 'm.json');
    expect(read.threshold).toBe(0.05);
    const rows = predictTable(read, table).rows;
    for (const [p, label] of rows) expect(label).toBe((p as number) >= 0.05 ? 'yes' : 'no');
    const m = evaluateModel(read, table, { bestThreshold: true });
    if (m.kind !== 'classification') throw new Error('expected classification');
    expect(m.threshold).toBe(0.05);
    const predictedYes = rows.filter((r) => r[1] === 'yes').length;
    expect(m.confusion[0][1] + m.confusion[1][1]).toBe(predictedYes);
    // The best threshold's F1, checked by trying every predicted probability as the threshold.
    const p = rows.map((r) => r[0] as number);
    const truth = table.rows.map((r) => (r[2] === 'yes' ? 1 : 0));
    let best = 0;
    for (const t of new Set(p)) {
      let tp = 0;
      let fp = 0;
      p.forEach((v, i) => {
        if (v >= t) truth[i] ? tp++ : fp++;
      });
      const positives = truth.reduce((s: number, v) => s + v, 0);
      best = Math.max(best, (2 * tp) / (tp + fp + positives));
    }
    expect(m.bestThreshold?.f1).toBeCloseTo(best, 12);
    expect(bestF1Threshold(Float64Array.of(0.9, 0.2, 0.4), Int32Array.of(1, 0, 1))).toEqual({ threshold: 0.4, f1: 1 });
  });

  it('the CLI: --class-weight, --threshold, evaluate --best-threshold', () => {
    const dir = tempDir();
    const data = join(dir, 'rare.csv');
    writeFileSync(data, rareCsv(3000));
    const r = run(
      ['train', data, '--class-weight', 'no=1,yes=49', '--threshold', '0.3', '--epochs', '5', '--quiet'],
      dir,
    );
    expect(r.stderr).toBe('');
    const file = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect([file.version, file.threshold, file.training.classWeight]).toEqual([2, 0.3, { no: 1, yes: 49 }]);
    const e = run(['evaluate', 'model.json', data, '--best-threshold'], dir);
    expect(e.stdout).toMatch(/threshold 0\.3\)/);
    expect(e.stdout).toMatch(/best F1 threshold on these rows: [\d.]+ \(F1 [\d.]+\)/);
    expect(run(['train', data, '--threshold', '1.5'], dir).stderr).toMatch(/expected a number in \(0, 1\)/);
  });
});
