import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNetwork } from '../../src/nn/network.js';
import { readTfjsLayers, writeTfjsLayers } from '../../src/node/tfjs-files.js';
import { maxAbsDiff } from '../helpers/export-models.js';
import { initTfjs } from '../helpers/tfjs-reference.js';
import { BREAST_CANCER, run, tempDir } from './run-cli.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON documents of the CLI
type Json = any;

/** backprop predict --json: one probability per row. */
function predictions(model: string, dir: string): number[] {
  const r = run(['predict', model, BREAST_CANCER, '--json'], dir);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as Json).predictions.map((p: Json) => p.probability);
}

/** The raw feature columns of the bundled data, as the model names them. */
function rawFeatures(features: string[]): { rows: number; data: Float32Array } {
  const lines = readFileSync(BREAST_CANCER, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const cols = features.map((f) => header.indexOf(f));
  const rows = lines.slice(1).map((l) => l.split(','));
  return { rows: rows.length, data: Float32Array.from(rows.flatMap((r) => cols.map((c) => Number(r[c])))) };
}

describe('train → export (tfjs, onnx) → predict elsewhere → import', () => {
  let dir: string;
  let model: Json;
  let expected: number[];

  beforeAll(async () => {
    await initTfjs();
    dir = tempDir();
    const r = run(
      [
        'train',
        BREAST_CANCER,
        '--hidden',
        '6',
        '--activation',
        'tanh',
        '--epochs',
        '15',
        '--out',
        'model.json',
        '--quiet',
      ],
      dir,
    );
    expect(r.code).toBe(0);
    model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(model.standardization).toBeDefined();
    expected = predictions('model.json', dir);
  });

  it('export --format tfjs writes a directory that tf.loadLayersModel loads and that predicts the same', async () => {
    const r = run(['export', 'model.json', '--format', 'tfjs', '--out', 'web'], dir);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('TF.js Layers model written: web/model.json, web/group1-shard1of1.bin\n');
    const json = JSON.parse(readFileSync(join(dir, 'web', 'model.json'), 'utf8'));
    const weights = new Uint8Array(readFileSync(join(dir, 'web', 'group1-shard1of1.bin')));
    const m = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.slice().buffer,
      }),
    );
    const x = rawFeatures(model.features);
    const y = m.predict(tf.tensor2d(x.data, [x.rows, model.features.length])) as tf.Tensor;
    expect(maxAbsDiff(await y.data(), expected)).toBeLessThan(2e-5);
  });

  it('export --format onnx writes a file that onnxruntime runs with the same predictions', async () => {
    const r = run(['export', 'model.json', '--format', 'onnx', '--out', 'model.onnx', '--json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      command: 'export',
      model: 'model.json',
      format: 'onnx',
      files: ['model.onnx'],
      standardizationFolded: false,
      standardizationStep: true,
    });
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')));
    const x = rawFeatures(model.features);
    const out = await session.run({ input: new ort.Tensor('float32', x.data, [x.rows, model.features.length]) });
    expect(maxAbsDiff(out.output.data as Float32Array, expected)).toBeLessThan(2e-5);
  });

  it('import reads the export back into a model file that predicts the same on raw features', () => {
    run(['export', 'model.json', '--format', 'tfjs', '--out', 'web2'], dir);
    const r = run(['import', 'web2/model.json', '--out', 'back.json'], dir);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('model 30-6-1 (tanh, sigmoid; binary_crossentropy) written to back.json\n');
    const back = JSON.parse(readFileSync(join(dir, 'back.json'), 'utf8'));
    // The frozen step comes back as the model file's own standardisation, float64 for float64.
    expect(back.standardization).toEqual(model.standardization);
    for (const key of ['features', 'target', 'labels', 'loss', 'training', 'metrics'])
      expect(back[key]).toEqual(model[key]);
    expect(back.layers[0].kernel[0][0]).toBe(Math.fround(model.layers[0].kernel[0][0]));
    expect(maxAbsDiff(predictions('back.json', dir), expected)).toBeLessThan(2e-6);
  });

  it('export → import → train --init at η → 0 keeps the original metrics', () => {
    run(['export', 'model.json', '--format', 'tfjs', '--out', 'web3'], dir);
    expect(run(['import', 'web3', '--out', 'back3.json', '--quiet'], dir).code).toBe(0);
    const evaluate = (m: string) => {
      const r = run(['evaluate', m, BREAST_CANCER, '--json'], dir);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as Json;
    };
    const r = run(
      [
        'train',
        BREAST_CANCER,
        '--init',
        'back3.json',
        '--lr',
        '1e-12',
        '--epochs',
        '1',
        '--out',
        'again.json',
        '--quiet',
      ],
      dir,
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const want = evaluate('model.json');
    const got = evaluate('again.json');
    expect(got.accuracy).toBe(want.accuracy);
    expect(Math.abs(got.logLoss - want.logLoss)).toBeLessThan(1e-6);
  });

  it('export --fold-standardization writes the folded layer 1 and no step, predicting the same', async () => {
    const r = run(
      ['export', 'model.json', '--format', 'tfjs', '--out', 'folded', '--fold-standardization', '--json'],
      dir,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ standardizationFolded: true, standardizationStep: false });
    const json = JSON.parse(readFileSync(join(dir, 'folded', 'model.json'), 'utf8'));
    expect(json.modelTopology.config.layers.map((l: Json) => l.config.name)).toEqual(['dense_1', 'dense_2']);
    expect(json.userDefinedMetadata.backprop.foldedStandardization).toEqual(model.standardization);
    // Folded by hand from the model file: K'[p][j] = K[p][j] / σ_p, rounded to float32 once.
    const bin = new Float32Array(new Uint8Array(readFileSync(join(dir, 'folded', 'group1-shard1of1.bin'))).buffer);
    const k = model.layers[0].kernel as number[][];
    const sigma = model.standardization.std as number[];
    const units = k[0].length;
    k.forEach((row, p) => {
      row.forEach((v, j) => {
        expect(bin[p * units + j]).toBe(Math.fround(v / sigma[p]));
      });
    });
    const onnx = run(
      ['export', 'model.json', '--format', 'onnx', '--out', 'folded.onnx', '--fold-standardization'],
      dir,
    );
    expect(onnx.code).toBe(0);
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'folded.onnx')));
    const x = rawFeatures(model.features);
    const out = await session.run({ input: new ort.Tensor('float32', x.data, [x.rows, model.features.length]) });
    expect(maxAbsDiff(out.output.data as Float32Array, expected)).toBeLessThan(2e-5);
  });

  it('init → export → import gives back the same file when the weights are float32', () => {
    const d = tempDir();
    // A model file whose weights are float32 values: init's, rounded.
    expect(run(['init', '--sizes', '3,4,2,3', '--classes', 'a,b,c', '--out', 'init.json'], d).code).toBe(0);
    const init = JSON.parse(readFileSync(join(d, 'init.json'), 'utf8'));
    for (const l of init.layers) {
      l.kernel = l.kernel.map((row: number[]) => row.map(Math.fround));
      l.bias = l.bias.map((b: number, i: number) => Math.fround(b + 0.1 * i));
    }
    writeFileSync(join(d, 'f32.json'), `${JSON.stringify(init)}\n`);
    // Normalise the formatting through backprop itself (import writes the canonical layout).
    expect(run(['export', 'f32.json', '--format', 'tfjs', '--out', 'a'], d).code).toBe(0);
    expect(run(['import', 'a', '--out', 'once.json'], d).code).toBe(0);
    expect(run(['export', 'once.json', '--format', 'tfjs', '--out', 'b'], d).code).toBe(0);
    expect(run(['import', 'b/model.json', '--out', 'twice.json'], d).code).toBe(0);
    const once = readFileSync(join(d, 'once.json'), 'utf8');
    expect(readFileSync(join(d, 'twice.json'), 'utf8')).toBe(once);
    expect(JSON.parse(once)).toEqual(init);
  });
});

/** Every file under `dir` with a hash of its contents, to see that nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) {
        out[`${prefix}${name}/`] = 'dir';
        walk(path, `${prefix}${name}/`);
      } else out[`${prefix}${name}`] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

/** Runs a failing command in a prepared directory; checks exit 2, one line, nothing written. */
function fails(args: string[], setup: (dir: string) => void): string {
  const dir = tempDir();
  setup(dir);
  const before = snapshot(dir);
  const r = run(args, dir);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
  expect(snapshot(dir)).toEqual(before);
  return r.stderr.trim();
}

const smallModel = () => ({
  network: createNetwork({
    inputSize: 3,
    layers: [
      { units: 4, activation: 'sigmoid' as const },
      { units: 1, activation: 'sigmoid' as const },
    ],
    loss: { name: 'binary_crossentropy' as const },
  }),
  features: ['a', 'b', 'c'],
  labels: { kind: 'binary' as const, classes: ['0', '1'] as [string, string] },
});

/** A model file plus its TF.js export in `web/`, with model.json edited by `edit`. */
function exported(dir: string, edit?: (json: Json) => void) {
  // A stale model file: import --out may replace one, but not on bad input.
  writeFileSync(join(dir, 'model.json'), '{"format": "backprop-model", "note": "OLD"}\n');
  writeTfjsLayers(join(dir, 'web'), smallModel());
  if (edit) {
    const file = join(dir, 'web', 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    edit(json);
    writeFileSync(file, JSON.stringify(json));
  }
}

describe('export and import: bad input is one line, exit 2, nothing written', () => {
  const withModel = (dir: string) => {
    expect(run(['init', '--out', 'model.json'], dir).code).toBe(0);
  };

  it('exporting into a non-empty directory without --force', () => {
    expect(
      fails(['export', 'model.json', '--format', 'tfjs', '--out', 'web'], (d) => {
        withModel(d);
        mkdirSync(join(d, 'web'));
        writeFileSync(join(d, 'web', 'index.html'), '<p>mine</p>');
      }),
    ).toBe(
      'backprop: web: directory is not empty (1 entry); use --force to replace model.json and group1-shard1of1.bin in it',
    );
  });
  it('an unknown format lists the known ones', () => {
    expect(fails(['export', 'model.json', '--format', 'keras', '--out', 'k'], withModel)).toBe(
      "backprop: option '--format <format>' argument 'keras' is invalid. unknown format; the known formats are tfjs, onnx.",
    );
  });
  it('no format', () => {
    expect(fails(['export', 'model.json', '--out', 'k'], withModel)).toBe(
      "backprop: required option '--format <format>' not specified",
    );
  });
  it('exporting over an existing .onnx file without --force', () => {
    expect(
      fails(['export', 'model.json', '--format', 'onnx', '--out', 'm.onnx'], (d) => {
        withModel(d);
        writeFileSync(join(d, 'm.onnx'), 'old');
      }),
    ).toBe('backprop: m.onnx: already exists; use --force to replace it');
  });
  it('exporting a model file that is not one', () => {
    expect(
      fails(['export', 'model.json', '--format', 'onnx', '--out', 'm.onnx'], (d) => {
        writeFileSync(join(d, 'model.json'), '{"format": "keras"}');
      }),
    ).toBe('backprop: model.json: format is "keras", expected "backprop-model"');
  });
  it('importing a model with a Conv2D layer', () => {
    expect(
      fails(['import', 'web/model.json', '--out', 'model.json'], (d) =>
        exported(d, (j) => {
          j.modelTopology.config.layers[0] = { class_name: 'Conv2D', config: { name: 'conv2d_1' } };
        }),
      ),
    ).toBe("backprop: web/model.json: layer 1 'conv2d_1': Conv2D is not supported; supported: Dense");
  });
  it('importing a model with a Dropout layer', () => {
    expect(
      fails(['import', 'web/model.json', '--out', 'model.json'], (d) =>
        exported(d, (j) => {
          j.modelTopology.config.layers.splice(1, 0, { class_name: 'Dropout', config: { name: 'dropout', rate: 0.2 } });
        }),
      ),
    ).toBe("backprop: web/model.json: layer 2 'dropout': Dropout is not supported; supported: Dense");
  });
  it('importing a model with an unsupported activation', () => {
    expect(
      fails(['import', 'web', '--out', 'model.json'], (d) =>
        exported(d, (j) => {
          j.modelTopology.config.layers[1].config.activation = 'softplus';
        }),
      ),
    ).toBe(
      "backprop: web/model.json: layer 2 'dense_2': activation 'softplus' is not supported; supported: sigmoid, tanh, relu, linear, softmax",
    );
  });
  it('importing a truncated weights file', () => {
    expect(
      fails(['import', 'web/model.json', '--out', 'model.json'], (d) => {
        exported(d);
        const bin = join(d, 'web', 'group1-shard1of1.bin');
        writeFileSync(bin, readFileSync(bin).subarray(0, 40));
      }),
    ).toBe('backprop: web/model.json: weights file web/group1-shard1of1.bin has 40 bytes, the manifest needs 84');
  });
  it('importing over the model being imported', () => {
    expect(fails(['import', 'web/model.json', '--out', 'web/model.json'], (d) => exported(d))).toBe(
      'backprop: --out web/model.json: is the TF.js model being imported; choose another path',
    );
  });
  it('importing a backprop model file instead of a TF.js one', () => {
    expect(fails(['import', 'model.json', '--out', 'x.json'], withModel)).toMatch(
      /^backprop: model\.json: is a backprop model file already, expected a TF\.js model\.json \(as export writes\)$/,
    );
  });
});

describe('the imported file is usable by every command', () => {
  it('import of a fresh export reads back', () => {
    const d = tempDir();
    exported(d);
    expect(run(['import', 'web', '--out', 'm.json', '--quiet'], d)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readTfjsLayers(join(d, 'web')).features).toEqual(['a', 'b', 'c']);
    expect(run(['gradcheck', 'm.json', '-'], d, 'a,b,c,label\n1,2,3,1\n0,1,0,0\n').code).toBe(0);
  });
});
