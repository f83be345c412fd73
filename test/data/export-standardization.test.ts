/**
 * The standardisation as its own exported step: `--fold-standardization` still writes what export
 * wrote before the step existed (hashes taken from that code), ONNX with Sub/Div predicts like the
 * model in onnxruntime-node, and export → import → `train --init` keeps the original's metrics.
 */
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { evaluateModel } from '../../src/data/evaluate.js';
import type { Model } from '../../src/data/model-file.js';
import { ONNX_INPUT, ONNX_OUTPUT, onnxModelObject, onnxTypes, toOnnx } from '../../src/data/onnx.js';
import { fromTfjsLayers, toTfjsLayers } from '../../src/data/tfjs-layers.js';
import { trainModel } from '../../src/data/train.js';
import { readCsv } from '../../src/node/csv-file.js';
import { BREAST_CANCER, exportCases, maxAbsDiff } from '../helpers/export-models.js';

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/**
 * SHA-256 of the folded exports of {@link exportCases}, computed with the exporter as it was
 * before the standardisation step existed (commit aa7f050). The version stamps (`generatedBy`,
 * ONNX `producer_version`) are left out so that a release does not change them.
 */
const FOLDED = [
  {
    json: '80ac9ae1f148a3d8dc28791fcc07958361d015b8c740375716672299e8c36884',
    bin: 'efb123a9ab493b233be912f6ce040fae82d5ffb2d88b44c4b56981036f3deb07',
    onnx: '06705e9c9fa299e41de37162461aa4d506cc2b1c89ef6c6ab40b286cbd3f10d9',
  },
  {
    json: '36af48c308e01e25fa5f24cc0d05332bca9b93b060d54e650ab355d876eae5e6',
    bin: 'f6075f247ae983089f4c77dfc80f8fbdd52cffbba4e3995925f4aa27db1f4319',
    onnx: '7cccb4b813ca3c36435d669bb7ec0e42cb5e9cd7fa4f6b4a54dfc0de35e07f42',
  },
  {
    json: 'd4d22b1901c44a847b2396a7f48329e12b36b725d52b7cf4756308cf25d229ea',
    bin: '9e96e0894bee5a538c23810fefca132722e0e0ed8c241badd5f1b3480797831d',
    onnx: '1a8dab9ca35aeb37df6daae942eff24ac312c2732881fa8c2f006c559158fbcc',
  },
];

function hashes(model: Model, foldStandardization: boolean) {
  const { modelJson, weights } = toTfjsLayers(model, { foldStandardization });
  const { generatedBy: _version, ...json } = modelJson;
  const { ModelProto } = onnxTypes();
  const onnx = { ...onnxModelObject(model, { foldStandardization }), producer_version: 'golden' };
  return {
    json: sha256(JSON.stringify(json, null, 2)),
    bin: sha256(weights),
    onnx: sha256(ModelProto.encode(ModelProto.fromObject(onnx)).finish()),
  };
}

describe('foldStandardization writes the old folded export byte for byte', () => {
  exportCases().forEach((c, i) => {
    it(c.name, () => {
      expect(hashes(c.model, true)).toEqual(FOLDED[i]);
      // The default is not the folded export (else the comparison above would prove nothing new).
      const step = hashes(c.model, false);
      expect(step.bin).not.toBe(FOLDED[i].bin);
      expect(step.onnx).not.toBe(FOLDED[i].onnx);
    });
  });
});

describe('ONNX with the Sub/Div standardisation step, in onnxruntime-node', () => {
  for (const c of exportCases()) {
    it(`${c.name}: predicts like the model to ~1e-6`, async () => {
      const session = await ort.InferenceSession.create(toOnnx(c.model));
      const input = new ort.Tensor('float32', Float32Array.from(c.raw.data), [c.raw.rows, c.raw.cols]);
      const y = (await session.run({ [ONNX_INPUT]: input }))[ONNX_OUTPUT].data as Float32Array;
      await session.release();
      // (x − μ)/σ in float32 is within ~1e-7 relative of the float64 standardised value, and the
      // layers add float32 rounding of their own: ~1e-6 on outputs of order 1.
      expect(maxAbsDiff(y, c.expected.data)).toBeLessThan(3e-6);
    });
  }
});

describe('export → import → train --init keeps the original model’s metrics', () => {
  const table = readCsv(BREAST_CANCER);
  const { model: original } = trainModel(table, {
    hidden: [6],
    optimizer: 'adam',
    lr: 0.01,
    epochs: 15,
    batchSize: 16,
    seed: 3,
  });
  const { modelJson, weights } = toTfjsLayers(original);
  const imported = fromTfjsLayers(modelJson, 'model.json', () => weights);
  const folded = toTfjsLayers(original, { foldStandardization: true });
  const importedFolded = fromTfjsLayers(folded.modelJson, 'model.json', () => folded.weights);
  const metrics = (m: Model) => {
    const e = evaluateModel(m, table);
    if (e.kind !== 'classification') throw new Error('expected classification metrics');
    return { accuracy: e.accuracy, logLoss: e.logLoss };
  };
  const resumed = (m: Model, lr?: number) =>
    trainModel(table, { init: { model: m, name: 'init.json' }, epochs: 1, ...(lr !== undefined ? { lr } : {}) }).model;

  it('at η → 0 every metric stays the original’s (to 1e-6)', () => {
    const want = metrics(original);
    expect(want.accuracy).toBeGreaterThan(0.95);
    const got = metrics(resumed(imported, 1e-12));
    expect(got.accuracy).toBe(want.accuracy);
    expect(Math.abs(got.logLoss - want.logLoss)).toBeLessThan(1e-6);
    // What makes it so: the model's own μ and σ came back, not folded weights.
    expect(imported.standardization).toEqual(original.standardization);
    expect(importedFolded.standardization).toBeUndefined();
  });

  it('after one epoch at the model’s own settings, close to resuming the original', () => {
    const want = metrics(resumed(original));
    const got = metrics(resumed(imported));
    expect(Math.abs(got.accuracy - want.accuracy)).toBeLessThanOrEqual(2 / table.rows.length);
    expect(Math.abs(got.logLoss - want.logLoss)).toBeLessThan(1e-4);
    // The folded round trip trains raw-scale weights with the same settings and lands elsewhere:
    // the regression this guards against.
    const lost = metrics(resumed(importedFolded));
    expect(Math.abs(lost.logLoss - want.logLoss)).toBeGreaterThan(0.05);
  });
});
