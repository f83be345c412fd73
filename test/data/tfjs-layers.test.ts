import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/data/input-error.js';
import { type Model, serializeModel } from '../../src/data/model-file.js';
import { standardize } from '../../src/data/standardize.js';
import { fromTfjsLayers, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE, toTfjsLayers } from '../../src/data/tfjs-layers.js';
import { createNetwork, predict } from '../../src/nn/network.js';
import { readTfjsLayers, writeTfjsLayers } from '../../src/node/tfjs-files.js';
import { exportCases, maxAbsDiff } from '../helpers/export-models.js';
import { initTfjs } from '../helpers/tfjs-reference.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'bp-tfjs-'));

/** An IOHandler reading an exported directory from disk the way tfjs's http loader reads a URL. */
function fromDirectory(dir: string): tf.io.IOHandler {
  return {
    load: () => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const buffers = manifest.flatMap((g) => g.paths.map((p) => new Uint8Array(readFileSync(join(dir, p)))));
        const data = tf.io.concatenateArrayBuffers(buffers.map((b) => b.slice().buffer));
        return [specs, data];
      });
    },
  };
}

async function tfjsPredict(dir: string, raw: { rows: number; cols: number; data: Float64Array }) {
  const model = await tf.loadLayersModel(fromDirectory(dir));
  const x = tf.tensor2d(Float32Array.from(raw.data), [raw.rows, raw.cols]);
  const y = model.predict(x) as tf.Tensor;
  const out = { values: await y.data(), model };
  tf.dispose([x, y]);
  return out;
}

beforeAll(initTfjs);

describe('export → tf.loadLayersModel → predict on the raw bundled data', () => {
  for (const c of exportCases()) {
    it(c.name, async () => {
      const dir = join(tmp(), 'export');
      writeTfjsLayers(dir, c.model);
      expect(readdirSync(dir).sort()).toEqual([TFJS_WEIGHTS_FILE, TFJS_MODEL_FILE].sort());
      const { values, model } = await tfjsPredict(dir, c.raw);
      // float32 rounds each weight and each operation to 2^-24 ≈ 6e-8 relative. The folded first
      // layer sums 30 products of raw features (up to ~4000) with kernels divided by σ, terms of
      // size up to ~10, so z may be off by ~30 · 10 · 6e-8 ≈ 2e-5 at worst (1e-6 is typical);
      // sigmoid, tanh and softmax only shrink that. A fold in the wrong layout is off by O(1).
      expect(maxAbsDiff(values, c.expected.data)).toBeLessThan(2e-5);
      expect(model.getUserDefinedMetadata()).toMatchObject({ backprop: { features: c.model.features } });
      model.dispose();
    });
  }
});

/** A model whose weights are float32 values, as a model read back from a TF.js file has. */
function float32Model(): Model {
  const network = createNetwork(
    {
      inputSize: 3,
      layers: [
        { units: 4, activation: 'tanh' },
        { units: 5, activation: 'relu' },
        { units: 3, activation: 'softmax' },
      ],
      loss: { name: 'categorical_crossentropy', epsilon: 1e-7 },
    },
    { seed: 7 },
  );
  for (const l of network.layers) {
    l.kernel.data.forEach((v, i) => {
      l.kernel.data[i] = Math.fround(v);
    });
    l.bias.forEach((_, i) => {
      l.bias[i] = Math.fround(0.01 * (i + 1));
    });
  }
  return {
    network,
    features: ['a', 'b b', 'c,c'],
    target: 'kind',
    labels: { kind: 'multiclass', classes: ['x', 'y', 'z'] },
    training: { seed: 7, initializedFrom: 'seed', optimizer: { name: 'nesterov', learningRate: 0.05, momentum: 0.8 } },
    metrics: { test: { rows: 10, accuracy: 0.9 } },
  };
}

describe('the training configuration', () => {
  it('loads in TF.js as a compiled model with the recorded optimizer and loss', async () => {
    const dir = join(tmp(), 'm');
    writeTfjsLayers(dir, float32Model());
    const { model } = await tfjsPredict(dir, { rows: 1, cols: 3, data: new Float64Array(3) });
    const opt = model.optimizer as unknown as { getConfig(): Record<string, unknown> };
    expect(opt.getConfig()).toEqual({ learningRate: 0.05, momentum: 0.8, useNesterov: true });
    expect(model.loss).toBe('categoricalCrossentropy');
    model.dispose();
  });
});

describe('export → import', () => {
  it('gives back the model file byte for byte when the weights are float32 and nothing is standardised', () => {
    const original = float32Model();
    const dir = join(tmp(), 'm');
    writeTfjsLayers(dir, original);
    expect(serializeModel(readTfjsLayers(join(dir, 'model.json')))).toBe(serializeModel(original));
    // The directory may be given instead of its model.json.
    expect(serializeModel(readTfjsLayers(dir))).toBe(serializeModel(original));
  });

  it("with standardisation: the frozen step comes back as the model file's standardization, exactly", () => {
    const c = exportCases()[0];
    const dir = join(tmp(), 'm');
    writeTfjsLayers(dir, c.model);
    const back = readTfjsLayers(dir);
    // μ and σ are the model's float64 values (the metadata's, checked against the float32 layer).
    expect(back.standardization).toEqual(c.model.standardization);
    // The layers are the model's own, unfolded, each weight rounded to float32.
    const rounded = JSON.parse(serializeModel(c.model)) as { layers: { kernel: number[][]; bias: number[] }[] };
    for (const l of rounded.layers) {
      l.kernel = l.kernel.map((row) => row.map(Math.fround));
      l.bias = l.bias.map(Math.fround);
    }
    expect(JSON.parse(serializeModel(back))).toEqual(rounded);
    const y = predict(back.network, standardize(c.raw, back.standardization!));
    expect(maxAbsDiff(y.data, c.expected.data)).toBeLessThan(2e-6);
  });

  it("without backprop metadata, the frozen step's weights give μ = −b/k and σ = 1/k", () => {
    const c = exportCases()[1];
    const { modelJson, weights } = toTfjsLayers(c.model);
    delete (modelJson as { userDefinedMetadata?: unknown }).userDefinedMetadata;
    const back = fromTfjsLayers(modelJson, 'model.json', () => weights);
    const st = c.model.standardization!;
    back.standardization!.std.forEach((s, p) => {
      expect(s).toBe(1 / Math.fround(1 / st.std[p]));
      expect(Math.abs(s - st.std[p]) / st.std[p]).toBeLessThan(1e-7);
      expect(Math.abs(back.standardization!.mean[p] - st.mean[p])).toBeLessThan(1e-6 * st.std[p]);
    });
    expect(back.network.layers.length).toBe(c.model.network.layers.length);
  });

  it('refuses a frozen layer that is not a standardisation step, or one that is not first', () => {
    const { modelJson, weights } = toTfjsLayers(exportCases()[1].model);
    // biome-ignore lint/suspicious/noExplicitAny: the test edits the JSON.
    const layers = (modelJson as any).modelTopology.config.layers;
    layers[2].config.trainable = false;
    expect(() => fromTfjsLayers(modelJson, 'm.json', () => weights)).toThrow(
      "m.json: layer 3 'dense_2': a frozen (trainable: false) Dense layer is supported only first, as a standardisation step",
    );
    layers[2].config.trainable = true;
    layers[0].config.activation = 'tanh';
    expect(() => fromTfjsLayers(modelJson, 'm.json', () => weights)).toThrow(
      "m.json: layer 1 'standardize': a frozen (trainable: false) Dense layer is supported only as a standardisation step: linear, its kernel square and diagonal with positive entries",
    );
  });

  it('with --fold-standardization: the imported model takes raw features, its first layer the folded float32 weights', () => {
    const c = exportCases()[0];
    const dir = join(tmp(), 'm');
    writeTfjsLayers(dir, c.model, { foldStandardization: true });
    const back = readTfjsLayers(dir);
    expect(back.standardization).toBeUndefined();
    // Every other field comes back as it was.
    const strip = (m: Model) => {
      const { layers: _l, standardization: _s, ...rest } = JSON.parse(serializeModel(m)) as Record<string, unknown>;
      return rest;
    };
    expect(strip(back)).toEqual(strip(c.model));
    // Every weight is a float32 value.
    for (const l of back.network.layers) for (const v of [...l.kernel.data, ...l.bias]) expect(Math.fround(v)).toBe(v);
    expect(maxAbsDiff(predict(back.network, c.raw).data, c.expected.data)).toBeLessThan(2e-5);
  });

  it('reads a model saved by TF.js itself (no backprop metadata): default names, loss from trainingConfig', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 5, activation: 'relu', inputShape: [4], biasInitializer: 'randomNormal' }));
    m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
    m.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const dir = tmp();
    await m.save(
      tf.io.withSaveHandler(async (art) => {
        const data = art.weightData as ArrayBuffer;
        writeFileSync(join(dir, 'weights.bin'), new Uint8Array(data));
        const json = {
          modelTopology: art.modelTopology,
          format: art.format,
          generatedBy: art.generatedBy,
          convertedBy: art.convertedBy,
          trainingConfig: art.trainingConfig,
          weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }],
        };
        writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { includeOptimizer: true },
    );
    const back = readTfjsLayers(join(dir, 'model.json'));
    expect(back.features).toEqual(['x1', 'x2', 'x3', 'x4']);
    expect(back.labels).toEqual({ kind: 'multiclass', classes: ['0', '1', '2'] });
    expect(back.network.loss.config.name).toBe('categorical_crossentropy');
    const xs = [
      [0.5, -1, 2, 0.25],
      [3, 0.1, -0.7, 1.5],
    ];
    const want = (await (m.predict(tf.tensor2d(xs)) as tf.Tensor).data()) as Float32Array;
    const got = predict(back.network, { rows: 2, cols: 4, data: Float64Array.from(xs.flat()) });
    expect(maxAbsDiff(got.data, want)).toBeLessThan(1e-6);
    m.dispose();
  });
});

describe('export into a directory', () => {
  it('refuses a non-empty directory unless forced, and then keeps the other entries', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    const model = float32Model();
    expect(() => writeTfjsLayers(dir, model)).toThrow(
      `${dir}: directory is not empty (1 entry); use --force to replace model.json and group1-shard1of1.bin in it`,
    );
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    writeTfjsLayers(dir, model, { force: true });
    expect(readdirSync(dir).sort()).toEqual(['group1-shard1of1.bin', 'model.json', 'notes.txt']);
    expect(serializeModel(readTfjsLayers(dir))).toBe(serializeModel(model));
  });

  it('writes into an existing empty directory, and creates missing parents', () => {
    const empty = tmp();
    writeTfjsLayers(empty, float32Model());
    expect(readdirSync(empty).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const deep = join(tmp(), 'a', 'b');
    writeTfjsLayers(deep, float32Model());
    expect(readdirSync(deep).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
  });

  it('refuses a path that is a file', () => {
    const file = join(tmp(), 'x');
    writeFileSync(file, 'x');
    expect(() => writeTfjsLayers(file, float32Model())).toThrow(/x: is a file, expected a directory/);
  });

  it('writes the manifest TF.js and Keras expect', () => {
    const { modelJson, weights } = toTfjsLayers(float32Model());
    const json = modelJson as {
      format: string;
      modelTopology: {
        class_name: string;
        config: { layers: { class_name: string; config: Record<string, unknown> }[] };
      };
      weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
      trainingConfig: unknown;
    };
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Sequential');
    const layers = json.modelTopology.config.layers;
    expect(layers.map((l) => [l.class_name, l.config.units, l.config.activation, l.config.use_bias])).toEqual([
      ['Dense', 4, 'tanh', true],
      ['Dense', 5, 'relu', true],
      ['Dense', 3, 'softmax', true],
    ]);
    expect(layers[0].config.batch_input_shape).toEqual([null, 3]);
    expect(layers[1].config.batch_input_shape).toBeUndefined();
    expect(layers.every((l) => l.config.dtype === 'float32')).toBe(true);
    expect(json.weightsManifest).toEqual([
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'dense_1/kernel', shape: [3, 4], dtype: 'float32' },
          { name: 'dense_1/bias', shape: [4], dtype: 'float32' },
          { name: 'dense_2/kernel', shape: [4, 5], dtype: 'float32' },
          { name: 'dense_2/bias', shape: [5], dtype: 'float32' },
          { name: 'dense_3/kernel', shape: [5, 3], dtype: 'float32' },
          { name: 'dense_3/bias', shape: [3], dtype: 'float32' },
        ],
      },
    ]);
    expect(json.trainingConfig).toEqual({
      loss: 'categorical_crossentropy',
      metrics: [],
      optimizer_config: { class_name: 'Momentum', config: { learning_rate: 0.05, momentum: 0.8, use_nesterov: true } },
    });
    // Little-endian float32: the kernel row by row, then the bias, layer by layer.
    expect(weights.byteLength).toBe(4 * (12 + 4 + 20 + 5 + 15 + 3));
    const view = new DataView(weights.buffer, weights.byteOffset);
    const k = float32Model().network.layers[0].kernel;
    expect(view.getFloat32(4 * 5, true)).toBe(k.data[5]); // row 1, column 1
    expect(view.getFloat32(4 * 12, true)).toBe(Math.fround(0.01));
  });
});

describe('import: bad input names the file, the layer and what is supported', () => {
  /** An exported directory whose model.json has been edited by `edit`. */
  // biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary parts of the JSON.
  function edited(edit: (json: any) => void): string {
    const dir = join(tmp(), 'm');
    writeTfjsLayers(dir, float32Model());
    const file = join(dir, 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    edit(json);
    writeFileSync(file, JSON.stringify(json));
    return file;
  }
  const fails = (file: string) => {
    try {
      readTfjsLayers(file);
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      return (err as Error).message;
    }
    throw new Error('expected an InputError');
  };

  it('a Conv2D layer', () => {
    const file = edited((j) => {
      j.modelTopology.config.layers[1] = { class_name: 'Conv2D', config: { name: 'conv2d_1', filters: 8 } };
    });
    expect(fails(file)).toBe(`${file}: layer 2 'conv2d_1': Conv2D is not supported; supported: Dense`);
  });
  it('a Dropout layer', () => {
    const file = edited((j) => {
      j.modelTopology.config.layers.splice(1, 0, { class_name: 'Dropout', config: { name: 'dropout_1', rate: 0.5 } });
    });
    expect(fails(file)).toBe(`${file}: layer 2 'dropout_1': Dropout is not supported; supported: Dense`);
  });
  it('an unsupported activation', () => {
    const file = edited((j) => {
      j.modelTopology.config.layers[0].config.activation = 'elu';
    });
    expect(fails(file)).toBe(
      `${file}: layer 1 'dense_1': activation 'elu' is not supported; supported: sigmoid, tanh, relu, linear, softmax`,
    );
  });
  it('a truncated weights file', () => {
    const file = edited(() => {});
    const bin = join(file, '..', 'group1-shard1of1.bin');
    writeFileSync(bin, readFileSync(bin).subarray(0, 100));
    expect(fails(file)).toBe(`${file}: weights file ${bin} has 100 bytes, the manifest needs 236`);
  });
  it('a missing weights file', () => {
    const file = edited((j) => {
      j.weightsManifest[0].paths = ['gone.bin'];
    });
    expect(fails(file)).toMatch(/gone\.bin: no such file \(weightsManifest\[0\] of .*model\.json names it\)$/);
  });
  it('a graph model', () => {
    const file = edited((j) => {
      j.format = 'graph-model';
    });
    expect(fails(file)).toBe(
      `${file}: format is "graph-model", expected "layers-model" (a TF.js Layers model; graph models cannot be imported)`,
    );
  });
  it('a functional model', () => {
    const file = edited((j) => {
      j.modelTopology.class_name = 'Functional';
    });
    expect(fails(file)).toBe(
      `${file}: modelTopology is a Functional model; supported: a Sequential model of Dense layers`,
    );
  });
  it('int32 weights', () => {
    const file = edited((j) => {
      j.weightsManifest[0].weights[0].dtype = 'int32';
    });
    expect(fails(file)).toBe(`${file}: weight 'dense_1/kernel' has dtype int32; supported: float32`);
  });
  it('a kernel of the wrong shape', () => {
    const file = edited((j) => {
      j.weightsManifest[0].weights[2].shape = [5, 4];
    });
    expect(fails(file)).toBe(`${file}: layer 2 'dense_2': kernel shape is [5, 4], expected [4, 5]`);
  });
  it('metadata that contradicts the network', () => {
    const file = edited((j) => {
      j.userDefinedMetadata.backprop.labels = { kind: 'binary', classes: ['n', 'y'] };
    });
    expect(fails(file)).toBe(`${file}: labels has 2 classes but the last layer has 3 units, expected 1`);
  });
  it('malformed metadata, with its JSON path', () => {
    const file = edited((j) => {
      j.userDefinedMetadata.backprop.features = 'a,b,c';
    });
    expect(fails(file)).toMatch(
      /: userDefinedMetadata\.backprop\.features: Invalid input: expected array, received string$/,
    );
  });
  it('not JSON', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'model.json'), '{"format": ');
    expect(fails(dir)).toMatch(/model\.json: not valid JSON \(.*\), expected a TF\.js model\.json$/);
  });
  it('no such file', () => {
    expect(fails(join(tmp(), 'nope', 'model.json'))).toMatch(/nope\/model\.json: no such file$/);
  });
});
