/**
 * TensorFlow.js Layers format, both ways: a model file ↔ a directory holding `model.json`
 * (`format: "layers-model"`, a Keras-style Sequential of Dense layers and a weights manifest)
 * and one weights file `group1-shard1of1.bin` (little-endian float32: each layer's kernel
 * [in, out] row-major, then its bias). `tf.loadLayersModel` loads it, and tensorflowjs_converter
 * turns it into a Keras model. See docs/interop.md.
 *
 * The exported network takes raw features. The standardisation is its first layer, a frozen
 * (`trainable: false`) linear Dense layer named `standardize` with the diagonal kernel 1/σ and
 * the bias −μ/σ, so that `fit` on raw features trains the model's own weights; with
 * `foldStandardization` it is folded into the first layer instead (see export-layers.ts). Import
 * turns that frozen layer back into the model's `standardization`. The feature names, target,
 * label mapping, loss, standardisation, training settings and metrics go in
 * `userDefinedMetadata.backprop`, which TF.js keeps with the model and which import reads back; a
 * model without it (one made by TF.js or Keras) imports with default names.
 */
import { z } from 'zod';
import { ACTIVATION_NAMES, type ActivationName } from '../nn/activations.js';
import type { LossName } from '../nn/losses.js';
import { type ExportOptions, exportLayers, standardizationStep } from './export-layers.js';
import { InputError } from './input-error.js';
import { lossForOutputActivation } from './labels.js';
import { fromModelFile, MODEL_FORMAT, MODEL_VERSION, type Model, modelFileSchema } from './model-file.js';
import type { Standardization } from './standardize.js';
import { BACKPROP_VERSION } from './version.js';

/** The manifest's file name inside the export directory. */
export const TFJS_MODEL_FILE = 'model.json';
/** The one weights file the manifest names. */
export const TFJS_WEIGHTS_FILE = 'group1-shard1of1.bin';
/** The layer classes import understands. */
export const TFJS_SUPPORTED_LAYERS = ['Dense'] as const;
/** The name of the frozen Dense layer that holds the standardisation. */
export const TFJS_STANDARDIZE_LAYER = 'standardize';

/** What export writes: the manifest (as JSON) and the bytes of the weights file. */
export interface TfjsArtifacts {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
}

/** Keras spells backprop's five activations the same way. */
const KERAS_ACTIVATIONS: Record<ActivationName, string> = {
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  relu: 'relu',
  linear: 'linear',
  softmax: 'softmax',
};

/** The optimizer as TF.js deserialises it (`trainingConfig.optimizer_config`), if the model says. */
function optimizerConfig(model: Model): Record<string, unknown> | undefined {
  const opt = model.training?.optimizer;
  if (!opt) return undefined;
  const learning_rate = opt.learningRate;
  switch (opt.name) {
    case 'sgd':
      return { class_name: 'SGD', config: { learning_rate } };
    case 'momentum':
    case 'nesterov':
      return {
        class_name: 'Momentum',
        config: { learning_rate, momentum: opt.momentum ?? 0.9, use_nesterov: opt.name === 'nesterov' },
      };
    case 'adam':
      return {
        class_name: 'Adam',
        config: { learning_rate, beta1: opt.beta1 ?? 0.9, beta2: opt.beta2 ?? 0.999, epsilon: opt.epsilon ?? 1e-7 },
      };
    default:
      return undefined;
  }
}

/** The metadata import reads back (everything of the model file but the weights). */
function backpropMetadata(model: Model, step: Standardization | undefined): Record<string, unknown> {
  return {
    format: MODEL_FORMAT,
    version: 1,
    features: [...model.features],
    ...(model.target !== undefined ? { target: model.target } : {}),
    labels: model.labels,
    loss: { ...model.network.loss.config },
    // The exact float64 statistics of the `standardize` layer, which holds them in float32.
    ...(step ? { standardization: step } : {}),
    // Informational: these statistics are already folded into layer 1's weights.
    ...(model.standardization && !step ? { foldedStandardization: model.standardization } : {}),
    ...(model.training ? { training: model.training } : {}),
    ...(model.metrics ? { metrics: model.metrics } : {}),
  };
}

/** A Dense layer's config as TF.js Layers 4 writes it. */
function denseConfig(
  name: string,
  units: number,
  activation: string,
  regularizer: Record<string, unknown> | null,
  trainable: boolean,
  inputs: number | undefined,
): Record<string, unknown> {
  return {
    units,
    activation,
    use_bias: true,
    kernel_initializer: {
      class_name: 'VarianceScaling',
      config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null },
    },
    bias_initializer: { class_name: 'Zeros', config: {} },
    kernel_regularizer: regularizer,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
    name,
    trainable,
    ...(inputs !== undefined ? { batch_input_shape: [null, inputs] } : {}),
    dtype: 'float32',
  };
}

/**
 * The standardisation as a linear layer: x·K + b with K = diag(1/σ) and b = −μ/σ is (x − μ)/σ.
 * Each output is one product and one sum (the other products are exact zeros), so in float32 it
 * is (x − μ)/σ to a couple of roundings.
 */
function standardizeLayer(st: Standardization): { kernel: Float64Array; bias: Float64Array } {
  const n = st.mean.length;
  const kernel = new Float64Array(n * n);
  const bias = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    kernel[p * n + p] = 1 / st.std[p];
    bias[p] = -st.mean[p] / st.std[p];
  }
  return { kernel, bias };
}

/**
 * The TF.js Layers artifacts of a model (nothing is written).
 * @param model the model
 * @param options `foldStandardization`: fold the standardisation into the first layer rather
 *   than export it as the frozen `standardize` layer
 * @example
 * const { modelJson, weights } = toTfjsLayers(model); // model.json's value and the .bin bytes
 */
export function toTfjsLayers(model: Model, options: ExportOptions = {}): TfjsArtifacts {
  const layers = exportLayers(model, options);
  const step = standardizationStep(model, options);
  const front = step ? standardizeLayer(step) : undefined;
  // backprop's L2 penalty l2·Σ‖kernel‖² is Keras's L1L2(l1=0, l2) on every kernel: kept, not dropped.
  const l2 = model.training?.l2;
  const regularizer = l2 ? { class_name: 'L1L2', config: { l1: 0, l2 } } : null;
  const count = layers.reduce(
    (n, l) => n + l.kernel.length + l.bias.length,
    front ? front.kernel.length + front.bias.length : 0,
  );
  const bytes = new Uint8Array(count * 4);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  const put = (values: Float64Array) => {
    for (const v of values) {
      view.setFloat32(offset, v, true);
      offset += 4;
    }
  };
  const weights: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const topology: Record<string, unknown>[] = [];
  if (front) {
    const n = layers[0].inputs;
    put(front.kernel);
    put(front.bias);
    const name = TFJS_STANDARDIZE_LAYER;
    weights.push({ name: `${name}/kernel`, shape: [n, n], dtype: 'float32' });
    weights.push({ name: `${name}/bias`, shape: [n], dtype: 'float32' });
    // Frozen and unregularised: fit neither moves it nor adds a penalty for it.
    topology.push({ class_name: 'Dense', config: denseConfig(name, n, 'linear', null, false, n) });
  }
  layers.forEach((l, i) => {
    const name = `dense_${i + 1}`;
    put(l.kernel);
    put(l.bias);
    weights.push({ name: `${name}/kernel`, shape: [l.inputs, l.units], dtype: 'float32' });
    weights.push({ name: `${name}/bias`, shape: [l.units], dtype: 'float32' });
    const inputs = i === 0 && !front ? l.inputs : undefined;
    topology.push({
      class_name: 'Dense',
      config: denseConfig(name, l.units, KERAS_ACTIVATIONS[l.activation], regularizer, true, inputs),
    });
  });
  const optimizer = optimizerConfig(model);
  const modelJson: Record<string, unknown> = {
    format: 'layers-model',
    generatedBy: `backprop ${BACKPROP_VERSION}`,
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 'sequential', layers: topology },
      // The dialect of the layer configs above: the one TF.js Layers 4 writes and reads.
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights }],
    ...(optimizer
      ? { trainingConfig: { loss: model.network.loss.config.name, metrics: [], optimizer_config: optimizer } }
      : {}),
    userDefinedMetadata: { backprop: backpropMetadata(model, step) },
  };
  return { modelJson, weights: bytes };
}

// ---------------------------------------------------------------------------------------------
// Import

const weightSpecSchema = z
  .object({
    name: z.string(),
    shape: z.array(z.number().int().nonnegative()),
    dtype: z.string().optional(),
    quantization: z.unknown().optional(),
  })
  .loose();
const manifestSchema = z
  .array(z.object({ paths: z.array(z.string().min(1)).min(1), weights: z.array(weightSpecSchema) }).loose())
  .min(1);
const layerSchema = z.object({ class_name: z.string(), config: z.record(z.string(), z.unknown()) }).loose();
const sequentialSchema = z
  .object({
    class_name: z.string(),
    config: z.union([z.object({ layers: z.array(layerSchema) }).loose(), z.array(layerSchema)]),
  })
  .loose();
/** The parts of a TF.js `model.json` that import reads; other fields are allowed and ignored. */
export const tfjsModelJsonSchema = z
  .object({
    format: z.string().optional(),
    modelTopology: z.record(z.string(), z.unknown()),
    weightsManifest: manifestSchema,
    trainingConfig: z.record(z.string(), z.unknown()).nullable().optional(),
    userDefinedMetadata: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .loose();
const denseConfigSchema = z
  .object({
    units: z.number().int().positive(),
    activation: z.string().nullable().optional(),
    use_bias: z.boolean().optional(),
    trainable: z.boolean().optional(),
    name: z.string().optional(),
  })
  .loose();
const shapeSchema = z.array(z.number().int().positive().nullable());
const metadataSchema = z
  .object({
    format: z.literal(MODEL_FORMAT).optional(),
    version: z.union([z.literal(1), z.literal(MODEL_VERSION)]).optional(),
    features: modelFileSchema.shape.features,
    target: modelFileSchema.shape.target,
    labels: modelFileSchema.shape.labels,
    loss: modelFileSchema.shape.loss.optional(),
    standardization: modelFileSchema.shape.standardization,
    foldedStandardization: z.unknown().optional(),
    training: modelFileSchema.shape.training,
    metrics: modelFileSchema.shape.metrics,
  })
  .strict();

/** Bytes per element of the dtypes a weights manifest may hold (with quantization: the stored dtype). */
const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** `a.b[2].c` from zod's path array. */
function jsonPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

/**
 * A loss named by Keras or TF.js (`binary_crossentropy`, `binaryCrossentropy`, `mse`, …), or given
 * as a Keras loss object (`{"class_name": "BinaryCrossentropy", "config": {…}}`).
 */
function kerasLoss(name: unknown): LossName | undefined {
  if (typeof name === 'object' && name !== null && typeof (name as { class_name?: unknown }).class_name === 'string') {
    return kerasLoss((name as { class_name: string }).class_name);
  }
  if (typeof name !== 'string') return undefined;
  const key = name.toLowerCase().replace(/_/g, '');
  if (key === 'binarycrossentropy') return 'binary_crossentropy';
  if (key === 'categoricalcrossentropy') return 'categorical_crossentropy';
  if (key === 'meansquarederror' || key === 'mse') return 'mean_squared_error';
  return undefined;
}

/**
 * The loss of the training configuration: TF.js's `trainingConfig`, else the `training_config`
 * a Keras-converted topology carries.
 */
function trainingLoss(json: TfjsJson): LossName | undefined {
  const keras = (json.modelTopology as Record<string, unknown>).training_config as Record<string, unknown> | undefined;
  return kerasLoss(json.trainingConfig?.loss) ?? kerasLoss(keras?.loss);
}

/** Keras 2 names a functional model's class 'Model', Keras 3 'Functional'. */
function topologyKind(cls: string): string {
  return cls === 'Model' ? "Functional model (class_name 'Model')" : `${cls} model`;
}

/**
 * The L2 penalty λ the Dense layers' regularisers amount to: every kernel regularised by
 * L2(λ) (or L1L2 with l1 = 0) with one λ, as backprop's `l2` is; none at all gives undefined.
 * Anything else (L1, bias or activity regularisers, different λ per layer) is refused, never dropped.
 * @param skip the 1-based index of the frozen standardisation step, which is not trained
 */
function regularizerL2(
  topoLayers: z.infer<typeof layerSchema>[],
  file: string,
  skip: number | undefined,
): number | undefined {
  const found: number[] = [];
  let plain = 0;
  topoLayers.forEach((layer, i) => {
    if (layer.class_name !== 'Dense' || i + 1 === skip) return;
    const where = `${file}: layer ${i + 1} '${String(layer.config.name ?? '(unnamed)')}'`;
    for (const key of ['bias_regularizer', 'activity_regularizer'] as const) {
      if (layer.config[key] != null)
        throw new InputError(`${where}: a ${key} is not supported (backprop penalises kernels only)`);
    }
    const reg = layer.config.kernel_regularizer as
      | { class_name?: string; config?: Record<string, unknown> }
      | null
      | undefined;
    if (reg == null) {
      plain++;
      return;
    }
    const l1 = Number(reg.config?.l1 ?? 0);
    const l2 = Number(reg.config?.l2 ?? Number.NaN);
    if (!['L2', 'L1L2', 'l2', 'l1_l2'].includes(reg.class_name ?? '') || l1 !== 0 || !(l2 >= 0)) {
      throw new InputError(
        `${where}: kernel_regularizer ${JSON.stringify(reg)} is not supported; supported: L2 (L1L2 with l1 = 0)`,
      );
    }
    found.push(l2);
  });
  if (found.length === 0) return undefined;
  if (plain > 0 || found.some((v) => v !== found[0])) {
    throw new InputError(
      `${file}: the Dense layers' L2 kernel regularisers differ (${found.join(', ')}${plain > 0 ? ', and some have none' : ''}); backprop applies one λ to every kernel`,
    );
  }
  return found[0];
}

/** [null, n] → n; anything else is not a flat feature vector. */
function inputWidth(shape: unknown, where: string, file: string): number | undefined {
  if (shape === undefined || shape === null) return undefined;
  const parsed = shapeSchema.safeParse(shape);
  if (!parsed.success || parsed.data.length !== 2 || parsed.data[1] === null) {
    throw new InputError(
      `${file}: ${where}: input shape ${JSON.stringify(shape)} is not supported; expected [null, n] (a vector of n features)`,
    );
  }
  return parsed.data[1];
}

/** Reads `count` little-endian float32 values from `bytes` at `offset`, widened to float64. */
function float32s(bytes: Uint8Array, offset: number, count: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true);
  return out;
}

/**
 * The path of `name` in the directory of `file`, normalised as Node's `path.join` does on POSIX
 * (written out because this module runs in browsers too).
 */
/** Whether a manifest's weights path names a file in the model's directory or below it. */
function staysBeside(name: string): boolean {
  if (/^[/\\]|^[A-Za-z]:|:\/\/|\\/.test(name)) return false;
  return !name.split('/').includes('..');
}

function siblingPath(file: string, name: string): string {
  const absolute = file.startsWith('/');
  const out: string[] = [];
  for (const part of [...file.split('/').slice(0, -1), ...name.split('/')]) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (part !== '..' || !absolute) out.push(part);
  }
  return (absolute ? '/' : '') + out.join('/') || '.';
}

type TfjsJson = z.infer<typeof tfjsModelJsonSchema>;
type DenseSpec = {
  name: string;
  units: number;
  activation: ActivationName;
  useBias: boolean;
  trainable: boolean;
  index: number;
};
type WeightValue = { shape: number[]; data?: number[]; problem?: string };

/** The parsed manifest, checked: a TF.js Layers model.json and not something else. */
function checkedManifest(value: unknown, file: string): TfjsJson {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${file}: expected a JSON object (a TF.js model.json)`);
  }
  const head = value as Record<string, unknown>;
  if (head.format === MODEL_FORMAT) {
    throw new InputError(`${file}: is a backprop model file already, expected a TF.js model.json (as export writes)`);
  }
  if (head.format !== undefined && head.format !== 'layers-model') {
    throw new InputError(
      `${file}: format is ${JSON.stringify(head.format)}, expected "layers-model" (a TF.js Layers model; graph models cannot be imported)`,
    );
  }
  const parsed = tfjsModelJsonSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${file}: ${jsonPath('', issue.path).replace(/^\./, '') || '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** The topology's layers: a Sequential (possibly wrapped in `model_config`, as Keras writes it). */
function sequentialLayers(json: TfjsJson, file: string): z.infer<typeof layerSchema>[] {
  let topologyValue: unknown = json.modelTopology;
  if ((topologyValue as Record<string, unknown>).model_config !== undefined) {
    topologyValue = (topologyValue as Record<string, unknown>).model_config;
  }
  const topology = sequentialSchema.safeParse(topologyValue);
  if (!topology.success) {
    const cls = (topologyValue as Record<string, unknown> | null)?.class_name;
    if (typeof cls === 'string' && cls !== 'Sequential') {
      throw new InputError(
        `${file}: modelTopology is a ${topologyKind(cls)}; supported: a Sequential model of ${TFJS_SUPPORTED_LAYERS.join(', ')} layers`,
      );
    }
    const issue = topology.error.issues[0];
    throw new InputError(`${file}: ${jsonPath('modelTopology', issue.path)}: ${issue.message}`);
  }
  if (topology.data.class_name !== 'Sequential') {
    throw new InputError(
      `${file}: modelTopology is a ${topologyKind(topology.data.class_name)}; supported: a Sequential model of ${TFJS_SUPPORTED_LAYERS.join(', ')} layers`,
    );
  }
  return Array.isArray(topology.data.config) ? topology.data.config : topology.data.config.layers;
}

/** The Dense layers (after an optional InputLayer), and the input width if the model states it. */
function denseLayers(topoLayers: z.infer<typeof layerSchema>[], file: string) {
  let inputs: number | undefined;
  const dense: DenseSpec[] = [];
  topoLayers.forEach((layer, i) => {
    const name = typeof layer.config.name === 'string' ? layer.config.name : `(unnamed)`;
    const where = `layer ${i + 1} '${name}'`;
    if (layer.class_name === 'InputLayer' && i === 0) {
      inputs = inputWidth(layer.config.batch_input_shape ?? layer.config.batch_shape, where, file);
      return;
    }
    if (!(TFJS_SUPPORTED_LAYERS as readonly string[]).includes(layer.class_name)) {
      throw new InputError(
        `${file}: ${where}: ${layer.class_name} is not supported; supported: ${TFJS_SUPPORTED_LAYERS.join(', ')}`,
      );
    }
    const cfg = denseConfigSchema.safeParse(layer.config);
    if (!cfg.success) {
      const issue = cfg.error.issues[0];
      throw new InputError(`${file}: ${where}: config${jsonPath('', issue.path)}: ${issue.message}`);
    }
    const activation = cfg.data.activation ?? 'linear';
    if (!(ACTIVATION_NAMES as readonly string[]).includes(activation)) {
      throw new InputError(
        `${file}: ${where}: activation '${activation}' is not supported; supported: ${ACTIVATION_NAMES.join(', ')}`,
      );
    }
    if (dense.length === 0) {
      const w = inputWidth(layer.config.batch_input_shape ?? layer.config.batch_shape, where, file);
      if (w !== undefined) inputs = w;
    }
    dense.push({
      name,
      units: cfg.data.units,
      activation: activation as ActivationName,
      useBias: cfg.data.use_bias ?? true,
      trainable: layer.config.trainable !== false,
      index: i + 1,
    });
  });
  if (dense.length === 0) throw new InputError(`${file}: the model has no Dense layers, expected at least one`);
  return { inputs, dense };
}

/** The byte size of each weight of a manifest group (an unknown dtype is an error). */
function weightSizes(group: TfjsJson['weightsManifest'][number], file: string): number[] {
  return group.weights.map((spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization as { dtype?: string } | null | undefined;
    const dtype = q ? q.dtype : (spec.dtype ?? 'float32');
    const width = dtype === undefined ? undefined : BYTES_PER_ELEMENT[dtype];
    if (width === undefined) {
      throw new InputError(`${file}: weight '${spec.name}' has dtype ${dtype ?? '(none)'}; supported: float32`);
    }
    return count * width;
  });
}

/** A manifest group's files, read and concatenated, checked against the size the group needs. */
function groupBytes(
  group: TfjsJson['weightsManifest'][number],
  g: number,
  needed: number,
  file: string,
  readWeights: (path: string) => Uint8Array,
): Uint8Array {
  const parts = group.paths.map((p) => {
    if (!staysBeside(p)) {
      throw new InputError(
        `${file}: weightsManifest[${g}] names '${p}', which leaves the model's directory; weights files must be beside model.json`,
      );
    }
    const path = siblingPath(file, p);
    try {
      return readWeights(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new InputError(`${path}: no such file (weightsManifest[${g}] of ${file} names it)`);
      }
      throw new InputError(`${path}: cannot be read (${(err as Error).message})`);
    }
  });
  const have = parts.reduce((n, p) => n + p.byteLength, 0);
  if (have !== needed) {
    const names = group.paths.map((p) => siblingPath(file, p));
    throw new InputError(
      names.length === 1
        ? `${file}: weights file ${names[0]} has ${have} bytes, the manifest needs ${needed}`
        : `${file}: weights files ${names.join(', ')} have ${have} bytes together, the manifest needs ${needed}`,
    );
  }
  const bytes = new Uint8Array(have);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return bytes;
}

/**
 * Every weight of the manifest by name: the groups' files concatenated, their weights laid out
 * one after the other. Other weights (a TF.js optimizer's state, saved with includeOptimizer) are
 * read past too; only the ones a layer asks for must be float32.
 */
function weightValues(json: TfjsJson, file: string, readWeights: (path: string) => Uint8Array) {
  const values = new Map<string, WeightValue>();
  json.weightsManifest.forEach((group, g) => {
    const sizes = weightSizes(group, file);
    const bytes = groupBytes(
      group,
      g,
      sizes.reduce((a, b) => a + b, 0),
      file,
      readWeights,
    );
    let offset = 0;
    group.weights.forEach((spec, i) => {
      const name = spec.name.replace(/:0$/, '');
      if (spec.quantization !== undefined && spec.quantization !== null) {
        values.set(name, { shape: spec.shape, problem: 'is quantized; supported: float32 weights' });
      } else if ((spec.dtype ?? 'float32') !== 'float32') {
        values.set(name, { shape: spec.shape, problem: `has dtype ${spec.dtype}; supported: float32` });
      } else {
        values.set(name, { shape: spec.shape, data: float32s(bytes, offset, sizes[i] / 4) });
      }
      offset += sizes[i];
    });
  });
  return values;
}

/** The weight `<layer>/<kind>` (or one whose name ends so), checked to be float32. */
function weightOf(values: Map<string, WeightValue>, layer: string, kind: string, file: string) {
  let found: [string, WeightValue] | undefined;
  const exact = values.get(`${layer}/${kind}`);
  if (exact) found = [`${layer}/${kind}`, exact];
  else for (const [name, v] of values) if (name.endsWith(`/${layer}/${kind}`)) found ??= [name, v];
  if (found?.[1].problem) throw new InputError(`${file}: weight '${found[0]}' ${found[1].problem}`);
  return found ? { shape: found[1].shape, data: found[1].data as number[] } : undefined;
}

/** Each Dense layer's kernel and bias as the model file holds them, shapes checked. */
function layerWeights(dense: DenseSpec[], inputs: number | undefined, values: Map<string, WeightValue>, file: string) {
  let fanIn = inputs;
  return dense.map((l) => {
    const where = `layer ${l.index} '${l.name}'`;
    const kernel = weightOf(values, l.name, 'kernel', file);
    if (!kernel) throw new InputError(`${file}: ${where}: no weight '${l.name}/kernel' in the weightsManifest`);
    const rows = kernel.shape[0];
    if (kernel.shape.length !== 2 || kernel.shape[1] !== l.units || (fanIn !== undefined && rows !== fanIn)) {
      throw new InputError(
        `${file}: ${where}: kernel shape is [${kernel.shape.join(', ')}], expected [${fanIn ?? 'inputs'}, ${l.units}]`,
      );
    }
    let bias: number[];
    if (l.useBias) {
      const b = weightOf(values, l.name, 'bias', file);
      if (!b) throw new InputError(`${file}: ${where}: no weight '${l.name}/bias' in the weightsManifest`);
      if (b.shape.length !== 1 || b.shape[0] !== l.units) {
        throw new InputError(`${file}: ${where}: bias shape is [${b.shape.join(', ')}], expected [${l.units}]`);
      }
      bias = b.data;
    } else {
      // use_bias false is the same network with a zero bias.
      bias = new Array<number>(l.units).fill(0);
    }
    const k: number[][] = [];
    for (let r = 0; r < rows; r++) k.push(kernel.data.slice(r * l.units, (r + 1) * l.units));
    fanIn = l.units;
    return { activation: l.activation, kernel: k, bias };
  });
}

type LayerWeights = ReturnType<typeof layerWeights>[number];

/**
 * The statistics of a frozen first layer that is a standardisation step: linear, a square
 * kernel diag(k) with every k_p > 0, bias b, i.e. (x − μ)/σ with σ = 1/k and μ = −b/k. When
 * backprop's metadata holds float64 statistics that round to exactly these weights, those are
 * returned (export wrote them), so that export → import gives back the model's own μ and σ.
 */
function stepStatistics(
  spec: DenseSpec,
  w: LayerWeights,
  saved: Standardization | undefined,
  file: string,
): Standardization {
  const n = w.kernel.length;
  const where = `${file}: layer ${spec.index} '${spec.name}'`;
  const diagonal = w.kernel.every((row, p) => row.every((v, j) => (p === j ? v > 0 && Number.isFinite(v) : v === 0)));
  if (spec.activation !== 'linear' || spec.units !== n || !diagonal || !w.bias.every(Number.isFinite)) {
    throw new InputError(
      `${where}: a frozen (trainable: false) Dense layer is supported only as a standardisation step: linear, its kernel square and diagonal with positive entries`,
    );
  }
  const k = w.kernel.map((row, p) => row[p]);
  const matches =
    saved !== undefined &&
    saved.mean.length === n &&
    saved.std.length === n &&
    k.every(
      (kp, p) => Math.fround(1 / saved.std[p]) === kp && Math.fround(-saved.mean[p] / saved.std[p]) === w.bias[p],
    );
  if (matches) return { mean: [...saved.mean], std: [...saved.std] };
  return { std: k.map((kp) => 1 / kp), mean: w.bias.map((b, p) => -b / k[p]) };
}

/**
 * Splits off a frozen first layer as the standardisation; any other frozen layer is refused
 * (backprop trains every layer, so training it would silently change what the file means).
 */
function splitStandardization(
  dense: DenseSpec[],
  weights: LayerWeights[],
  saved: Standardization | undefined,
  file: string,
): { standardization?: Standardization; layers: LayerWeights[]; step?: DenseSpec } {
  dense.forEach((spec, i) => {
    if (!spec.trainable && i > 0) {
      throw new InputError(
        `${file}: layer ${spec.index} '${spec.name}': a frozen (trainable: false) Dense layer is supported only first, as a standardisation step`,
      );
    }
  });
  if (dense[0].trainable) {
    if (saved) {
      throw new InputError(
        `${file}: userDefinedMetadata.backprop.standardization is given but the first layer is not a frozen standardisation step`,
      );
    }
    return { layers: weights };
  }
  if (dense.length === 1) {
    throw new InputError(`${file}: the model has no Dense layers besides its frozen standardisation step`);
  }
  return {
    standardization: stepStatistics(dense[0], weights[0], saved, file),
    layers: weights.slice(1),
    step: dense[0],
  };
}

/** backprop's own metadata (features, labels, loss, …), if the export wrote it. */
function importedMetadata(json: TfjsJson, file: string): z.infer<typeof metadataSchema> {
  const udm = json.userDefinedMetadata?.backprop;
  let meta: z.infer<typeof metadataSchema> = {};
  if (udm !== undefined) {
    const m = metadataSchema.safeParse(udm);
    if (!m.success) {
      const issue = m.error.issues[0];
      throw new InputError(`${file}: ${jsonPath('userDefinedMetadata.backprop', issue.path)}: ${issue.message}`);
    }
    meta = m.data;
  }
  return meta;
}

/**
 * A model from a parsed TF.js `model.json` and a reader of its weights files. The feature names,
 * labels and loss come from the metadata backprop's export writes; without it: x1, x2, … and the
 * loss implied by the training config or the last activation.
 * @param value the parsed `model.json`
 * @param file the manifest's name in messages
 * @param readWeights the bytes of a path named in the manifest (relative to the manifest)
 * @example
 * const { modelJson, weights } = toTfjsLayers(model);
 * const back = fromTfjsLayers(modelJson, 'model.json', () => weights);
 */
export function fromTfjsLayers(value: unknown, file: string, readWeights: (path: string) => Uint8Array): Model {
  const json = checkedManifest(value, file);
  const topoLayers = sequentialLayers(json, file);
  const { inputs, dense } = denseLayers(topoLayers, file);
  const all = layerWeights(dense, inputs, weightValues(json, file, readWeights), file);
  // The model file's other fields: from our metadata, else defaults from the network.
  const meta = importedMetadata(json, file);
  const { standardization, layers, step } = splitStandardization(dense, all, meta.standardization, file);
  // The frozen step carries no penalty of backprop's; the trained layers' regularisers must agree.
  const l2 = regularizerL2(topoLayers, file, step?.index);
  if (l2 !== undefined) meta.training = { ...meta.training, l2 };
  const last = dense[dense.length - 1].activation;
  const loss = meta.loss ?? { name: trainingLoss(json) ?? lossForOutputActivation(last) };
  return fromModelFile(
    {
      format: MODEL_FORMAT,
      version: 1,
      ...(meta.features ? { features: meta.features } : {}),
      ...(meta.target !== undefined ? { target: meta.target } : {}),
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(standardization ? { standardization } : {}),
      loss,
      layers,
      ...(meta.training ? { training: meta.training } : {}),
      ...(meta.metrics ? { metrics: meta.metrics } : {}),
    },
    file,
  );
}
