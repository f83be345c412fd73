/**
 * A float32 run's data is float32 (as Keras and TF.js hold it): the file's features are parsed
 * straight into a Float32Array, each value rounded to float32; the standardisation statistics are
 * taken in float64 over those values; the splits are standardised in float32, and no float64
 * copy of the features exists. Checked against independent computations by hand, and float64
 * runs against their own unchanged results.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, createNetwork, createRandom, fit, trainModel } from '../../src/index.js';
import { readTrainingExamples } from '../../src/node/train-file.js';
import { readExamples, trainFromCsvFile } from '../../src/node.js';

/** A CSV whose features need more than float32's 24 bits (so rounding shows). */
function csvFile(rows: number): string {
  const rng = createRandom(5);
  const lines = ['a,b,c,label'];
  for (let i = 0; i < rows; i++) {
    const a = (rng.normal() * 1000 + 1 / 3).toFixed(9);
    const b = (rng.normal() / 7).toPrecision(17);
    const c = rng.uniform(0, 1e6).toFixed(7);
    lines.push(`${a},${b},${c},${Number(a) + Number(b) > 0 ? 'yes' : 'no'}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'backprop-f32-'));
  const path = join(dir, 'data.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const FILE = csvFile(500);

/** Mean and population standard deviation in float64, written out independently of the library. */
function stats(values: number[]): { mean: number; std: number } {
  let s = 0;
  for (const v of values) s += v;
  const mean = s / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return { mean, std: Math.sqrt(ss / values.length) };
}

describe('float32 data through the file pipeline', () => {
  it('readExamples with dtype float32: a Float32Array holding each value rounded to float32', () => {
    const f64 = readExamples(FILE, { target: 'label' });
    const f32 = readExamples(FILE, { target: 'label' }, {}, 'float32');
    expect(f32.x.data).toBeInstanceOf(Float32Array);
    expect(f64.x.data).toBeInstanceOf(Float64Array);
    expect(f32.x.data.length).toBe(f64.x.data.length);
    let rounded = 0;
    for (let i = 0; i < f64.x.data.length; i++) {
      expect(f32.x.data[i]).toBe(Math.fround(f64.x.data[i]));
      if (f32.x.data[i] !== f64.x.data[i]) rounded++;
    }
    expect(rounded).toBeGreaterThan(f64.x.data.length / 2); // the data needs float64, so rounding shows
    expect(f32.y.data).toEqual(f64.y.data);
    expect(f32.lines).toEqual(f64.lines);
  });

  it('trainFromCsvFile with dtype float32: statistics in float64 over the float32 values, splits standardised in float32', () => {
    const options = { target: 'label', hidden: [3], epochs: 2, dtype: 'float32' as const, seed: 3 };
    const r = trainFromCsvFile(FILE, options);
    const f32 = readExamples(FILE, { target: 'label' }, {}, 'float32');
    const st = r.model.standardization!;
    for (let j = 0; j < 3; j++) {
      const column = r.train.rows.map((row) => f32.x.data[row * 3 + j]);
      const { mean, std } = stats(column);
      expect(st.mean[j]).toBe(mean);
      expect(st.std[j]).toBe(std);
    }
    for (const split of [r.train, r.validation!, r.test!]) {
      expect(split.x.data).toBeInstanceOf(Float32Array);
      split.rows.forEach((row, i) => {
        for (let j = 0; j < 3; j++) {
          const v = f32.x.data[row * 3 + j];
          expect(split.x.data[i * 3 + j]).toBe(Math.fround((v - st.mean[j]) / st.std[j]));
        }
      });
    }
    expect(r.model.training?.dtype).toBe('float32');
  });

  it('reusing the examples’ buffer, copying them, or converting float64 examples: the same model', () => {
    const options = { target: 'label', hidden: [4], epochs: 3, dtype: 'float32' as const, seed: 1 };
    const read = () => readTrainingExamples(FILE, options).examples;
    const inPlace = trainModel(read(), { ...options, reuseExamples: true });
    const copied = trainModel(read(), options);
    const converted = trainModel(readExamples(FILE, { target: 'label' }), options);
    expect(inPlace.examples.x.data).toBeInstanceOf(Float32Array);
    const json = (r: typeof inPlace) => JSON.stringify([r.model, r.history]);
    expect(json(copied)).toBe(json(inPlace));
    expect(json(converted)).toBe(json(inPlace));
  });

  it('float64 runs read float64 and are not changed by it', () => {
    const options = { target: 'label', hidden: [4], epochs: 3, seed: 1 };
    const viaFile = trainFromCsvFile(FILE, options);
    const viaExamples = trainModel(readExamples(FILE, { target: 'label' }), options);
    expect(viaFile.train.x.data).toBeInstanceOf(Float64Array);
    expect(JSON.stringify(viaFile.model)).toBe(JSON.stringify(viaExamples.model));
  });

  it('fit refuses float32 features without dtype float32', () => {
    const net = createNetwork({
      inputSize: 2,
      layers: [{ units: 1, activation: 'sigmoid' }],
      loss: { name: 'binary_crossentropy' },
    });
    const x = { rows: 2, cols: 2, data: Float32Array.of(0, 1, 1, 0) };
    const y = { rows: 2, cols: 1, data: Float64Array.of(0, 1) };
    expect(() => fit(net, { x, y })).toThrow(ConfigError);
    expect(() => fit(net, { x, y }, { dtype: 'float32', epochs: 1 })).not.toThrow();
  });
});
