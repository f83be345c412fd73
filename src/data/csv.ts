/**
 * CSV tables and the rules every CSV reader of backprop applies: a header of distinct names (an
 * empty one, like pandas' index column, is allowed and the column is never used by default), rows
 * as wide as the header, blank lines skipped, each row's file line kept so that later errors (a
 * non-numeric cell, an unknown label) point at the exact line. The delimiter is detected among
 * `,` `;` tab `|` unless given; comment lines are skipped when a comment character is given; a
 * line longer than {@link MAX_LINE_BYTES} or a NUL character is refused. Parsing itself (quotes,
 * CRLF) is csv-parse's job. This module reads CSV text already in memory and runs in browsers;
 * `backprop/node` streams files through the same rules.
 */
import { parse } from 'csv-parse/browser/esm/sync';
import { InputError } from './input-error.js';

/** A parsed CSV file: the header and the data rows, all as strings. */
export interface Table {
  /** How the file is named in messages (the path as given, or `<stdin>`). */
  readonly file: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** The 1-based file line on which each data row starts (the header is line 1). */
  readonly lines: readonly number[];
}

/**
 * What a CSV scan does with the rows. Errors it throws (InputErrors) are reported in the same
 * order as if the whole file had been parsed first: a malformed file or a ragged row anywhere
 * wins over a header the caller rejects, which wins over a bad cell.
 */
export interface CsvRowSink {
  /**
   * The header, names trimmed and checked (none empty, none twice). An InputError thrown here
   * is reported after any structural error of the file, and no rows are passed on.
   */
  header(header: readonly string[], where: HeaderInfo): void;
  /**
   * A data row with as many fields as the header, and the file line it starts on. An InputError
   * thrown here is reported after any structural error of the file, and no more rows are passed on.
   */
  row(fields: string[], line: number): void;
}

/** Where a header was found. */
export interface HeaderInfo {
  /** The file's name in messages. */
  file: string;
  line: number;
  /** An upper bound on the file's lines when it is cheap to know (a regular file), for preallocation. */
  lineBound: number | undefined;
}

/** Summary of a scan. */
export interface CsvScan {
  file: string;
  header: readonly string[];
  rows: number;
}

/** How a CSV file is written: what {@link parseCsv} and the file readers can be told. */
export interface CsvDialect {
  /** The field delimiter, one character (default: detected among `,` `;` tab `|`). */
  delimiter?: string;
  /** Lines starting with this character are skipped (default: none). */
  comment?: string;
}

/** The longest line (record) a reader accepts, in bytes of UTF-8: 16 MiB. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** The delimiters {@link detectDelimiter} chooses among, in order of preference on a tie. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * Checks a dialect's characters (one each, not a quote or a line break, not the same).
 * @param dialect the dialect
 * @example
 * checkDialect({ delimiter: ';', comment: '#' });
 */
export function checkDialect(dialect: CsvDialect): void {
  const bad = (c: string | undefined) => c !== undefined && (c.length !== 1 || c === '"' || c === '\n' || c === '\r');
  if (bad(dialect.delimiter))
    throw new InputError(`--delimiter '${dialect.delimiter}': expected one character (not a quote or a line break)`);
  if (bad(dialect.comment))
    throw new InputError(`--comment '${dialect.comment}': expected one character (not a quote or a line break)`);
  if (dialect.comment !== undefined && dialect.comment === dialect.delimiter)
    throw new InputError(`--comment '${dialect.comment}': the same character as the delimiter`);
}

/** How often `c` occurs in `line` outside double quotes. */
function countOutsideQuotes(line: string, c: string): number {
  let n = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === c) n++;
  }
  return n;
}

/**
 * The delimiter of a CSV text, from its first lines: among `,` `;` tab `|`, the one found on the
 * header that occurs equally often on every sampled line (most often wins; ties go to the
 * earlier in that list); else the one most frequent on the header; `,` when none occurs.
 * @param sample the start of the file (a few kB are enough)
 * @param comment the comment character, whose lines are not sampled
 * @example
 * detectDelimiter('a;b;c\n1,5;2;3\n'); // ';'
 */
export function detectDelimiter(sample: string, comment?: string): string {
  const lines = sample
    .split(/\r\n|\r|\n/, 21)
    .slice(0, 20)
    .filter((l) => /\S/.test(l) && (comment === undefined || !l.startsWith(comment)));
  // The last line of a sample may be cut short.
  const whole = lines.length > 2 ? lines.slice(0, -1) : lines;
  if (whole.length === 0) return ',';
  let best = ',';
  let bestCount = 0;
  let bestConsistent = false;
  for (const d of DELIMITERS) {
    const counts = whole.map((l) => countOutsideQuotes(l, d));
    const consistent = counts.every((c) => c === counts[0]);
    if (counts[0] === 0) continue;
    if ((consistent && !bestConsistent) || (consistent === bestConsistent && counts[0] > bestCount)) {
      best = d;
      bestCount = counts[0];
      bestConsistent = consistent;
    }
  }
  return best;
}

/**
 * The csv-parse options of every reader: fields as strings, ragged rows reported by us, lines
 * limited to {@link MAX_LINE_BYTES}.
 * @param delimiter the field delimiter
 * @param comment the comment character, if any
 * @example
 * csvParseOptions(';', '#');
 */
export function csvParseOptions(delimiter: string, comment?: string) {
  return {
    bom: false,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_LINE_BYTES,
    delimiter,
    ...(comment !== undefined ? { comment, comment_no_infix: true } : {}),
  };
}

/**
 * The error for a NUL character at `index` of `text`: text files have none, binary files and
 * UTF-16 without a byte-order mark do.
 * @param file the file's name in messages
 * @param line the line the NUL is on
 * @example
 * nulError('data.csv', 1).message; // "data.csv line 1: a NUL character, expected text …"
 */
export function nulError(file: string, line: number): InputError {
  return new InputError(
    `${file} line ${line}: a NUL character, expected text in UTF-8 (or UTF-16 with a byte-order mark); is it a binary file?`,
  );
}

// The ranks of deferred errors, most important first (a csv-parse error is thrown at once).
const HEADER = 1;
const RAGGED = 3;
const SINK_HEADER = 4;
const SINK_ROW = 5;

/** The rules of a scan, fed one parsed record at a time; see {@link createCsvScanner}. */
export interface CsvScanner {
  /** A record from csv-parse and the file line it ends on. */
  push(record: string[], endLine: number): void;
  /** The end of the input; `nonSpace`: whether it held anything but white space. */
  finish(nonSpace: boolean): CsvScan;
}

/** The first line of a record that ends on `end`: a quoted field may span lines. */
function startLine(record: readonly string[], end: number, previousEnd: number): number {
  let line = end;
  if (end - previousEnd > 1) {
    for (const f of record) if (f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) line -= f.match(/\r\n|\r|\n/g)!.length;
  }
  return line;
}

/** Why a header is unusable, or undefined. Some empty names (pandas' index column) are allowed. */
function headerError(names: readonly string[], file: string, line: number): InputError | undefined {
  // A header without a single name is no header (a line of spaces, a stray delimiter).
  if (names.every((n) => n === ''))
    return new InputError(`${file} line ${line}: column 1 of the header is empty, expected a name`);
  for (let i = 0; i < names.length; i++) {
    if (names[i] === '') continue;
    const first = names.indexOf(names[i]);
    if (first !== i) {
      return new InputError(
        `${file} line ${line}: column name '${names[i]}' appears twice (columns ${first + 1} and ${i + 1})`,
      );
    }
  }
  return undefined;
}

/**
 * The checks of a CSV scan, shared by the text and file readers so that both say the same thing.
 * @param file the file's name in messages
 * @param sink receives the header and the rows
 * @param lineBound an upper bound on the file's lines, asked for once the header is known
 * @example
 * const scanner = createCsvScanner('data.csv', sink, () => undefined);
 * scanner.push(['a', 'b'], 1);
 * scanner.push(['1', '2'], 2);
 * scanner.finish(true); // { file: 'data.csv', header: ['a', 'b'], rows: 1 }
 */
export function createCsvScanner(file: string, sink: CsvRowSink, lineBound: () => number | undefined): CsvScanner {
  let header: string[] | undefined;
  let headerLine = 0;
  let rows = 0;
  let previousEnd = 0;
  let deferred: { rank: number; error: InputError } | undefined;
  const defer = (rank: number, error: unknown) => {
    if (!(error instanceof InputError)) throw error;
    if (deferred === undefined || rank < deferred.rank) deferred = { rank, error };
  };
  const push = (record: string[], end: number) => {
    const line = startLine(record, end, previousEnd);
    previousEnd = end;
    if (header === undefined) {
      header = record.map((h) => h.trim());
      headerLine = line;
      const bad = headerError(header, file, line);
      if (bad) return defer(HEADER, bad);
      try {
        sink.header(header, { file, line, lineBound: lineBound() });
      } catch (err) {
        defer(SINK_HEADER, err);
      }
      return;
    }
    rows++;
    if (deferred !== undefined && deferred.rank <= RAGGED) return;
    if (record.length !== header.length) {
      const hint = /^\s*(#|\/\/)/.test(record[0])
        ? ` (a comment line? skip them with --comment '${record[0].trim()[0]}')`
        : '';
      return defer(
        RAGGED,
        new InputError(`${file} line ${line}: ${record.length} fields, header has ${header.length}${hint}`),
      );
    }
    if (deferred !== undefined) return;
    try {
      sink.row(record, line);
    } catch (err) {
      defer(SINK_ROW, err);
    }
  };
  const finish = (nonSpace: boolean): CsvScan => {
    if (!nonSpace || header === undefined) {
      throw new InputError(`${file}: the file is empty, expected a header line and data rows`);
    }
    if (deferred !== undefined && deferred.rank <= HEADER) throw deferred.error;
    if (rows === 0) {
      throw new InputError(
        `${file}: has a header but no data rows, expected at least one row after line ${headerLine}`,
      );
    }
    if (deferred !== undefined) throw deferred.error;
    return { file, header, rows };
  };
  return { push, finish };
}

/**
 * A csv-parse error as an InputError naming the file and line (other errors pass through).
 * @param file the file's name in messages
 * @param err what csv-parse threw or returned
 * @example
 * csvParseError('q.csv', err).message; // "q.csv line 2: Quote Not Closed: …"
 */
export function csvParseError(file: string, err: unknown): unknown {
  if (err instanceof InputError || !(err instanceof Error)) return err;
  const e = err as Error & { lines?: number; code?: string };
  if (e.code === 'CSV_MAX_RECORD_SIZE') {
    return new InputError(
      `${file} line ${e.lines}: longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB, the longest line backprop reads (is it a CSV file?)`,
    );
  }
  // csv-parse messages already say what went wrong ("Quote Not Closed: …"); keep them to one line.
  return new InputError(`${file}${e.lines ? ` line ${e.lines}` : ''}: ${e.message.split('\n')[0]}`);
}

/**
 * Scans CSV text already in memory, handing the header and each data row to `sink`.
 * @param text the file's contents (a leading byte-order mark is ignored)
 * @param file the file's name in messages
 * @param sink receives the header and the rows
 * @param dialect the delimiter (default: detected) and comment character
 * @example
 * scanCsvText('a,b\n1,2\n', 'data.csv', { header() {}, row(fields, line) { console.log(line, fields); } });
 */
export function scanCsvText(text: string, file: string, sink: CsvRowSink, dialect: CsvDialect = {}): CsvScan {
  checkDialect(dialect);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const nul = body.indexOf('\0');
  if (nul >= 0) throw nulError(file, (body.slice(0, nul).match(/\r\n|\r|\n/g)?.length ?? 0) + 1);
  const delimiter = dialect.delimiter ?? detectDelimiter(body.slice(0, 65536), dialect.comment);
  const scanner = createCsvScanner(file, sink, () => undefined);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(body, { ...csvParseOptions(delimiter, dialect.comment), info: true }) as unknown as typeof records;
  } catch (err) {
    throw csvParseError(file, err);
  }
  for (const { record, info } of records) scanner.push(record, info.lines);
  return scanner.finish(/\S/.test(body));
}

/**
 * Parses CSV text into a table of strings. Blank lines are skipped; every row must have as many
 * fields as the header; errors name the file and line. The delimiter is detected among `,` `;`
 * tab `|` unless the dialect names it.
 * @param text the file's contents
 * @param file the file's name in error messages
 * @param dialect the delimiter (default: detected) and comment character
 * @example
 * const table = parseCsv('x,y\n1.5,0\n2.5,1\n', 'data.csv');
 * table.header; // ['x', 'y']
 * table.lines;  // [2, 3]
 * parseCsv('# made by hand\nx;y\n1,5;0\n', 'eu.csv', { comment: '#' }).header; // ['x', 'y']
 */
export function parseCsv(text: string, file: string, dialect: CsvDialect = {}): Table {
  const rows: string[][] = [];
  const lines: number[] = [];
  const { header } = scanCsvText(
    text,
    file,
    {
      header() {},
      row(fields, line) {
        rows.push(fields);
        lines.push(line);
      },
    },
    dialect,
  );
  return { file, header, rows, lines };
}

/**
 * A table from rows already split into fields (a spreadsheet grid, a form), checked by the same
 * rules as CSV text: a header of distinct, non-empty names and rows as wide as the header. The
 * header is line 1 and row i is line i + 2 in messages.
 * @param header the column names
 * @param rows the data rows, as strings
 * @param file the table's name in messages
 * @example
 * const table = tableFromRows(['x', 'y'], [['1.5', '0'], ['2.5', '1']], 'grid');
 */
export function tableFromRows(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  file = 'the table',
): Table {
  const kept: string[][] = [];
  const lines: number[] = [];
  const scanner = createCsvScanner(
    file,
    {
      header() {},
      row(fields, line) {
        kept.push(fields);
        lines.push(line);
      },
    },
    () => undefined,
  );
  [header, ...rows].forEach((record, i) => scanner.push([...record], i + 1));
  const scan = scanner.finish([header, ...rows].some((r) => r.some((f) => /\S/.test(f))));
  return { file, header: scan.header, rows: kept, lines };
}

/**
 * The encoding a byte-order mark announces and the mark's length: UTF-8 (or none), UTF-16 LE or
 * BE; UTF-32, and UTF-16 without a mark (a NUL in the first two bytes), are refused by name.
 * @param chunk the first bytes of the file (4 or more unless the file is shorter)
 * @param file the file's name in messages
 * @example
 * encodingOf(Uint8Array.of(0xff, 0xfe, 0x61, 0), 'data.csv'); // { encoding: 'utf-16le', bom: 2 }
 */
export function encodingOf(
  chunk: Uint8Array,
  file: string,
): { encoding: 'utf-8' | 'utf-16le' | 'utf-16be'; bom: number } {
  const [a, b, c, d] = chunk;
  if (a === 0xef && b === 0xbb && c === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if ((a === 0xff && b === 0xfe && c === 0 && d === 0) || (a === 0 && b === 0 && c === 0xfe && d === 0xff))
    throw new InputError(`${file}: the file is UTF-32, expected UTF-8 or UTF-16 (save it as UTF-8)`);
  if (a === 0xff && b === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (a === 0xfe && b === 0xff) return { encoding: 'utf-16be', bom: 2 };
  if (chunk.length >= 2 && ((a !== 0 && b === 0) || (a === 0 && b !== 0)))
    throw new InputError(
      `${file}: looks like UTF-16 without a byte-order mark, expected UTF-8 or UTF-16 with one (save it as UTF-8)`,
    );
  return { encoding: 'utf-8', bom: 0 };
}

/**
 * The text of a CSV file's bytes, as the file readers decode them: UTF-8 with or without a
 * byte-order mark, UTF-16 with one. For the browser, where a File's `text()` assumes UTF-8.
 * @param bytes the file's contents
 * @param file the file's name in messages
 * @example
 * const text = decodeCsvBytes(new Uint8Array(await file.arrayBuffer()), file.name);
 * const table = parseCsv(text, file.name);
 */
export function decodeCsvBytes(bytes: Uint8Array, file: string): string {
  const { encoding, bom } = encodingOf(bytes, file);
  return new TextDecoder(encoding).decode(bytes.subarray(bom));
}
