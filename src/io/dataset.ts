/**
 * From a CSV table to the matrices training needs: choosing the feature and target columns,
 * mapping labels to 0/1 or one-hot targets, standardising features with statistics from the
 * training split only, and seeded stratified splits.
 */
import { type Matrix, zeros } from '../core/matrix.js';
import type { Random } from '../core/random.js';
import type { Dataset } from '../train/fit.js';
import type { Table } from './csv.js';
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

/** Per-feature mean and (population) standard deviation; x ↦ (x − mean) / std. */
export interface Standardization {
  mean: number[];
  std: number[];
}

/** A table turned into numbers. */
export interface Examples extends Dataset {
  features: string[];
  target: string;
  labels: LabelMapping;
  /** File line of each row, for messages. */
  lines: number[];
}

// A plain decimal number: what a person means by "a number" in a CSV cell (no hex, no "Infinity").
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number in one cell, or an {@link InputError} naming the file, line and column. */
export function parseCell(table: Table, row: number, col: number): number {
  const cell = table.rows[row][col].trim();
  const where = `${table.file} line ${table.lines[row]}, column ${table.header[col]}`;
  if (cell === '') throw new InputError(`${where}: empty cell, expected a number`);
  if (!DECIMAL.test(cell)) throw new InputError(`${where}: '${cell}' is not a number`);
  const v = Number(cell);
  if (!Number.isFinite(v)) throw new InputError(`${where}: '${cell}' is too large, expected a finite number`);
  return v;
}

/** Index of a column by name, or an error listing the columns there are. */
export function columnIndex(table: Table, name: string, role: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) {
    throw new InputError(`${table.file}: no column '${name}' (${role}); the columns are: ${table.header.join(', ')}`);
  }
  return i;
}

/**
 * The target column (default: the last) and the feature columns (default: all others).
 * @param target column name, or undefined for the last column
 * @param features column names, or undefined for every column but the target
 */
export function chooseColumns(
  table: Table,
  target?: string,
  features?: readonly string[],
): { target: string; features: string[] } {
  const t = target ?? table.header[table.header.length - 1];
  columnIndex(table, t, 'the target');
  const f = features ? [...features] : table.header.filter((h) => h !== t);
  for (const name of f) {
    columnIndex(table, name, 'a feature');
    if (name === t) throw new InputError(`${table.file}: column '${name}' is the target, it cannot also be a feature`);
  }
  if (f.length === 0) throw new InputError(`${table.file}: no feature columns left besides the target '${t}'`);
  return { target: t, features: f };
}

/** The [rows, features] matrix of the named columns. */
export function featureMatrix(table: Table, features: readonly string[]): Matrix {
  const cols = features.map((f) => columnIndex(table, f, 'a feature'));
  const x = zeros(table.rows.length, cols.length);
  for (let r = 0; r < table.rows.length; r++) {
    for (let j = 0; j < cols.length; j++) x.data[r * cols.length + j] = parseCell(table, r, cols[j]);
  }
  return x;
}

/** A label as the model stores it. Numeric labels are compared by value: "1", "1.0" and "1e0" are the same class. */
export function canonicalLabel(s: string): string {
  const t = s.trim();
  return DECIMAL.test(t) ? String(Number(t)) : t;
}

const MAX_CLASSES = 100;

/**
 * The label mapping a target column implies: two classes → binary (sorted, so 0 ↦ 0 and 1 ↦ 1,
 * and strings alphabetically), three or more → multiclass, or regression when asked for.
 */
export function inferLabels(table: Table, target: string, regression: boolean): LabelMapping {
  const col = columnIndex(table, target, 'the target');
  if (regression) {
    for (let r = 0; r < table.rows.length; r++) parseCell(table, r, col);
    return { kind: 'regression' };
  }
  const seen = new Set<string>();
  for (let r = 0; r < table.rows.length; r++) {
    const label = canonicalLabel(table.rows[r][col]);
    if (label === '')
      throw new InputError(`${table.file} line ${table.lines[r]}, column ${target}: empty cell, expected a label`);
    seen.add(label);
  }
  const labels = [...seen];
  const numeric = labels.every((l) => DECIMAL.test(l));
  labels.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (labels.length < 2) {
    throw new InputError(
      `${table.file}, column ${target}: every row has the label '${labels[0]}', expected at least two classes to classify`,
    );
  }
  if (labels.length > MAX_CLASSES || (numeric && labels.length > 20)) {
    throw new InputError(
      `${table.file}, column ${target}: ${labels.length} distinct values, too many classes; for regression use --loss mse`,
    );
  }
  if (labels.length === 2) return { kind: 'binary', classes: [labels[0], labels[1]] };
  return { kind: 'multiclass', classes: labels };
}

/** Number of output units a label mapping needs. */
export function outputUnits(labels: LabelMapping): number {
  return labels.kind === 'multiclass' ? labels.classes.length : 1;
}

/** The target matrix of a column under a given mapping (a label outside it is an error). */
export function targetMatrix(table: Table, target: string, labels: LabelMapping): Matrix {
  const col = columnIndex(table, target, 'the target');
  const n = table.rows.length;
  if (labels.kind === 'regression') {
    const y = zeros(n, 1);
    for (let r = 0; r < n; r++) y.data[r] = parseCell(table, r, col);
    return y;
  }
  const units = outputUnits(labels);
  const y = zeros(n, units);
  for (let r = 0; r < n; r++) {
    const label = canonicalLabel(table.rows[r][col]);
    const k = labels.classes.indexOf(label);
    if (k < 0) {
      throw new InputError(
        `${table.file} line ${table.lines[r]}, column ${target}: label '${label}' is not one of the model's classes (${labels.classes.join(', ')})`,
      );
    }
    if (labels.kind === 'binary') y.data[r] = k;
    else y.data[r * units + k] = 1;
  }
  return y;
}

/** Features and targets of a table, with the label mapping inferred (or given, e.g. by a model). */
export function tableToExamples(
  table: Table,
  options: { target?: string; features?: readonly string[]; regression?: boolean; labels?: LabelMapping } = {},
): Examples {
  const { target, features } = chooseColumns(table, options.target, options.features);
  const x = featureMatrix(table, features);
  const labels = options.labels ?? inferLabels(table, target, options.regression ?? false);
  const y = targetMatrix(table, target, labels);
  return { x, y, features, target, labels, lines: [...table.lines] };
}

/** The class index of every row of a target matrix, or undefined for regression. */
export function classIndices(y: Matrix, labels: LabelMapping): Int32Array | undefined {
  if (labels.kind === 'regression') return undefined;
  const out = new Int32Array(y.rows);
  for (let r = 0; r < y.rows; r++) {
    if (y.cols === 1) out[r] = y.data[r];
    else for (let j = 0; j < y.cols; j++) if (y.data[r * y.cols + j] === 1) out[r] = j;
  }
  return out;
}

/** Column means and population standard deviations of `x`; a constant column gets std 1. */
export function fitStandardization(x: Matrix): Standardization {
  const mean = new Array<number>(x.cols).fill(0);
  const std = new Array<number>(x.cols).fill(0);
  for (let j = 0; j < x.cols; j++) {
    let s = 0;
    for (let r = 0; r < x.rows; r++) s += x.data[r * x.cols + j];
    const m = s / x.rows;
    let ss = 0;
    for (let r = 0; r < x.rows; r++) ss += (x.data[r * x.cols + j] - m) ** 2;
    const sd = Math.sqrt(ss / x.rows);
    mean[j] = m;
    // A constant column carries no information; std 1 keeps it finite (it becomes all zeros).
    std[j] = sd > 0 ? sd : 1;
  }
  return { mean, std };
}

/** A new matrix (x − mean) / std, column by column. */
export function standardize(x: Matrix, stats: Standardization): Matrix {
  const out = zeros(x.rows, x.cols);
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < x.cols; j++) out.data[r * x.cols + j] = (x.data[r * x.cols + j] - stats.mean[j]) / stats.std[j];
  }
  return out;
}

/** The rows `indices` of `m`, in that order, as a new matrix. */
export function takeRows(m: Matrix, indices: readonly number[]): Matrix {
  const out = zeros(indices.length, m.cols);
  indices.forEach((r, i) => out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return out;
}

/**
 * Splits `rows` (indices) into a kept part and a held-out part of about `fraction` of them,
 * stratified by class when `classes` is given: each class gives round(fraction · its count) rows,
 * chosen by `rng`. Both parts are returned in ascending row order, so that training without
 * shuffling sees the rows in file order.
 */
export function stratifiedSplit(
  rows: readonly number[],
  classes: Int32Array | undefined,
  fraction: number,
  rng: Random,
): { kept: number[]; held: number[] } {
  const groups = new Map<number, number[]>();
  for (const r of rows) {
    const c = classes ? classes[r] : 0;
    const g = groups.get(c);
    if (g) g.push(r);
    else groups.set(c, [r]);
  }
  const held: number[] = [];
  for (const c of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(c)!;
    rng.shuffle(g);
    held.push(...g.slice(0, Math.round(fraction * g.length)));
  }
  const heldSet = new Set(held);
  return { kept: rows.filter((r) => !heldSet.has(r)), held: held.sort((a, b) => a - b) };
}
