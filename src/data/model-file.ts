import { z } from 'zod';
import { BackpropError } from '../core/errors.js';
import { toRows } from '../core/matrix.js';
import { ACTIVATION_NAMES, type ActivationName } from '../nn/activations.js';
import { LOSS_NAMES, type LossConfig } from '../nn/losses.js';
import { type Network, networkFromWeights, parameterArrays } from '../nn/network.js';
import { OPTIMIZER_NAMES, type OptimizerName, type OptimizerState, optimizerSlots } from '../nn/optimizers.js';
import { InputError } from './input-error.js';
import { defaultLabels, type LabelMapping, labelsFitLoss, outputUnits } from './labels.js';
import { parseJsonData } from './safe-text.js';
import type { Standardization } from './standardize.js';

export const MODEL_FORMAT = 'backprop-model';
/**
 * The newest version this backprop reads and writes. A file is written as version 1 (the
 * original layout) unless it holds a field version 2 added: `optimizerState`,
 * `targetStandardization` or `threshold`; both versions load.
 */
export const MODEL_VERSION = 2;
/** The versions {@link fromModelFile} reads. */
export const MODEL_VERSIONS: readonly number[] = [1, 2];

/**
 * The optimiser's state at the end of a run, to resume it exactly (version 2): the kind, the
 * step count and slot arrays of {@link OptimizerState}, the seed of the shuffling stream and the
 * epochs run on it (so a resumed run shuffles epoch `epochs + 1` as the uninterrupted run would).
 */
export interface SavedOptimizerState extends OptimizerState {
  /** The layout of this object; 1 is the only one so far. */
  version: 1;
  name: OptimizerName;
  /** Epochs run so far, over every resumption. */
  epochs: number;
  /** The seed of the shuffling stream. */
  seed: number;
}

/** y ↦ (y − mean) / std: a regression target as the network was trained on it (version 2). */
export interface TargetStandardization {
  mean: number;
  std: number;
}
/** How a model was trained (informational, except `optimizer.learningRate`, explain's default η). */
export interface TrainingSettings {
  optimizer?: {
    name: string;
    learningRate: number;
    momentum?: number;
    beta1?: number;
    beta2?: number;
    epsilon?: number;
  };
  batchSize?: number;
  epochs?: number;
  epochsRun?: number;
  stopReason?: string;
  /** The last epoch run was cut short by an interruption after `batches` of its `of` batches. */
  partialEpoch?: { batches: number; of: number };
  seed?: number;
  shuffle?: boolean;
  testSplit?: number;
  validationSplit?: number;
  patience?: number;
  l2?: number;
  standardize?: boolean;
  /** false when a regression target was used as it is (`--no-standardize-target`). */
  standardizeTarget?: boolean;
  /** Keras's `class_weight`: `'balanced'` or a weight per class name. */
  classWeight?: 'balanced' | Record<string, number>;
  initializedFrom?: 'seed' | 'file';
  /** `'float32'` when trained in float32 (`--dtype float32`); absent: float64. */
  dtype?: 'float32';
  trainRows?: number;
  validationRows?: number;
  testRows?: number;
}

/** A network with what it needs to read CSV rows and name its outputs. */
export interface Model {
  network: Network;
  /** The CSV columns the network's inputs come from, in input order. */
  features: string[];
  /** The CSV column it was trained to predict, if known. */
  target?: string;
  labels: LabelMapping;
  /** Applied to raw feature values before the network, when present. */
  standardization?: Standardization;
  training?: TrainingSettings;
  /** Metrics measured at training time (e.g. on the test split). */
  metrics?: Record<string, unknown>;
  /** The optimiser's state at the end of training, for `train --init` to resume from. */
  optimizerState?: SavedOptimizerState;
  /**
   * Regression: the network predicts (y − mean) / std; predictions, metrics and exports undo it
   * (ŷ·std + mean).
   */
  targetStandardization?: TargetStandardization;
  /** Binary: the probability of the positive class from which a row is labelled positive (default 0.5). */
  threshold?: number;
}

const num = z.number();
const labelsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('binary'), classes: z.tuple([z.string(), z.string()]) }).strict(),
  z.object({ kind: z.literal('multiclass'), classes: z.array(z.string()).min(2) }).strict(),
  z.object({ kind: z.literal('regression') }).strict(),
]);
const layerSchema = z
  .object({
    activation: z.enum(ACTIVATION_NAMES as [ActivationName, ...ActivationName[]]),
    kernel: z.array(z.array(num)).min(1),
    bias: z.array(num).min(1),
  })
  .strict();

const slotsSchema = z.array(z.array(num));
const optimizerStateSchema = z
  .object({
    version: z.literal(1),
    name: z.enum(OPTIMIZER_NAMES as [OptimizerName, ...OptimizerName[]]),
    iterations: z.number().int().min(0),
    epochs: z.number().int().min(0),
    seed: z.number().int(),
    slots1: slotsSchema.optional(),
    slots2: slotsSchema.optional(),
  })
  .strict();

/** The JSON schema of a model file (version 1 or 2), checked on load. */
export const modelFileSchema = z
  .object({
    format: z.literal(MODEL_FORMAT),
    version: z.union([z.literal(1), z.literal(2)]),
    features: z.array(z.string().min(1)).min(1).optional(),
    target: z.string().optional(),
    labels: labelsSchema.optional(),
    standardization: z
      .object({ mean: z.array(num), std: z.array(num.positive()) })
      .strict()
      .optional(),
    loss: z
      .object({ name: z.enum(LOSS_NAMES as [string, ...string[]]), epsilon: num.min(0).max(0.5).optional() })
      .strict(),
    layers: z.array(layerSchema).min(1),
    training: z.record(z.string(), z.unknown()).optional(),
    metrics: z.record(z.string(), z.unknown()).optional(),
    optimizerState: optimizerStateSchema.optional(),
    targetStandardization: z.object({ mean: num, std: num.positive() }).strict().optional(),
    threshold: num.gt(0).lt(1).optional(),
  })
  .strict();

/** The fields version 2 added, which a version-1 file may not hold. */
const VERSION_2_FIELDS = ['optimizerState', 'targetStandardization', 'threshold'] as const;

export type ModelFile = z.infer<typeof modelFileSchema>;

/** `layers[0].kernel[2]` from zod's path array. */
function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** The value checked against the schema, format and version first. */
function checkedFile(value: unknown, file: string): ModelFile {
  // Format and version first: a file of another kind should be told so, not listed field by field.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(
      `${file}: expected a JSON object (a backprop model file), got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  const head = value as Record<string, unknown>;
  if (head.format !== MODEL_FORMAT) {
    throw new InputError(`${file}: format is ${JSON.stringify(head.format) ?? 'missing'}, expected "${MODEL_FORMAT}"`);
  }
  if (!MODEL_VERSIONS.includes(head.version as number)) {
    throw new InputError(
      `${file}: version is ${JSON.stringify(head.version) ?? 'missing'}, expected ${MODEL_VERSIONS.join(' or ')} (the versions this backprop reads)`,
    );
  }
  const late = VERSION_2_FIELDS.find((k) => head.version === 1 && k in head);
  if (late) throw new InputError(`${file}: ${late} needs version 2, but the file says version 1`);
  const parsed = modelFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${file}: ${jsonPath(issue.path)}: ${issue.message}`);
  }
  return parsed.data;
}

/** The layers' shapes, in the words of a person reading the file; returns the output units. */
function checkShapes(m: ModelFile, file: string): number {
  let fanIn = m.layers[0].kernel.length;
  m.layers.forEach((layer, i) => {
    const rows = layer.kernel.length;
    const cols = layer.kernel[0].length;
    const ragged = layer.kernel.findIndex((r) => r.length !== cols);
    if (ragged >= 0) {
      throw new InputError(
        `${file}: layer ${i + 1}: kernel row ${ragged + 1} has ${layer.kernel[ragged].length} values, row 1 has ${cols}`,
      );
    }
    if (cols !== layer.bias.length) {
      throw new InputError(
        `${file}: layer ${i + 1}: kernel is ${rows}×${cols} but bias has ${layer.bias.length} values, expected ${cols}`,
      );
    }
    if (rows !== fanIn) {
      throw new InputError(
        `${file}: layer ${i + 1}: kernel is ${rows}×${cols} but layer ${i} has ${fanIn} units, expected ${fanIn} rows`,
      );
    }
    fanIn = cols;
  });
  return fanIn;
}

/** The features, standardisation and labels, checked against the network's inputs and outputs. */
function checkFields(m: ModelFile, units: number, file: string) {
  const inputSize = m.layers[0].kernel.length;
  const features = m.features ?? Array.from({ length: inputSize }, (_, i) => `x${i + 1}`);
  if (features.length !== inputSize) {
    throw new InputError(
      `${file}: features lists ${features.length} names but layer 1's kernel has ${inputSize} rows, expected one name per input`,
    );
  }
  const dup = features.findIndex((f, i) => features.indexOf(f) !== i);
  if (dup >= 0) throw new InputError(`${file}: features[${dup}]: '${features[dup]}' appears twice`);
  const st = m.standardization;
  if (st && (st.mean.length !== inputSize || st.std.length !== inputSize)) {
    throw new InputError(
      `${file}: standardization has ${st.mean.length} means and ${st.std.length} stds, expected ${inputSize} each (one per feature)`,
    );
  }
  const labels: LabelMapping = m.labels ?? defaultLabels(m.loss.name, units);
  if (labels.kind !== 'regression' && outputUnits(labels) !== units) {
    throw new InputError(
      `${file}: labels has ${labels.classes.length} classes but the last layer has ${units} units, expected ${outputUnits(labels)}`,
    );
  }
  if (!labelsFitLoss(labels, m.loss.name)) {
    throw new InputError(
      `${file}: labels.kind is '${labels.kind}' but loss is '${m.loss.name}', expected ${labels.kind === 'regression' ? 'mean_squared_error' : 'a cross-entropy'}`,
    );
  }
  return { features, st, labels };
}

/**
 * The model a model file's JSON value holds, checked against the schema (zod) and the shapes;
 * errors name the file and the field.
 * @param value the parsed JSON of a model file
 * @param file the file's name in error messages
 * @example
 * const model = fromModelFile(await (await fetch('model.json')).json(), 'model.json');
 */
export function fromModelFile(value: unknown, file = 'the model file'): Model {
  const m = checkedFile(value, file);
  const units = checkShapes(m, file);
  const inputSize = m.layers[0].kernel.length;
  const { features, st, labels } = checkFields(m, units, file);
  let network: Network;
  try {
    network = networkFromWeights(
      {
        inputSize,
        layers: m.layers.map((l) => ({ units: l.bias.length, activation: l.activation })),
        loss: m.loss as LossConfig,
      },
      m.layers.map((l) => ({ kernel: l.kernel, bias: l.bias })),
    );
  } catch (err) {
    if (err instanceof BackpropError) throw new InputError(`${file}: ${err.message}`);
    throw err;
  }
  checkVersion2Fields(m, network, labels, file);
  return {
    network,
    features: [...features],
    ...(m.target !== undefined ? { target: m.target } : {}),
    labels,
    ...(st ? { standardization: { mean: [...st.mean], std: [...st.std] } } : {}),
    ...(m.training ? { training: m.training as TrainingSettings } : {}),
    ...(m.metrics ? { metrics: m.metrics } : {}),
    ...(m.optimizerState ? { optimizerState: m.optimizerState as SavedOptimizerState } : {}),
    ...(m.targetStandardization ? { targetStandardization: { ...m.targetStandardization } } : {}),
    ...(m.threshold !== undefined ? { threshold: m.threshold } : {}),
  };
}

/** The optimiser state's slots against the network's parameters; the threshold and target scaling against the labels. */
function checkVersion2Fields(m: ModelFile, network: Network, labels: LabelMapping, file: string): void {
  if (m.threshold !== undefined && labels.kind !== 'binary') {
    throw new InputError(`${file}: threshold is for binary models, but labels.kind is '${labels.kind}'`);
  }
  if (m.targetStandardization && labels.kind !== 'regression') {
    throw new InputError(`${file}: targetStandardization is for regression, but labels.kind is '${labels.kind}'`);
  }
  const state = m.optimizerState;
  if (!state) return;
  const sizes = parameterArrays(network).map((p) => p.length);
  const want = optimizerSlots(state.name);
  (['slots1', 'slots2'] as const).forEach((key, i) => {
    const slots = state[key];
    if (slots === undefined) {
      if (i < want && state.iterations > 0)
        throw new InputError(`${file}: optimizerState.${key}: missing, ${state.name} keeps it`);
      return;
    }
    if (i >= want) throw new InputError(`${file}: optimizerState.${key}: ${state.name} keeps no such state`);
    if (slots.length !== sizes.length || slots.some((a, p) => a.length !== sizes[p])) {
      throw new InputError(
        `${file}: optimizerState.${key}: arrays of ${slots.map((a) => a.length).join(', ')} values, expected ${sizes.join(', ')} (one per kernel and bias)`,
      );
    }
  });
}

/**
 * Parses model-file text; errors name the file (and the line and column of a JSON error).
 * @param text the file's contents
 * @param file the file's name in error messages
 * @example
 * const model = parseModel(text, 'model.json');
 */
export function parseModel(text: string, file: string): Model {
  let value: unknown;
  try {
    value = parseJsonData(text, file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const message = (err as Error).message.replace(/\s+/g, ' ');
    const at = /at position (\d+)/.exec(message);
    let where = '';
    if (at) {
      const before = text.slice(0, Number(at[1])).split('\n');
      where = ` line ${before.length} column ${before[before.length - 1].length + 1}`;
    }
    throw new InputError(`${file}${where}: not valid JSON (${message}), expected a backprop model file`);
  }
  return fromModelFile(value, file);
}

/**
 * The model as the plain JSON value its file holds (key order fixed, so output is stable).
 * @param model the model
 * @example
 * const value = toModelFile(model); // JSON.stringify it, or keep it in IndexedDB
 */
export function toModelFile(model: Model): ModelFile {
  const net = model.network;
  const v2 =
    model.optimizerState !== undefined || model.targetStandardization !== undefined || model.threshold !== undefined;
  return {
    format: MODEL_FORMAT,
    version: v2 ? 2 : 1,
    features: [...model.features],
    ...(model.target !== undefined ? { target: model.target } : {}),
    labels: model.labels,
    ...(model.standardization ? { standardization: model.standardization } : {}),
    loss: { ...net.loss.config },
    layers: net.layers.map((l) => ({
      activation: l.activation.name,
      kernel: toRows(l.kernel),
      bias: Array.from(l.bias),
    })),
    ...(model.training ? { training: model.training as Record<string, unknown> } : {}),
    ...(model.metrics ? { metrics: model.metrics } : {}),
    ...(model.targetStandardization ? { targetStandardization: model.targetStandardization } : {}),
    ...(model.threshold !== undefined ? { threshold: model.threshold } : {}),
    ...(model.optimizerState ? { optimizerState: model.optimizerState } : {}),
  } as ModelFile;
}

/**
 * The text of a model file: indented JSON, each innermost array of numbers on one line.
 * @param model the model
 * @example
 * const text = serializeModel(model); // what `backprop train` writes
 */
export function serializeModel(model: Model): string {
  const text = JSON.stringify(toModelFile(model), null, 2);
  return `${text.replace(/\[\s*(-?[\d.eE+-]+(?:,\s*-?[\d.eE+-]+)*)\s*\]/g, (_, inner: string) => `[${inner.replace(/\s+/g, ' ')}]`)}\n`;
}
