/**
 * ADAPTER — to be replaced by the library at merge. The library reads CSV text with
 * `csvTextToExamples` (src/io/dataset.ts over src/io/csv.ts), but those modules import Node's fs
 * and string_decoder and so cannot be bundled for the browser. This is a browser-safe stand-in
 * that follows the same rules (byte-order mark dropped, blank lines skipped, header names trimmed,
 * the target is the last column, every other column a feature, plain decimal numbers only, two
 * labels → one 0/1 output, three or more → one-hot) and words its errors as the CLI does;
 * test/web/csv-text.test.ts holds the messages equal to the library's.
 */
import { type Matrix, zeros } from '../library.js';

/** An error in the user's data, worded for the user (the library's InputError, by name). */
export class InputError extends Error {
  override name = 'InputError';
}

export interface Table {
  readonly file: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** 1-based file line on which each data row starts. */
  readonly lines: readonly number[];
}

export type LabelMapping = { kind: 'binary'; classes: [string, string] } | { kind: 'multiclass'; classes: string[] };

export interface Examples {
  x: Matrix;
  y: Matrix;
  features: string[];
  target: string;
  labels: LabelMapping;
  lines: number[];
}

/** Records of CSV text with the line each starts on (RFC 4180 quoting, CRLF or LF). */
function records(text: string, file: string): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let blank = true;
  const endRecord = () => {
    fields.push(field);
    // A line holding nothing at all is skipped, as csv-parse's skip_empty_lines does.
    if (!(blank && fields.length === 1 && field === '')) out.push({ fields, line: start });
    fields = [];
    field = '';
    blank = true;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          const next = text[i + 1];
          if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
            throw new InputError(
              `${file} line ${line}: Invalid Closing Quote: got "${next}" at line ${line} instead of delimiter, record delimiter, trimable character (if activated) or comment`,
            );
          }
        }
      } else {
        if (c === '\n' || c === '\r') line++; // csv-parse counts each of \r and \n inside quotes
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      blank = false;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      blank = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (blank && field === '') {
        fields = [];
      } else {
        endRecord();
      }
      line++;
      start = line;
    } else {
      if (blank && fields.length === 0 && field === '') start = line;
      field += c;
      blank = false;
    }
  }
  if (quoted) {
    // csv-parse names the file's last line here (not counting a final line break), twice.
    const last = /[\r\n]$/.test(text) ? line - 1 : line;
    throw new InputError(
      `${file} line ${last}: Quote Not Closed: the parsing is finished with an opening quote at line ${last}`,
    );
  }
  if (!(blank && field === '' && fields.length === 0)) endRecord();
  return out;
}

/** Parses CSV text into a table of strings, checking its structure as the CLI does. */
export function parseCsvText(text: string, file: string): Table {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!/\S/.test(text)) throw new InputError(`${file}: the file is empty, expected a header line and data rows`);
  const recs = records(text, file);
  if (recs.length === 0) throw new InputError(`${file}: the file is empty, expected a header line and data rows`);
  const header = recs[0].fields.map((h) => h.trim());
  const headerLine = recs[0].line;
  header.forEach((name, i) => {
    if (name === '')
      throw new InputError(`${file} line ${headerLine}: column ${i + 1} of the header is empty, expected a name`);
    const first = header.indexOf(name);
    if (first !== i) {
      throw new InputError(
        `${file} line ${headerLine}: column name '${name}' appears twice (columns ${first + 1} and ${i + 1})`,
      );
    }
  });
  const data = recs.slice(1);
  if (data.length === 0) {
    throw new InputError(`${file}: has a header but no data rows, expected at least one row after line ${headerLine}`);
  }
  for (const r of data) {
    if (r.fields.length !== header.length) {
      throw new InputError(`${file} line ${r.line}: ${r.fields.length} fields, header has ${header.length}`);
    }
  }
  return { file, header, rows: data.map((r) => r.fields), lines: data.map((r) => r.line) };
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MAX_CLASSES = 100;

function cell(table: Table, row: number, col: number): number {
  const text = table.rows[row][col].trim();
  const where = `${table.file} line ${table.lines[row]}, column ${table.header[col]}`;
  if (text === '') throw new InputError(`${where}: empty cell, expected a number`);
  if (!DECIMAL.test(text)) throw new InputError(`${where}: '${text}' is not a number`);
  const v = Number(text);
  if (!Number.isFinite(v)) throw new InputError(`${where}: '${text}' is too large, expected a finite number`);
  return v;
}

function canonicalLabel(s: string): string {
  const t = s.trim();
  return DECIMAL.test(t) ? String(Number(t)) : t;
}

/**
 * Features and targets of a table: the target is `target` (default the last column), the
 * features `features` (default every other column).
 */
export function tableToExamples(table: Table, target?: string, features?: readonly string[]): Examples {
  const t = target ?? table.header[table.header.length - 1];
  const column = (name: string, role: string) => {
    const i = table.header.indexOf(name);
    if (i < 0)
      throw new InputError(`${table.file}: no column '${name}' (${role}); the columns are: ${table.header.join(', ')}`);
    return i;
  };
  const tc = column(t, 'the target');
  const f = features ? [...features] : table.header.filter((h) => h !== t);
  if (f.length === 0) throw new InputError(`${table.file}: no feature columns left besides the target '${t}'`);
  const cols = f.map((name) => column(name, 'a feature'));
  const n = table.rows.length;
  const x = zeros(n, cols.length);
  for (let r = 0; r < n; r++)
    for (let j = 0; j < cols.length; j++) x.data[r * cols.length + j] = cell(table, r, cols[j]);

  const seen = new Set<string>();
  for (let r = 0; r < n; r++) {
    const label = canonicalLabel(table.rows[r][tc]);
    if (label === '')
      throw new InputError(`${table.file} line ${table.lines[r]}, column ${t}: empty cell, expected a label`);
    seen.add(label);
  }
  const classes = [...seen];
  const numeric = classes.every((l) => DECIMAL.test(l));
  classes.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (classes.length < 2) {
    throw new InputError(
      `${table.file}, column ${t}: every row has the label '${classes[0]}', expected at least two classes to classify`,
    );
  }
  if (classes.length > MAX_CLASSES || (numeric && classes.length > 20)) {
    throw new InputError(
      `${table.file}, column ${t}: ${classes.length} distinct values, too many classes; for regression use --loss mse`,
    );
  }
  const units = classes.length === 2 ? 1 : classes.length;
  const y = zeros(n, units);
  for (let r = 0; r < n; r++) {
    const k = classes.indexOf(canonicalLabel(table.rows[r][tc]));
    if (units === 1) y.data[r] = k;
    else y.data[r * units + k] = 1;
  }
  const labels: LabelMapping =
    classes.length === 2 ? { kind: 'binary', classes: [classes[0], classes[1]] } : { kind: 'multiclass', classes };
  return { x, y, features: f, target: t, labels, lines: [...table.lines] };
}

/** CSV text → examples, as the CLI reads a data file; throws an {@link InputError} in the CLI's words. */
export function csvTextToExamples(text: string, file: string, target?: string, features?: readonly string[]): Examples {
  return tableToExamples(parseCsvText(text, file), target, features);
}
