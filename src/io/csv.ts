/**
 * Reading CSV files row by row, keeping each row's line number so that later errors (a
 * non-numeric cell, an unknown label) can point at the exact line of the file. Parsing itself
 * (quotes, CRLF) is csv-parse's job; the file is fed to it in chunks, so that a large file never
 * sits in memory as one string or as a table of strings unless the caller asks for a
 * {@link Table}.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { Parser } from 'csv-parse';
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

/** The name `-` stands for standard input. */
export const STDIN = '-';

/** How a path is named in messages. */
export function displayName(path: string): string {
  return path === STDIN ? '<stdin>' : path;
}

function ioError(name: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(`${name}: no such file`);
  if (code === 'EISDIR') return new InputError(`${name}: is a directory, expected a file`);
  if (code === 'EACCES') return new InputError(`${name}: permission denied`);
  return new InputError(`${name}: cannot be read (${(err as Error).message})`);
}

/** Reads a whole text file (or stdin for `-`), turning I/O failures into {@link InputError}s. */
export function readText(path: string): string {
  try {
    return readFileSync(path === STDIN ? 0 : path, 'utf8');
  } catch (err) {
    throw ioError(displayName(path), err);
  }
}

/** Where the bytes come from: a file or stdin read in chunks, or bytes already in memory. */
interface ByteSource {
  /** The next chunk, or undefined at the end. */
  read(): Buffer | undefined;
  close(): void;
  /** For a regular file: an upper bound on its number of lines (for preallocation), else undefined. */
  lineBound(): number | undefined;
}

const CHUNK = 1 << 20;
const LF = 0x0a;
const CR = 0x0d;

function countByte(buf: Buffer, byte: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte); i >= 0; i = buf.indexOf(byte, i + 1)) n++;
  return n;
}

function openSource(path: string): ByteSource {
  const name = displayName(path);
  let fd: number;
  let owned = false;
  try {
    if (path === STDIN) fd = 0;
    else {
      fd = openSync(path, 'r');
      owned = true;
      if (fstatSync(fd).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
  } catch (err) {
    if (owned) closeSync(fd!);
    throw ioError(name, err);
  }
  const read = (into: Buffer, position: number | null): number => {
    for (;;) {
      try {
        return readSync(fd, into, 0, into.length, position);
      } catch (err) {
        // A non-blocking stdin (a terminal, some pipes) says "try again" rather than wait.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw ioError(name, err);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
    }
  };
  return {
    read() {
      const buf = Buffer.allocUnsafe(CHUNK);
      const n = read(buf, null);
      return n === 0 ? undefined : buf.subarray(0, n);
    },
    close() {
      if (owned) closeSync(fd);
    },
    lineBound() {
      if (!owned || !fstatSync(fd).isFile()) return undefined;
      // One quick pass over the file: records ≤ line breaks + 1, whatever the line ending.
      const buf = Buffer.allocUnsafe(CHUNK);
      let lf = 0;
      let cr = 0;
      for (let at = 0, n = read(buf, at); n > 0; at += n, n = read(buf, at)) {
        const part = n === buf.length ? buf : buf.subarray(0, n);
        lf += countByte(part, LF);
        cr += countByte(part, CR);
      }
      return Math.max(lf, cr) + 1;
    },
  };
}

function textSource(text: string): ByteSource {
  // Chunked like a file, so that text and files take the same path.
  const bytes = Buffer.from(text);
  let at = 0;
  return {
    read() {
      if (at >= bytes.length) return undefined;
      const chunk = bytes.subarray(at, at + CHUNK);
      at += chunk.length;
      return chunk;
    },
    close() {},
    lineBound: () => undefined,
  };
}

/**
 * What a caller of {@link scanCsv} does with the rows. Errors it throws (InputErrors) are
 * reported in the same order as if the whole file had been parsed first: a malformed file or a
 * ragged row anywhere wins over a header the caller rejects, which wins over a bad cell.
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

// The ranks of deferred errors, most important first (a csv-parse error is thrown at once).
const HEADER = 1;
const RAGGED = 3;
const SINK_HEADER = 4;
const SINK_ROW = 5;

/** The part of csv-parse that parses one chunk after another. */
interface IncrementalApi {
  parse(buf: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
}

/**
 * csv-parse's incremental parser, driven synchronously: the stream `Parser` keeps its state
 * machine in `api`, whose `parse(chunk, end, push, close)` its `_transform` calls for each chunk.
 * Using it directly keeps loading synchronous and avoids a stream per record.
 */
function incrementalParser(): { api: IncrementalApi; info: { readonly lines: number } } {
  const parser = new Parser({ bom: false, relax_column_count: true, skip_empty_lines: true }) as Parser & {
    api?: IncrementalApi;
  };
  if (typeof parser.api?.parse !== 'function') {
    throw new Error('csv-parse: this version has no incremental parser (Parser.api.parse); backprop needs csv-parse 6');
  }
  return { api: parser.api, info: parser.info };
}

const NONSPACE = /\S/;

function scan(source: ByteSource, file: string, sink: CsvRowSink): CsvScan {
  const { api, info } = incrementalParser();
  let header: string[] | undefined;
  let headerLine = 0;
  let rows = 0;
  let prevEnd = 0;
  let deferred: { rank: number; error: InputError } | undefined;
  const defer = (rank: number, error: unknown) => {
    if (!(error instanceof InputError)) throw error;
    if (deferred === undefined || rank < deferred.rank) deferred = { rank, error };
  };

  const push = (record: string[]) => {
    // csv-parse's line counter stands on the line the record ENDS on; a quoted field may span
    // lines, so step back over the line breaks inside the fields (only when there can be any).
    const end = info.lines;
    let line = end;
    if (end - prevEnd > 1) {
      for (const f of record) if (f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) line -= f.match(/\r\n|\r|\n/g)!.length;
    }
    prevEnd = end;
    if (header === undefined) {
      header = record.map((h) => h.trim());
      headerLine = line;
      const names = header;
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        if (name === '') {
          defer(
            HEADER,
            new InputError(`${file} line ${line}: column ${i + 1} of the header is empty, expected a name`),
          );
          return;
        }
        const first = names.indexOf(name);
        if (first !== i) {
          defer(
            HEADER,
            new InputError(
              `${file} line ${line}: column name '${name}' appears twice (columns ${first + 1} and ${i + 1})`,
            ),
          );
          return;
        }
      }
      try {
        sink.header(names, { file, line, lineBound: source.lineBound() });
      } catch (err) {
        defer(SINK_HEADER, err);
      }
      return;
    }
    rows++;
    if (deferred !== undefined && deferred.rank <= RAGGED) return;
    if (record.length !== header.length) {
      defer(RAGGED, new InputError(`${file} line ${line}: ${record.length} fields, header has ${header.length}`));
      return;
    }
    if (deferred !== undefined) return;
    try {
      sink.row(record, line);
    } catch (err) {
      defer(SINK_ROW, err);
    }
  };
  const close = () => {};
  const parse = (chunk: Buffer | undefined, end: boolean) => {
    let err: Error | undefined;
    try {
      err = api.parse(chunk, end, push, close);
    } catch (e) {
      if (e instanceof InputError || !(e instanceof Error)) throw e;
      err = e;
    }
    if (err !== undefined) {
      const e = err as Error & { lines?: number };
      // csv-parse messages already say what went wrong ("Quote Not Closed: …"); keep them to one line.
      throw new InputError(`${file}${e.lines ? ` line ${e.lines}` : ''}: ${e.message.split('\n')[0]}`);
    }
  };

  let nonSpace = false;
  const decoder = new StringDecoder('utf8');
  try {
    let chunk = source.read();
    // A UTF-8 byte-order mark at the very start is not part of the first column's name.
    while (chunk !== undefined && chunk.length < 3) {
      const more = source.read();
      if (more === undefined) break;
      chunk = Buffer.concat([chunk, more]);
    }
    if (chunk !== undefined && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    for (; chunk !== undefined; chunk = source.read()) {
      if (!nonSpace) nonSpace = NONSPACE.test(decoder.write(chunk));
      parse(chunk, false);
    }
    if (!nonSpace) nonSpace = NONSPACE.test(decoder.end());
    parse(undefined, true);
  } finally {
    source.close();
  }
  if (!nonSpace || header === undefined) throw emptyError(file);
  if (deferred !== undefined && deferred.rank <= HEADER) throw deferred.error;
  if (rows === 0) {
    throw new InputError(`${file}: has a header but no data rows, expected at least one row after line ${headerLine}`);
  }
  if (deferred !== undefined) throw deferred.error;
  return { file, header, rows };
}

function emptyError(file: string): InputError {
  return new InputError(`${file}: the file is empty, expected a header line and data rows`);
}

/**
 * Streams a CSV file (or stdin for `-`) through csv-parse, handing the header and each data row
 * to `sink`. Blank lines are skipped; every row must have as many fields as the header.
 */
export function scanCsv(path: string, sink: CsvRowSink): CsvScan {
  return scan(openSource(path), displayName(path), sink);
}

/** {@link scanCsv} over text already in memory; `file` names it in messages. */
export function scanCsvText(text: string, file: string, sink: CsvRowSink): CsvScan {
  return scan(textSource(text), file, sink);
}

function tableSink(): CsvRowSink & { rows: string[][]; lines: number[] } {
  const rows: string[][] = [];
  const lines: number[] = [];
  return {
    rows,
    lines,
    header() {},
    row(fields, line) {
      rows.push(fields);
      lines.push(line);
    },
  };
}

/**
 * Parses CSV text into a table. Blank lines are skipped; every row must have as many fields as the header.
 * @param text the file's contents
 * @param file the file's name in error messages
 */
export function parseCsv(text: string, file: string): Table {
  const sink = tableSink();
  const { header } = scanCsvText(text, file, sink);
  return { file, header, rows: sink.rows, lines: sink.lines };
}

/** Reads and parses a CSV file into a table of strings; `-` reads standard input. */
export function readCsv(path: string): Table {
  const sink = tableSink();
  const { header, file } = scanCsv(path, sink);
  return { file, header, rows: sink.rows, lines: sink.lines };
}
