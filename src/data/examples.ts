/**
 * From a CSV table to the matrices training needs: choosing the feature and target columns,
 * mapping labels to 0/1 or one-hot targets, standardising features with statistics from the
 * training split only, and seeded stratified splits.
 */
import { type AnyMatrix, type Matrix, zeros } from '../core/matrix.js';
import type { Dataset, FitDtype } from '../train/fit.js';
import { type CsvDialect, type CsvRowSink, type HeaderInfo, scanCsvText, type Table } from './csv.js';
import { InputError } from './input-error.js';
import { canonicalLabel, DECIMAL, type LabelMapping, labelsFromValues, oneHotLabels, outputUnits } from './labels.js';

/** A table turned into numbers (features float64, or float32 when read for a float32 run). */
export interface Examples<X extends AnyMatrix = Matrix> extends Dataset<X> {
  /** The file's name in messages. */
  file: string;
  features: string[];
  target: string;
  labels: LabelMapping;
  /** File line of each row, for messages. */
  lines: number[];
}

/** Why a cell is not a number, with a hint for a decimal comma. */
function notANumber(cell: string): string {
  const comma = /^[+-]?\d*,\d+$/.test(cell) ? " (a decimal comma? backprop reads '.' as the decimal point)" : '';
  return `'${cell}' is not a number${comma}`;
}

/**
 * The number in one cell, or an {@link InputError} naming the file, line and column.
 * @param table the table
 * @param row the data row (0-based)
 * @param col the column index
 * @example
 * parseCell(parseCsv('x\n1.5\n', 'a.csv'), 0, 0); // 1.5
 */
export function parseCell(table: Table, row: number, col: number): number {
  const cell = table.rows[row][col].trim();
  const where = `${table.file} line ${table.lines[row]}, column ${table.header[col]}`;
  if (cell === '') throw new InputError(`${where}: empty cell, expected a number`);
  if (!DECIMAL.test(cell)) throw new InputError(`${where}: ${notANumber(cell)}`);
  const v = Number(cell);
  if (!Number.isFinite(v)) throw new InputError(`${where}: '${cell}' is too large, expected a finite number`);
  return v;
}

/**
 * Index of a column by name, or an error listing the columns there are.
 * @param table the table
 * @param name the column
 * @param role what the column is for, in messages (e.g. "the target")
 * @example
 * columnIndex(table, 'species', 'the target'); // 4
 */
export function columnIndex(table: Table, name: string, role: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) {
    const comment = /^\s*#/.test(table.header[0] ?? '') ? " (is line 1 a comment? skip it with --comment '#')" : '';
    throw new InputError(
      `${table.file}: no column '${name}' (${role}); the columns are: ${table.header.join(', ')}${comment}`,
    );
  }
  return i;
}

/** How column `i` is named in messages (an unnamed one by its position). */
function columnName(header: readonly string[], i: number): string {
  return header[i] === '' ? `column ${i + 1} (unnamed)` : header[i];
}

/** Throws if a list names a column twice. */
function checkDistinct(file: string, list: readonly string[], flag: string): void {
  list.forEach((name, i) => {
    if (list.indexOf(name) !== i)
      throw new InputError(`${file}: ${flag} names '${name}' twice, expected each column once`);
  });
}

/**
 * The target column (default: the last) and the feature columns (default: all others but the
 * ignored and the unnamed ones, such as pandas' index column).
 * @param table the table
 * @param target column name, or undefined for the last column
 * @param features column names, or undefined for every column but the target
 * @param ignore columns never to use as features
 * @example
 * chooseColumns(table, 'species'); // { target: 'species', features: [every other column] }
 * chooseColumns(table, 'y', undefined, ['id']); // every column but y and id
 */
export function chooseColumns(
  table: Table,
  target?: string,
  features?: readonly string[],
  ignore: readonly string[] = [],
): { target: string; features: string[] } {
  const { file, header } = table;
  if (target === undefined && header[header.length - 1] === '') {
    throw new InputError(
      `${file}: the last column, the default target, has no name in the header; name it or choose one with --target`,
    );
  }
  const t = target ?? header[header.length - 1];
  columnIndex(table, t, 'the target');
  checkDistinct(file, ignore, '--ignore');
  for (const name of ignore) {
    columnIndex(table, name, 'to ignore');
    if (name === t) throw new InputError(`${file}: column '${name}' is the target, it cannot be ignored`);
  }
  if (features) checkDistinct(file, features, '--features');
  const f = features ? [...features] : header.filter((h) => h !== t && h !== '' && !ignore.includes(h));
  for (const name of f) {
    columnIndex(table, name, 'a feature');
    if (name === t) throw new InputError(`${file}: column '${name}' is the target, it cannot also be a feature`);
    if (ignore.includes(name)) throw new InputError(`${file}: column '${name}' is both in --features and --ignore`);
  }
  if (f.length === 0) {
    const others = header.filter((h) => h !== t).length;
    throw new InputError(
      `${file}: no feature columns left besides the target '${t}'${others > 0 ? ` (${others} unnamed or ignored)` : ''}; the columns are: ${header.map((_, i) => columnName(header, i)).join(', ')}`,
    );
  }
  return { target: t, features: f };
}

/**
 * The [rows, features] matrix of the named columns.
 * @param table the table
 * @param features the columns, in the order of the matrix
 * @example
 * const x = featureMatrix(table, ['sepal_length_cm', 'sepal_width_cm']); // [rows, 2]
 */
export function featureMatrix(table: Table, features: readonly string[]): Matrix {
  const cols = features.map((f) => columnIndex(table, f, 'a feature'));
  const x = zeros(table.rows.length, cols.length);
  for (let r = 0; r < table.rows.length; r++) {
    for (let j = 0; j < cols.length; j++) x.data[r * cols.length + j] = parseCell(table, r, cols[j]);
  }
  return x;
}

/**
 * The label mapping a target column implies: two classes → binary (sorted, so 0 ↦ 0 and 1 ↦ 1,
 * and strings alphabetically), three or more → multiclass, or regression when asked for.
 * @param table the table
 * @param target the target column
 * @param regression whether the column holds numbers to predict
 * @example
 * inferLabels(table, 'species', false); // { kind: 'multiclass', classes: [...] }
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
  return labelsFromValues(seen, table.file, target);
}

/**
 * The target matrix of a column under a given mapping (a label outside it is an error).
 * @param table the table
 * @param target the target column
 * @param labels the mapping (a label outside it is an error)
 * @example
 * const y = targetMatrix(table, 'species', model.labels); // one-hot rows
 */
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

/**
 * Features and targets of a table, with the label mapping inferred (or given, e.g. by a model).
 * @param table the table
 * @param options the target and feature columns, regression, or a given label mapping
 * @example
 * const { x, y, labels } = tableToExamples(parseCsv(text, 'iris.csv'), { target: 'species' });
 */
export function tableToExamples(table: Table, options: ExampleOptions = {}): Examples {
  const { target, features } = chooseColumns(table, options.target, options.features, options.ignore);
  const x = featureMatrix(table, features);
  const inferred = options.labels ?? inferLabels(table, target, options.regression ?? false);
  const labels = options.oneHot && !options.labels ? oneHotLabels(inferred) : inferred;
  const y = targetMatrix(table, target, labels);
  return { file: table.file, x, y, features, target, labels, lines: [...table.lines] };
}

/** What {@link tableToExamples} and {@link readExamples} can be told. */
export interface ExampleOptions {
  target?: string;
  features?: readonly string[];
  /** Columns never to use as features (a row id, a leaked column). */
  ignore?: readonly string[];
  /** Two classes as two one-hot targets (for categorical cross-entropy) rather than one 0/1 target. */
  oneHot?: boolean;
  regression?: boolean;
  labels?: LabelMapping;
}

/**
 * The options of {@link readExamples}, or a function choosing them once the header is known
 * (it may throw an InputError, which is reported as `tableToExamples` would after `readCsv`).
 */
export type ExampleOptionsFor = ExampleOptions | ((header: readonly string[], file: string) => ExampleOptions);

/**
 * CSV text straight into {@link Examples}, row by row: the feature cells go into a Float64Array
 * as they are parsed and the target column is kept as class ids (or numbers). The result, and
 * every error and the order errors are reported in, are those of
 * `tableToExamples(parseCsv(text, file), options)`; `backprop/node`'s `readExamples` does the
 * same for files and stdin.
 * @param text the CSV text
 * @param file the file's name in messages
 * @param options the target and feature columns and the label mapping, or a function choosing them from the header
 * @param dialect the delimiter (default: detected among `,` `;` tab `|`) and comment character
 * @example
 * const data = csvTextToExamples('x,y\n1,a\n2,b\n', 'data.csv', { target: 'y' });
 * data.labels; // { kind: 'binary', classes: ['a', 'b'] }
 */
export function csvTextToExamples(
  text: string,
  file: string,
  options: ExampleOptionsFor = {},
  dialect: CsvDialect = {},
): Examples {
  const sink = new ExamplesSink(options);
  const scan = scanCsvText(text, file, sink, dialect);
  return sink.finish(scan.file, scan.rows) as Examples; // float64, the sink's default
}

const INITIAL_ROWS = 1024;

const isDigit = (c: number) => c >= 48 && c <= 57;
const isSign = (c: number) => c === 43 || c === 45;

/**
 * `DECIMAL.test(s)`, by hand: the loader calls it for every cell.
 * @param s the text of a cell
 * @example
 * isDecimal('-1.5e3'); // true
 */
export function isDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  if (i < n && isSign(s.charCodeAt(i))) i++;
  const intStart = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  let digits = i - intStart;
  if (i < n && s.charCodeAt(i) === 46 /* . */) {
    i++;
    const fracStart = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    digits += i - fracStart;
  }
  if (digits === 0) return false;
  if (i < n && (s.charCodeAt(i) === 101 || s.charCodeAt(i) === 69) /* e E */) {
    i++;
    if (i < n && isSign(s.charCodeAt(i))) i++;
    const expStart = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i === expStart) return false;
  }
  return i === n;
}

/**
 * Why a finite number cannot be a float32 run's feature: it rounds to ±Infinity in float32.
 * @param cell the number as written
 * @example
 * beyondFloat32('1e39'); // "'1e39' is beyond float32's range (dtype float32), expected a number within ±3.4028235e38"
 */
export function beyondFloat32(cell: string): string {
  return `'${cell}' is beyond float32's range (dtype float32), expected a number within ±3.4028235e38`;
}

/** The numeric value of a cell, or an error message for it (as {@link parseCell} words it). */
function cellValue(raw: string): number | string {
  if (isDecimal(raw)) {
    const v = Number(raw);
    if (Number.isFinite(v)) return v;
  }
  const cell = raw.trim();
  if (cell === '') return 'empty cell, expected a number';
  if (!DECIMAL.test(cell)) return notANumber(cell);
  const v = Number(cell);
  if (!Number.isFinite(v)) return `'${cell}' is too large, expected a finite number`;
  return v;
}

/**
 * Builds Examples from rows as they are parsed; see {@link csvTextToExamples}. With dtype
 * `'float32'` the features go straight into a Float32Array, each number rounded to float32 as
 * it is stored (Keras and TF.js hold data so), and no float64 copy of them is ever made.
 */
export class ExamplesSink implements CsvRowSink {
  private file = '';
  private columns: readonly string[] = [];
  private features: string[] = [];
  private target = '';
  private featureCols = new Int32Array(0);
  private targetCol = 0;
  private regression = false;
  private oneHot = false;
  private given: LabelMapping | undefined;
  private givenIndex = new Map<string, number>();
  /** Row-major features, `capacity` rows. */
  private x: Float64Array | Float32Array;
  private capacity = 0;
  private n = 0;
  /** File line of each row (grown with `x`: a million rows' number[] was megabytes of garbage). */
  private lineNo = new Int32Array(0);
  /** Regression targets, or the class id of each row (ids in order of first appearance). */
  private yNum = new Float64Array(0);
  private yId = new Int32Array(0);
  /** Raw cell → class id, canonical label → class id, and the labels in order of first appearance. */
  private readonly idOfRaw = new Map<string, number>();
  private readonly idOfLabel = new Map<string, number>();
  private readonly labelsSeen: string[] = [];
  /** The first target error, reported only if no feature cell is bad. */
  private targetError: InputError | undefined;

  /**
   * @param options the columns and labels, or a function choosing them from the header
   * @param dtype the features' type (default float64)
   */
  constructor(
    private readonly options: ExampleOptionsFor,
    private readonly dtype: FitDtype = 'float64',
  ) {
    this.x = this.features32() ? new Float32Array(0) : new Float64Array(0);
  }

  private features32(): boolean {
    return this.dtype === 'float32';
  }

  header(header: readonly string[], { file, lineBound }: HeaderInfo): void {
    this.file = file;
    this.columns = header;
    // The scanner names the file; the header has no rows yet, which is all chooseColumns reads.
    const table: Table = { file: this.file, header, rows: [], lines: [] };
    const opts = typeof this.options === 'function' ? this.options(header, this.file) : this.options;
    const { target, features } = chooseColumns(table, opts.target, opts.features, opts.ignore);
    this.target = target;
    this.features = features;
    this.featureCols = Int32Array.from(features, (f) => header.indexOf(f));
    this.targetCol = header.indexOf(target);
    this.given = opts.labels;
    this.oneHot = opts.oneHot ?? false;
    this.regression = opts.labels ? opts.labels.kind === 'regression' : (opts.regression ?? false);
    if (opts.labels && opts.labels.kind !== 'regression') {
      opts.labels.classes.forEach((c, k) => {
        if (!this.givenIndex.has(c)) this.givenIndex.set(c, k);
      });
    }
    this.grow(lineBound !== undefined ? Math.max(1, lineBound - 1) : INITIAL_ROWS);
  }

  private grow(rows: number): void {
    const cols = this.featureCols.length;
    const x = this.features32() ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
    x.set(this.x.subarray(0, this.n * cols));
    this.x = x;
    const lineNo = new Int32Array(rows);
    lineNo.set(this.lineNo.subarray(0, this.n));
    this.lineNo = lineNo;
    if (this.regression) {
      const y = new Float64Array(rows);
      y.set(this.yNum.subarray(0, this.n));
      this.yNum = y;
    } else {
      const y = new Int32Array(rows);
      y.set(this.yId.subarray(0, this.n));
      this.yId = y;
    }
    this.capacity = rows;
  }

  row(fields: string[], line: number): void {
    if (this.n === this.capacity) this.grow(Math.ceil(this.capacity * 1.5) + 1);
    const r = this.n;
    const cols = this.featureCols;
    const x = this.x;
    const base = r * cols.length;
    const f32 = this.features32();
    for (let j = 0; j < cols.length; j++) {
      const v = cellValue(fields[cols[j]]);
      if (typeof v === 'string') throw this.cellError(line, cols[j], v);
      x[base + j] = v;
      // A finite number float32 cannot hold would be stored as ±Infinity.
      if (f32 && !Number.isFinite(x[base + j]))
        throw this.cellError(line, cols[j], beyondFloat32(fields[cols[j]].trim()));
    }
    if (this.targetError === undefined) {
      const raw = fields[this.targetCol];
      if (this.regression) {
        const v = cellValue(raw);
        if (typeof v === 'string') this.targetError = this.cellError(line, this.targetCol, v);
        else this.yNum[r] = v;
      } else {
        let id = this.idOfRaw.get(raw);
        if (id === undefined) id = this.classId(raw, line);
        this.yId[r] = id;
      }
    }
    this.lineNo[r] = line;
    this.n = r + 1;
  }

  private cellError(line: number, col: number, message: string): InputError {
    return new InputError(`${this.file} line ${line}, column ${this.columns[col]}: ${message}`);
  }

  /** The class id of a label not seen in this spelling before (-1 after an error). */
  private classId(raw: string, line: number): number {
    const label = canonicalLabel(raw);
    if (this.given) {
      const k = this.givenIndex.get(label);
      if (k === undefined) {
        const classes = (this.given as { classes: string[] }).classes;
        this.targetError = new InputError(
          `${this.file} line ${line}, column ${this.target}: label '${label}' is not one of the model's classes (${classes.join(', ')})`,
        );
        return -1;
      }
      this.idOfRaw.set(raw, k);
      return k;
    }
    if (label === '') {
      this.targetError = new InputError(
        `${this.file} line ${line}, column ${this.target}: empty cell, expected a label`,
      );
      return -1;
    }
    let id = this.idOfLabel.get(label);
    if (id === undefined) {
      id = this.labelsSeen.length;
      this.labelsSeen.push(label);
      this.idOfLabel.set(label, id);
    }
    this.idOfRaw.set(raw, id);
    return id;
  }

  finish(file: string, rows: number): Examples<AnyMatrix> {
    if (this.n !== rows) throw new Error(`readExamples: ${this.n} of ${rows} rows converted`);
    if (this.targetError) throw this.targetError;
    const n = this.n;
    const cols = this.featureCols.length;
    // Keep the allocation when little of it is spare (a file's line count is nearly exact).
    const data = this.capacity - n <= Math.max(16, n >> 6) ? this.x.subarray(0, n * cols) : this.x.slice(0, n * cols);
    this.x = this.x.subarray(0, 0);
    const x: AnyMatrix = { rows: n, cols, data } as AnyMatrix;
    let labels: LabelMapping;
    let y: Matrix;
    if (this.regression) {
      labels = this.given ?? { kind: 'regression' };
      y = { rows: n, cols: 1, data: this.yNum.slice(0, n) };
    } else {
      let rank: Int32Array;
      if (this.given) {
        labels = this.given;
        rank = Int32Array.from((this.given as { classes: string[] }).classes, (_, k) => k);
      } else {
        labels = labelsFromValues(this.labelsSeen, file, this.target);
        if (this.oneHot) labels = oneHotLabels(labels);
        const classes = labels.kind === 'regression' ? [] : labels.classes;
        rank = Int32Array.from(this.labelsSeen, (l) => classes.indexOf(l));
      }
      const units = outputUnits(labels);
      y = zeros(n, units);
      for (let r = 0; r < n; r++) {
        const k = rank[this.yId[r]];
        if (units === 1) y.data[r] = k;
        else y.data[r * units + k] = 1;
      }
    }
    this.yId = new Int32Array(0);
    this.yNum = new Float64Array(0);
    const lines = lineNumbers(this.lineNo, n);
    this.lineNo = new Int32Array(0);
    return {
      file,
      x,
      y,
      features: this.features,
      target: this.target,
      labels,
      get lines() {
        return lines();
      },
    };
  }
}

/**
 * The rows' file lines as a number[] made when first asked for (only messages and the demo ask):
 * nothing kept when they run on from the first without a gap, as they do in most files.
 */
function lineNumbers(lineNo: Int32Array, n: number): () => number[] {
  const first = n > 0 ? lineNo[0] : 0;
  let consecutive = true;
  for (let r = 1; r < n && consecutive; r++) consecutive = lineNo[r] === first + r;
  const kept = consecutive ? undefined : lineNo.slice(0, n);
  let lines: number[] | undefined;
  return () => {
    lines ??= kept ? Array.from(kept) : Array.from({ length: n }, (_, r) => first + r);
    return lines;
  };
}

/** A feature name that says "row identifier". */
const ID_NAME = /^(id|.*[_ .-]id|index|row|row_?number|unnamed: ?\d+)$/i;
/** Fewer rows than this: distinct integers say nothing. */
const ID_MIN_ROWS = 20;

/** Whether a column of `n` rows holds distinct integers. */
function distinctIntegers(x: AnyMatrix, j: number): boolean {
  const n = x.rows;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  // A first pass without a copy: most columns are not integers, and a copy per column is megabytes.
  for (let r = 0; r < n; r++) {
    const v = x.data[r * x.cols + j];
    if (!Number.isInteger(v)) return false;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max - min + 1 < n) return false; // too few values for all to differ
  const col = new Float64Array(n);
  for (let r = 0; r < n; r++) col[r] = x.data[r * x.cols + j];
  col.sort();
  for (let r = 1; r < n; r++) if (col[r] === col[r - 1]) return false;
  return true;
}

/**
 * Warnings about feature columns that cannot help a model: a constant one, and one that looks
 * like a row identifier (named id, index, …, or distinct integers on every row), which a network
 * memorises instead of learning from.
 * @param examples the features read from a file (`x` before standardisation)
 * @returns one line per suspicious feature
 * @example
 * featureWarnings(csvTextToExamples(text, 'data.csv')); // ["feature 'id' looks like a row identifier …"]
 */
export function featureWarnings(examples: Pick<Examples<AnyMatrix>, 'x' | 'features' | 'file'>): string[] {
  const { x, features, file } = examples;
  const warnings: string[] = [];
  features.forEach((name, j) => {
    if (x.rows === 0) return;
    const first = x.data[j];
    let constant = true;
    for (let r = 1; r < x.rows && constant; r++) constant = x.data[r * x.cols + j] === first;
    const drop = `leave it out with --ignore ${name}`;
    if (constant && x.rows > 1)
      warnings.push(`${file}: feature '${name}' is ${first} on every row, it cannot help; ${drop}`);
    else if (ID_NAME.test(name) || (x.rows >= ID_MIN_ROWS && distinctIntegers(x, j))) {
      const why = ID_NAME.test(name) ? 'its name' : 'a different integer on every row';
      warnings.push(
        `${file}: feature '${name}' looks like a row identifier (${why}), which a model memorises; ${drop}`,
      );
    }
  });
  return warnings;
}
