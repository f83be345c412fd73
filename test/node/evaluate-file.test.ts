/**
 * `evaluateCsvFile` reads the file in batches and keeps only what the metrics need (the confusion
 * matrix, a byte per row for its class, the scores the ROC AUCs sort); its metrics must be those
 * `evaluateModel` computes with the whole table in memory (through `rocAuc` and
 * `bestF1Threshold`): every number the same, ties and all, the log-loss up to the order in which
 * the batches' means are added.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { createEvaluation, evaluateModel } from '../../src/data/evaluate.js';
import { labelledData } from '../../src/data/model-data.js';
import type { Model } from '../../src/data/model-file.js';
import { trainModel } from '../../src/data/train.js';
import { PREDICT_BATCH_ROWS } from '../../src/node/predict-file.js';
import { evaluateCsvFile } from '../../src/node.js';

const data = (name: string) => join(import.meta.dirname, '..', '..', 'data', name);

/**
 * A CSV of `rows` rows from `source`: every other row copied as it is (many tied scores), the
 * others with each number jittered (distinct scores).
 */
function bigCsv(source: string, rows: number): string {
  const [header, ...lines] = readFileSync(source, 'utf8').trim().split('\n');
  let seed = 7;
  const next = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const out = [header];
  for (let i = 0; i < rows; i++) {
    const line = lines[Math.floor(next() * lines.length)];
    out.push(
      i % 2 === 0
        ? line
        : line
            .split(',')
            .map((f, j, all) =>
              j < all.length - 1 && f !== '' && Number.isFinite(Number(f))
                ? String(Number(f) * (0.9 + 0.2 * next()))
                : f,
            )
            .join(','),
    );
  }
  const path = join(mkdtempSync(join(tmpdir(), 'bp-eval-')), 'big.csv');
  writeFileSync(path, `${out.join('\n')}\n`);
  return path;
}

/** The streamed metrics against the in-memory ones. */
function compare(model: Model, path: string, options: { target?: string; bestThreshold?: boolean } = {}) {
  const streamed = evaluateCsvFile(model, path, options);
  const whole = evaluateModel(model, parseCsv(readFileSync(path, 'utf8'), path), options);
  const { file: _, ...rest } = streamed;
  if (whole.kind === 'classification' && rest.kind === 'classification') {
    expect(rest.logLoss).toBeCloseTo(whole.logLoss, 12);
    expect({ ...rest, logLoss: 0 }).toEqual({ ...whole, logLoss: 0 });
  } else expect(rest).toEqual(whole);
  return { streamed, whole };
}

describe('evaluateCsvFile equals evaluateModel', () => {
  const iris = parseCsv(readFileSync(data('iris.csv'), 'utf8'), 'iris.csv');
  const multiclass = trainModel(iris, { hidden: [4], epochs: 5 }).model;

  it('multi-class, over several batches, ties and all', () => {
    const path = bigCsv(data('iris.csv'), 3 * PREDICT_BATCH_ROWS + 123);
    const { streamed } = compare(multiclass, path);
    expect(streamed.rows).toBe(3 * PREDICT_BATCH_ROWS + 123);
    if (streamed.kind !== 'classification') throw new Error('expected classification');
    expect(streamed.rocAuc).toBeGreaterThan(0.5);
  });

  it('in memory too (the library default), batch by batch', () => {
    const path = bigCsv(data('iris.csv'), 2 * PREDICT_BATCH_ROWS + 9);
    const table = parseCsv(readFileSync(path, 'utf8'), path);
    const evaluation = createEvaluation(multiclass);
    for (let start = 0; start < table.rows.length; start += 1000) {
      const rows = table.rows.slice(start, start + 1000);
      const { x, y } = labelledData(multiclass, { ...table, rows, lines: table.lines.slice(start, start + 1000) }, 'm');
      evaluation.add(x, y);
    }
    const { target: _, ...whole } = evaluateModel(multiclass, table);
    const m = evaluation.result();
    if (m.kind !== 'classification' || whole.kind !== 'classification') throw new Error('expected classification');
    expect(m.logLoss).toBeCloseTo(whole.logLoss, 12);
    expect({ ...m, logLoss: 0 }).toEqual({ ...whole, logLoss: 0 });
  });

  it('one batch: the very same numbers, log-loss included', () => {
    const streamed = evaluateCsvFile(multiclass, data('iris.csv'));
    const { file: _, ...rest } = streamed;
    expect(rest).toEqual(evaluateModel(multiclass, iris));
  });

  it('binary with a threshold and the best-F1 threshold', () => {
    const table = parseCsv(readFileSync(data('breast-cancer.csv'), 'utf8'), 'breast-cancer.csv');
    const features = ['worst_radius', 'worst_texture', 'worst_smoothness'];
    const { model } = trainModel(table, { target: 'malignant', features, hidden: [3], epochs: 3, threshold: 0.3 });
    const path = bigCsv(data('breast-cancer.csv'), PREDICT_BATCH_ROWS + 7);
    const { streamed } = compare(model, path, { bestThreshold: true });
    if (streamed.kind !== 'classification') throw new Error('expected classification');
    expect(streamed.threshold).toBe(0.3);
    expect(streamed.bestThreshold?.f1).toBeGreaterThan(0);
  });

  it('regression', () => {
    const features = ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm'];
    const { model } = trainModel(iris, { target: 'petal_width_cm', features, loss: 'mse', hidden: [3], epochs: 3 });
    compare(model, bigCsv(data('iris.csv'), PREDICT_BATCH_ROWS + 5));
  });
});
