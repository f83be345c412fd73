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
import type { AnyMatrix, Matrix32 } from '../core/matrix.js';
import {
  type CsvDialect,
  type CsvRowSink,
  type CsvScan,
  checkDialect,
  createCsvScanner,
  csvParseError,
  csvParseOptions,
  detectDelimiter,
  encodingOf,
  nulError,
  type Table,
} from '../data/csv.js';
import { type ExampleOptionsFor, type Examples, ExamplesSink } from '../data/examples.js';
import { InputError } from '../data/input-error.js';
import type { FitDtype } from '../train/fit.js';

/** The name `-` stands for standard input. */
export const STDIN = '-';

/**
 * How a path is named in messages.
 * @param path a path, or - for stdin
 * @example
 * displayName('-'); // '<stdin>'
 */
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

/**
 * Reads a whole text file (or stdin for `-`), turning I/O failures into {@link InputError}s.
 * @param path the file, or - for stdin
 * @example
 * const text = readText('model.json');
 */
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

/**
 * Told, after each chunk read, how many bytes of the file have been read and how large it is
 * (undefined for stdin or a pipe): for a progress bar while a large file loads.
 */
export type ReadProgress = (bytesRead: number, fileBytes: number | undefined) => void;
const LF = 0x0a;
const CR = 0x0d;

function countByte(buf: Buffer, byte: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte); i >= 0; i = buf.indexOf(byte, i + 1)) n++;
  return n;
}

function openSource(path: string, onRead?: ReadProgress): ByteSource {
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
  // Two buffers taken in turn rather than one per chunk: a megabyte of garbage per chunk kept a
  // few dozen of them alive between collections. csv-parse may hold a view of the previous
  // chunk (an unfinished record) until it has joined it to the next one, never longer.
  const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let turn = 0;
  let bytesRead = 0;
  const fileBytes = onRead && owned && fstatSync(fd).isFile() ? fstatSync(fd).size : undefined;
  return {
    read() {
      const buf = buffers[turn];
      turn ^= 1;
      const n = read(buf, null);
      bytesRead += n;
      onRead?.(bytesRead, fileBytes);
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

/** The part of csv-parse that parses one chunk after another. */
interface IncrementalApi {
  parse(buf: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
  /** The bytes kept back from the last chunk (to see what follows them), joined to the next. */
  state: { previousBuf: Buffer | undefined };
}

/**
 * `chunk` after the bytes csv-parse kept back from the one before, taken from its state. Left to
 * itself, csv-parse joins them with a new buffer of both for every chunk: a megabyte of garbage
 * per chunk, ~40 MB of a large file's held until V8 next collects external memory. Here two
 * buffers are used in turn (the kept-back bytes are a view of the last one); the parser sees the
 * same bytes.
 */
function chunkJoiner(state: IncrementalApi['state']): (chunk: Buffer) => Buffer {
  const joined = [Buffer.alloc(0), Buffer.alloc(0)];
  let turn = 0;
  return (chunk) => {
    const kept = state.previousBuf;
    if (kept === undefined) return chunk;
    state.previousBuf = undefined;
    const need = kept.length + chunk.length;
    if (joined[turn].length < need) joined[turn] = Buffer.allocUnsafe(Math.max(need, CHUNK + 4096));
    const buf = joined[turn].subarray(0, need);
    turn ^= 1;
    kept.copy(buf, 0);
    chunk.copy(buf, kept.length);
    return buf;
  };
}

/**
 * csv-parse's incremental parser, driven synchronously: the stream `Parser` keeps its state
 * machine in `api`, whose `parse(chunk, end, push, close)` its `_transform` calls for each chunk.
 * Using it directly keeps loading synchronous and avoids a stream per record.
 */
function incrementalParser(options: object): { api: IncrementalApi; info: { readonly lines: number } } {
  const parser = new Parser(options) as Parser & { api?: IncrementalApi };
  if (typeof parser.api?.parse !== 'function' || typeof parser.api.state !== 'object') {
    throw new Error('csv-parse: this version has no incremental parser (Parser.api.parse); backprop needs csv-parse 6');
  }
  return { api: parser.api, info: parser.info };
}

const NONSPACE = /\S/;

/** The first chunk of a source, at least 4 bytes unless the source is shorter. */
function firstChunk(source: ByteSource): Buffer | undefined {
  let chunk = source.read();
  while (chunk !== undefined && chunk.length < 4) {
    const more = source.read();
    if (more === undefined) break;
    chunk = Buffer.concat([chunk, more]);
  }
  return chunk;
}

/**
 * The source's chunks as UTF-8 bytes without a byte-order mark, a NUL refused with its line.
 * UTF-16 is decoded (a character split across chunks is kept whole).
 */
function* utf8Chunks(source: ByteSource, file: string): Generator<Buffer> {
  const first = firstChunk(source);
  if (first === undefined) return;
  const { encoding, bom } = encodingOf(first, file);
  const decoder = encoding === 'utf-8' ? undefined : new TextDecoder(encoding);
  let line = 1;
  const checked = (buf: Buffer): Buffer => {
    const nul = buf.indexOf(0);
    if (nul >= 0) throw nulError(file, line + countByte(buf.subarray(0, nul), LF));
    line += countByte(buf, LF);
    return buf;
  };
  let chunk: Buffer | undefined = first.subarray(bom);
  for (; chunk !== undefined; chunk = source.read()) {
    yield checked(decoder ? Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8') : chunk);
  }
  if (decoder) {
    const rest = decoder.decode();
    if (rest !== '') yield checked(Buffer.from(rest, 'utf8'));
  }
}

function scan(source: ByteSource, file: string, sink: CsvRowSink, dialect: CsvDialect): CsvScan {
  try {
    checkDialect(dialect);
    const chunks = utf8Chunks(source, file);
    const first = chunks.next();
    const head = first.done ? '' : first.value.toString('utf8', 0, Math.min(first.value.length, 65536));
    const delimiter = dialect.delimiter ?? detectDelimiter(head, dialect.comment);
    const { api, info } = incrementalParser(csvParseOptions(delimiter, dialect.comment));
    const scanner = createCsvScanner(file, sink, () => source.lineBound());
    const push = (record: string[]) => scanner.push(record, info.lines);
    const join = chunkJoiner(api.state);
    const parse = (chunk: Buffer | undefined, end: boolean) => {
      let err: unknown;
      try {
        err = api.parse(chunk && join(chunk), end, push, () => {});
      } catch (e) {
        err = e;
      }
      if (err !== undefined) throw csvParseError(file, err);
    };
    let nonSpace = false;
    const decoder = new StringDecoder('utf8');
    if (!first.done) {
      for (let r: IteratorResult<Buffer> = first; !r.done; r = chunks.next()) {
        if (!nonSpace) nonSpace = NONSPACE.test(decoder.write(r.value));
        parse(r.value, false);
      }
    }
    if (!nonSpace) nonSpace = NONSPACE.test(decoder.end());
    parse(undefined, true);
    return scanner.finish(nonSpace);
  } finally {
    source.close();
  }
}

/**
 * Streams a CSV file (or stdin for `-`) through csv-parse, handing the header and each data row
 * to `sink`. Blank lines are skipped; every row must have as many fields as the header. UTF-8
 * (with or without a byte-order mark) and UTF-16 with one are read; the delimiter is detected
 * unless given.
 * @param path the file, or - for stdin
 * @param sink receives the header and the rows
 * @param dialect the delimiter (default: detected among `,` `;` tab `|`) and comment character
 * @param onRead told how far the reading has got after each chunk
 * @example
 * scanCsv('big.csv', { header(h) {}, row(fields, line) {} });
 */
export function scanCsv(path: string, sink: CsvRowSink, dialect: CsvDialect = {}, onRead?: ReadProgress): CsvScan {
  return scan(openSource(path, onRead), displayName(path), sink, dialect);
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
 * Reads and parses a CSV file into a table of strings; `-` reads standard input.
 * @param path the file, or - for stdin
 * @param dialect the delimiter (default: detected among `,` `;` tab `|`) and comment character
 * @example
 * const table = readCsv('data/iris.csv'); // { file, header, rows, lines }
 * const eu = readCsv('export.csv', { delimiter: ';', comment: '#' });
 */
export function readCsv(path: string, dialect: CsvDialect = {}): Table {
  const sink = tableSink();
  const { header, file } = scanCsv(path, sink, dialect);
  return { file, header, rows: sink.rows, lines: sink.lines };
}

/**
 * Reads a CSV file (or stdin for `-`) straight into {@link Examples}, row by row: the feature
 * cells go into a Float64Array (a Float32Array with dtype `'float32'`, each value rounded to
 * float32) as they are parsed and the target column is kept as class ids (or numbers), so the
 * file never exists as a table of strings. The result, and every error and the order errors are
 * reported in, are those of `tableToExamples(readCsv(path), options)` (in float64).
 * @param path the CSV file, `-` for stdin
 * @param options the target and feature columns and the label mapping, or a function choosing them from the header
 * @param dialect the delimiter (default: detected among `,` `;` tab `|`) and comment character
 * @param dtype the features' type (default float64)
 * @param onRead told how far the reading has got after each chunk
 * @example
 * const data = readExamples('data/iris.csv', { target: 'species' });
 * const data32 = readExamples('big.csv', {}, {}, 'float32'); // data32.x.data is a Float32Array
 */
export function readExamples(
  path: string,
  options?: ExampleOptionsFor,
  dialect?: CsvDialect,
  dtype?: 'float64',
  onRead?: ReadProgress,
): Examples;
export function readExamples(
  path: string,
  options: ExampleOptionsFor,
  dialect: CsvDialect,
  dtype: 'float32',
  onRead?: ReadProgress,
): Examples<Matrix32>;
export function readExamples(
  path: string,
  options: ExampleOptionsFor,
  dialect: CsvDialect,
  dtype: FitDtype,
  onRead?: ReadProgress,
): Examples<AnyMatrix>;
export function readExamples(
  path: string,
  options: ExampleOptionsFor = {},
  dialect: CsvDialect = {},
  dtype: FitDtype = 'float64',
  onRead?: ReadProgress,
): Examples<AnyMatrix> {
  const sink = new ExamplesSink(options, dtype);
  const scan = scanCsv(path, sink, dialect, onRead);
  return sink.finish(scan.file, scan.rows);
}
