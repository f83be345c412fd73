/**
 * ADAPTER — to be replaced by the library at merge. The library writes and reads the CLI's model
 * file with `serializeModel` and `parseModel` (src/io/model-file.ts), but that module imports
 * Node's fs (through atomic-write.ts and csv.ts), so it cannot be bundled for the browser. These
 * stand-ins write the same text and check the same things the page relies on, in the same words;
 * test/web/model-file.test.ts holds them to the library's functions.
 */

import { type Network, networkFromWeights, toRows } from '../library.js';
import type { LabelMapping } from './csv-text.js';
import { InputError } from './csv-text.js';

export const MODEL_FORMAT = 'backprop-model';
export const MODEL_VERSION = 1;

/** A network with what it needs to read CSV rows and name its outputs (the library's `Model`). */
export interface Model {
  network: Network;
  features: string[];
  target?: string;
  labels: LabelMapping;
  standardization?: { mean: number[]; std: number[] };
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}

/** The model file's text: indented JSON with each innermost array of numbers on one line. */
export function serializeModel(model: Model): string {
  const net = model.network;
  const json = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
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
    ...(model.training ? { training: model.training } : {}),
    ...(model.metrics ? { metrics: model.metrics } : {}),
  };
  const text = JSON.stringify(json, null, 2);
  return `${text.replace(/\[\s*(-?[\d.eE+-]+(?:,\s*-?[\d.eE+-]+)*)\s*\]/g, (_, inner: string) => `[${inner.replace(/\s+/g, ' ')}]`)}\n`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((e) => typeof e === 'number');

/**
 * Reads model-file text into a model. Checks what the page needs (format, version, layer shapes,
 * names, labels) with the library's messages; the library's schema checks more (e.g. unknown keys).
 */
export function parseModel(text: string, file: string): Model {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message.replace(/\s+/g, ' ');
    const at = /at position (\d+)/.exec(message);
    let where = '';
    if (at) {
      const before = text.slice(0, Number(at[1])).split('\n');
      where = ` line ${before.length} column ${before[before.length - 1].length + 1}`;
    }
    throw new InputError(`${file}${where}: not valid JSON (${message}), expected a backprop model file`);
  }
  if (!isObject(value)) {
    throw new InputError(
      `${file}: expected a JSON object (a backprop model file), got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  if (value.format !== MODEL_FORMAT) {
    throw new InputError(`${file}: format is ${JSON.stringify(value.format) ?? 'missing'}, expected "${MODEL_FORMAT}"`);
  }
  if (value.version !== MODEL_VERSION) {
    throw new InputError(
      `${file}: version is ${JSON.stringify(value.version) ?? 'missing'}, expected ${MODEL_VERSION} (the version this backprop reads)`,
    );
  }
  const layers = value.layers;
  if (!Array.isArray(layers) || layers.length === 0 || !layers.every(isObject)) {
    throw new InputError(`${file}: layers: expected a non-empty array of layers`);
  }
  layers.forEach((l, i) => {
    if (!Array.isArray(l.kernel) || l.kernel.length === 0 || !l.kernel.every(isNumbers) || !isNumbers(l.bias)) {
      throw new InputError(`${file}: layers[${i}]: expected kernel (arrays of numbers), bias (numbers) and activation`);
    }
  });
  const loss = isObject(value.loss) ? value.loss : undefined;
  if (typeof loss?.name !== 'string') throw new InputError(`${file}: loss: expected an object with a name`);
  const inputSize = (layers[0].kernel as number[][]).length;
  const units = (layers[layers.length - 1].bias as number[]).length;
  const features = Array.isArray(value.features)
    ? (value.features as string[])
    : Array.from({ length: inputSize }, (_, i) => `x${i + 1}`);
  if (features.length !== inputSize) {
    throw new InputError(
      `${file}: features lists ${features.length} names but layer 1's kernel has ${inputSize} rows, expected one name per input`,
    );
  }
  const labels = (
    isObject(value.labels)
      ? value.labels
      : units === 1
        ? { kind: 'binary', classes: ['0', '1'] }
        : { kind: 'multiclass', classes: Array.from({ length: units }, (_, i) => String(i)) }
  ) as LabelMapping | { kind: 'regression' };
  if (labels.kind === 'regression')
    throw new InputError(`${file}: a regression model: the playground shows classifiers only`);
  let network: Network;
  try {
    network = networkFromWeights(
      {
        inputSize,
        layers: layers.map((l) => ({ units: (l.bias as number[]).length, activation: l.activation as never })),
        loss: { name: loss.name as never, ...(typeof loss.epsilon === 'number' ? { epsilon: loss.epsilon } : {}) },
      },
      layers.map((l) => ({ kernel: l.kernel as number[][], bias: l.bias as number[] })),
    );
  } catch (err) {
    throw new InputError(`${file}: ${(err as Error).message}`);
  }
  const st = value.standardization;
  return {
    network,
    features: [...features],
    ...(typeof value.target === 'string' ? { target: value.target } : {}),
    labels,
    ...(isObject(st) && isNumbers(st.mean) && isNumbers(st.std)
      ? { standardization: { mean: st.mean, std: st.std } }
      : {}),
    ...(isObject(value.training) ? { training: value.training } : {}),
    ...(isObject(value.metrics) ? { metrics: value.metrics } : {}),
  };
}
