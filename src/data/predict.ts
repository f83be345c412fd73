/** A model's predictions: class probabilities and labels, or numbers for regression. */
import { fromRows, type Matrix } from '../core/matrix.js';
import { predict } from '../nn/network.js';
import { predictedClasses } from '../train/metrics.js';
import type { Table } from './csv.js';
import { modelInputs } from './model-data.js';
import type { Model } from './model-file.js';
import { standardize } from './standardize.js';

/** Predictions as a table: `columns` name the values of each row. */
export interface Predictions {
  /**
   * Binary: `probability` (of the positive class), `label`; multi-class: one `p_<class>` per
   * class, `label`; regression: `prediction`.
   */
  columns: string[];
  /** One row per example: the numbers, then the label for classifiers. */
  rows: (number | string)[][];
}

/**
 * The columns of a model's predictions: `probability`, `label` (binary); `p_<class>`…, `label`
 * (multi-class); `prediction` (regression).
 * @param model the model
 * @example
 * predictionColumns(model); // ['probability', 'label']
 */
export function predictionColumns(model: Model): string[] {
  const labels = model.labels;
  if (labels.kind === 'regression') return ['prediction'];
  return [...(labels.kind === 'binary' ? ['probability'] : labels.classes.map((c) => `p_${c}`)), 'label'];
}

/** The predictions for network inputs that are already standardised. */
function predictionsOf(model: Model, x: Matrix): Predictions {
  const yhat = predict(model.network, x);
  const labels = model.labels;
  if (labels.kind === 'regression') {
    const ts = model.targetStandardization; // the network predicts (y − mean) / std
    const value = ts ? (v: number) => v * ts.std + ts.mean : (v: number) => v;
    return { columns: ['prediction'], rows: Array.from({ length: yhat.rows }, (_, r) => [value(yhat.data[r])]) };
  }
  const t = labels.kind === 'binary' ? model.threshold : undefined;
  const cls = t === undefined ? predictedClasses(yhat) : Int32Array.from(yhat.data, (p) => (p >= t ? 1 : 0));
  const probs = labels.kind === 'binary' ? ['probability'] : labels.classes.map((c) => `p_${c}`);
  const rows = Array.from({ length: yhat.rows }, (_, r) => [
    ...Array.from(yhat.data.subarray(r * yhat.cols, (r + 1) * yhat.cols)),
    labels.classes[cls[r]],
  ]);
  return { columns: [...probs, 'label'], rows };
}

/**
 * The model's predictions for every row of a table (its feature columns, by name).
 * @param model the model
 * @param table rows with the model's feature columns
 * @param modelName the model's name in messages
 * @example
 * const { columns, rows } = predictTable(model, parseCsv(text, 'new.csv'));
 * // columns: ['probability', 'label'], rows: [[0.93, 'malignant'], …]
 */
export function predictTable(model: Model, table: Table, modelName = 'the model'): Predictions {
  return predictionsOf(model, modelInputs(model, table, modelName));
}

/**
 * The model's predictions for raw feature values (in the model's feature order; standardised
 * here with the model's statistics).
 * @param model the model
 * @param values one array of raw feature values per example
 * @example
 * predictValues(model, [[17.5, 21.3, 0.14]]).rows[0]; // [0.97, '1']
 */
export function predictValues(model: Model, values: readonly (readonly number[])[]): Predictions {
  const raw = fromRows(values);
  return predictionsOf(model, model.standardization ? standardize(raw, model.standardization) : raw);
}
