/**
 * Labels, output units, output activation and loss: the one place that says which goes with
 * which. Two classes are one sigmoid unit with binary cross-entropy, three or more are a softmax
 * over one unit per class with categorical cross-entropy, numbers are linear units with mean
 * squared error. Training, model files, `init` and TF.js import all ask here.
 */
import type { ActivationName } from '../nn/activations.js';
import type { LossName } from '../nn/losses.js';
import { InputError } from './input-error.js';

/**
 * How the target column becomes the network's targets.
 * - binary: one 0/1 output; `classes[1]` is the positive class (1), `classes[0]` is 0.
 * - multiclass: one-hot over `classes`, output unit k ↔ `classes[k]`.
 * - regression: the column's numbers as they are.
 */
export type LabelMapping =
  | { kind: 'binary'; classes: [string, string] }
  | { kind: 'multiclass'; classes: string[] }
  | { kind: 'regression' };

/** A plain decimal number: what a person means by "a number" in a CSV cell (no hex, no "Infinity"). */
export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** More distinct values than this in a target column is not a classification. */
const MAX_CLASSES = 100;
/** A numeric column with more distinct values than this is more likely a quantity than classes. */
const MAX_NUMERIC_CLASSES = 20;

/**
 * A label as the model stores it. Numeric labels are compared by value: "1", "1.0" and "1e0" are the same class.
 * @param s the cell's text
 * @example
 * canonicalLabel(' 1.0 '); // '1'
 */
export function canonicalLabel(s: string): string {
  const t = s.trim();
  return DECIMAL.test(t) ? String(Number(t)) : t;
}

/**
 * The label mapping of the distinct (canonical) labels of a target column: two classes → binary,
 * three or more → multiclass; classes sorted (numerically when all are numbers), so 0 ↦ 0 and 1 ↦ 1.
 * @param seen the distinct labels, in any order
 * @param file the file's name in messages
 * @param target the column's name in messages
 * @example
 * labelsFromValues(['yes', 'no'], 'data.csv', 'answer'); // { kind: 'binary', classes: ['no', 'yes'] }
 */
export function labelsFromValues(seen: Iterable<string>, file: string, target: string): LabelMapping {
  const labels = [...seen];
  const numeric = labels.every((l) => DECIMAL.test(l));
  labels.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (labels.length < 2) {
    throw new InputError(
      `${file}, column ${target}: every row has the label '${labels[0]}', expected at least two classes to classify`,
    );
  }
  if (labels.length > MAX_CLASSES || (numeric && labels.length > MAX_NUMERIC_CLASSES)) {
    throw new InputError(
      `${file}, column ${target}: ${labels.length} distinct values, too many classes; for regression use --loss mse`,
    );
  }
  if (labels.length === 2) return { kind: 'binary', classes: [labels[0], labels[1]] };
  return { kind: 'multiclass', classes: labels };
}

/**
 * The mapping for one-hot targets: two classes as two softmax units (categorical cross-entropy,
 * as Keras allows) instead of one sigmoid unit; other mappings as they are.
 * @param labels the mapping
 * @example
 * oneHotLabels({ kind: 'binary', classes: ['no', 'yes'] }); // { kind: 'multiclass', classes: ['no', 'yes'] }
 */
export function oneHotLabels(labels: LabelMapping): LabelMapping {
  return labels.kind === 'binary' ? { kind: 'multiclass', classes: [...labels.classes] } : labels;
}

/**
 * Number of output units a label mapping needs.
 * @param labels the mapping
 * @example
 * outputUnits({ kind: 'multiclass', classes: ['a', 'b', 'c'] }); // 3
 */
export function outputUnits(labels: LabelMapping): number {
  return labels.kind === 'multiclass' ? labels.classes.length : 1;
}

/**
 * The loss that trains a network for these labels.
 * @param labels the mapping
 * @example
 * lossForLabels({ kind: 'regression' }); // 'mean_squared_error'
 */
export function lossForLabels(labels: LabelMapping): LossName {
  if (labels.kind === 'binary') return 'binary_crossentropy';
  if (labels.kind === 'multiclass') return 'categorical_crossentropy';
  return 'mean_squared_error';
}

/**
 * The loss of a network of `units` outputs when none is named: one output is binary, more are classes.
 * @param units output units
 * @example
 * defaultLoss(1); // 'binary_crossentropy'
 */
export function defaultLoss(units: number): LossName {
  return units === 1 ? 'binary_crossentropy' : 'categorical_crossentropy';
}

/**
 * The output activation that goes with a loss and a number of output units: linear for mean
 * squared error, a sigmoid for one output, a softmax over more.
 * @param loss the loss
 * @param units output units
 * @example
 * defaultOutputActivation('categorical_crossentropy', 3); // 'softmax'
 */
export function defaultOutputActivation(loss: LossName, units: number): ActivationName {
  if (loss === 'mean_squared_error') return 'linear';
  return units === 1 ? 'sigmoid' : 'softmax';
}

/**
 * The loss a network implies by its last activation when nothing else says (a foreign model).
 * @param activation the output activation
 * @example
 * lossForOutputActivation('softmax'); // 'categorical_crossentropy'
 */
export function lossForOutputActivation(activation: ActivationName): LossName {
  if (activation === 'softmax') return 'categorical_crossentropy';
  if (activation === 'sigmoid') return 'binary_crossentropy';
  return 'mean_squared_error';
}

/**
 * The label mapping of a network without one: numbers for mean squared error, else 0/1 for one
 * output or the class indices, or the `classes` given.
 * @param loss the network's loss
 * @param units its output units
 * @param classes class names, two for one output, one per unit otherwise
 * @example
 * defaultLabels('binary_crossentropy', 1); // { kind: 'binary', classes: ['0', '1'] }
 */
export function defaultLabels(loss: string, units: number, classes?: readonly string[]): LabelMapping {
  if (loss === 'mean_squared_error') return { kind: 'regression' };
  const names = classes ?? (units === 1 ? ['0', '1'] : Array.from({ length: units }, (_, i) => String(i)));
  if (units === 1) return { kind: 'binary', classes: [names[0], names[1]] };
  return { kind: 'multiclass', classes: [...names] };
}

/**
 * Whether a loss suits the labels: regression exactly when the loss is mean squared error.
 * @param labels the mapping
 * @param loss the loss
 * @example
 * labelsFitLoss({ kind: 'regression' }, 'binary_crossentropy'); // false
 */
export function labelsFitLoss(labels: LabelMapping, loss: string): boolean {
  return (labels.kind === 'regression') === (loss === 'mean_squared_error');
}

/**
 * The target row a label means under a mapping: its number, its 0/1, or its one-hot row.
 * @param label the label as a person writes it
 * @param labels the mapping
 * @param flag how the label was given, for messages (e.g. `--y`)
 * @example
 * encodeLabel('b', { kind: 'multiclass', classes: ['a', 'b', 'c'] }, '--y'); // [0, 1, 0]
 */
export function encodeLabel(label: string, labels: LabelMapping, flag: string): number[] {
  if (labels.kind === 'regression') {
    const v = Number(label);
    if (label.trim() === '' || !Number.isFinite(v))
      throw new InputError(`${flag} ${label}: expected a number (the model does regression)`);
    return [v];
  }
  const k = labels.classes.indexOf(canonicalLabel(label));
  if (k < 0) throw new InputError(`${flag} ${label}: not one of the model's classes (${labels.classes.join(', ')})`);
  return classRow(k, labels);
}

/**
 * The target row of class index `k`: `[k]` for binary labels, one-hot otherwise.
 * @param k the class index
 * @param labels a classification mapping
 * @example
 * classRow(2, { kind: 'multiclass', classes: ['a', 'b', 'c'] }); // [0, 0, 1]
 */
export function classRow(k: number, labels: LabelMapping): number[] {
  if (labels.kind !== 'multiclass') return [k];
  return labels.classes.map((_, j) => (j === k ? 1 : 0));
}
