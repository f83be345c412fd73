import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromRows } from '../../src/core/matrix.js';
import { createRandom } from '../../src/core/random.js';
import { type Model, parseModel } from '../../src/data/model-file.js';
import { createNetwork, predict } from '../../src/nn/network.js';
import { loadModel, saveModel } from '../../src/node/model-files.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'bp-model-'));
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

function model(): Model {
  const network = createNetwork(
    {
      inputSize: 3,
      layers: [
        { units: 5, activation: 'tanh' },
        { units: 4, activation: 'relu' },
        { units: 3, activation: 'softmax' },
      ],
      loss: { name: 'categorical_crossentropy' },
    },
    { seed: 11 },
  );
  // Awkward float64 values: not short decimals, a subnormal, a tiny and a huge-exponent one.
  network.layers[0].kernel.data[0] = 0.1 + 0.2;
  network.layers[0].kernel.data[1] = 5e-324;
  network.layers[0].bias[0] = -Math.PI * 1e-300;
  network.layers[1].bias[1] = 1 / 3;
  return {
    network,
    features: ['f1', 'f 2', 'f,3'],
    target: 'cls',
    labels: { kind: 'multiclass', classes: ['a', 'b', 'c'] },
    standardization: { mean: [0.1, 0.2, 0.3], std: [1, 2, Math.PI] },
    training: { seed: 11 },
  };
}

const valid = {
  format: 'backprop-model',
  version: 1,
  loss: { name: 'binary_crossentropy' },
  layers: [
    {
      activation: 'sigmoid',
      kernel: [
        [0.1, 0.2],
        [0.3, 0.4],
        [0.5, 0.6],
      ],
      bias: [0, 0],
    },
    { activation: 'sigmoid', kernel: [[1], [-1]], bias: [0.5] },
  ],
};

describe('model file', () => {
  it('save → load reproduces weights and predictions bit for bit', () => {
    const dir = tmp();
    const m = model();
    saveModel(join(dir, 'm.json'), m);
    const back = loadModel(join(dir, 'm.json'));
    m.network.layers.forEach((l, i) => {
      expect(bits(back.network.layers[i].kernel.data)).toBe(bits(l.kernel.data));
      expect(bits(back.network.layers[i].bias)).toBe(bits(l.bias));
    });
    const rng = createRandom(3);
    const x = fromRows(Array.from({ length: 50 }, () => [rng.normal() * 10, rng.normal(), rng.normal() * 1e-3]));
    expect(bits(predict(back.network, x).data)).toBe(bits(predict(m.network, x).data));
    expect(back.features).toEqual(m.features);
    expect(back.labels).toEqual(m.labels);
    expect(back.standardization).toEqual(m.standardization);
  });

  it('writes atomically: no temporary file is left, and a failed write keeps the old file', () => {
    const dir = tmp();
    const path = join(dir, 'm.json');
    saveModel(path, model());
    expect(readdirSync(dir)).toEqual(['m.json']);
    const before = readFileSync(path, 'utf8');
    // Writing "into" a path whose parent is a file fails; the old model stays as it was.
    expect(() => saveModel(join(path, 'x.json'), model())).toThrow(/cannot be written/);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['m.json']);
    // The rename onto a directory fails after the temporary file was written: it is removed.
    const sub = join(dir, 'taken');
    saveModel(join(sub, 'keep.json'), model());
    expect(() => saveModel(sub, model())).toThrow(/taken: cannot be written/);
    expect(readdirSync(dir).sort()).toEqual(['m.json', 'taken']);
  });

  it('accepts a hand-written model without standardisation, features or labels', () => {
    const m = parseModel(JSON.stringify(valid), 'hand.json');
    expect(m.standardization).toBeUndefined();
    expect(m.features).toEqual(['x1', 'x2', 'x3']);
    expect(m.labels).toEqual({ kind: 'binary', classes: ['0', '1'] });
    // σ(σ(0.1·1+0.3·0+0.5·0)·1 − σ(0.2·1+…)·1 + 0.5) computed by hand:
    const s = (t: number) => 1 / (1 + Math.exp(-t));
    expect(predict(m.network, fromRows([[1, 0, 0]])).data[0]).toBeCloseTo(s(s(0.1) - s(0.2) + 0.5), 15);
  });

  it('rejects files that are not JSON, of another format or version, or mis-shaped', () => {
    expect(() => parseModel('{"format": ', 'a.json')).toThrow(/^a\.json.*: not valid JSON/);
    expect(() => parseModel('{"format":"keras","version":1}', 'b.json')).toThrow(
      'b.json: format is "keras", expected "backprop-model"',
    );
    expect(() => parseModel('{"format":"backprop-model","version":3}', 'c.json')).toThrow(
      'c.json: version is 3, expected 1 or 2',
    );
    const shape = {
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
      ],
    };
    expect(() => parseModel(JSON.stringify(shape), 'd.json')).toThrow(
      'd.json: layer 1: kernel is 3×5 but bias has 4 values, expected 5',
    );
    const chain = {
      ...valid,
      layers: [valid.layers[0], { activation: 'sigmoid', kernel: [[1], [2], [3]], bias: [0] }],
    };
    expect(() => parseModel(JSON.stringify(chain), 'e.json')).toThrow(
      'e.json: layer 2: kernel is 3×1 but layer 1 has 2 units',
    );
    const typed = { ...valid, layers: [{ ...valid.layers[0], bias: [0, 'x'] }, valid.layers[1]] };
    expect(() => parseModel(JSON.stringify(typed), 'f.json')).toThrow(
      /^f\.json: layers\[0\]\.bias\[1\]: .*expected number/,
    );
    expect(() => parseModel(JSON.stringify({ ...valid, extra: 1 }), 'g.json')).toThrow(
      /^g\.json: \(top level\): Unrecognized key: "extra"/,
    );
    expect(() => parseModel(JSON.stringify({ ...valid, features: ['a', 'b'] }), 'h.json')).toThrow(
      /h\.json: features lists 2 names but layer 1's kernel has 3 rows/,
    );
    expect(() => parseModel(JSON.stringify({ ...valid, loss: { name: 'hinge' } }), 'i.json')).toThrow(
      /^i\.json: loss\.name: /,
    );
  });

  it('leaves nothing behind when the target directory cannot be made', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => saveModel(join(dir, 'file', 'sub', 'm.json'), model())).toThrow();
    expect(existsSync(join(dir, 'file', 'sub'))).toBe(false);
  });
});
