/**
 * Reading a CSV file into a table of strings, keeping each row's line number so that later
 * errors (a non-numeric cell, an unknown label) can point at the exact line of the file.
 * Parsing itself (quotes, CRLF, a byte-order mark) is csv-parse's job.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
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

/** Reads a whole text file (or stdin for `-`), turning I/O failures into {@link InputError}s. */
export function readText(path: string): string {
  const name = displayName(path);
  try {
    return readFileSync(path === STDIN ? 0 : path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${name}: no such file`);
    if (code === 'EISDIR') throw new InputError(`${name}: is a directory, expected a file`);
    if (code === 'EACCES') throw new InputError(`${name}: permission denied`);
    throw new InputError(`${name}: cannot be read (${(err as Error).message})`);
  }
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

/**
 * Parses CSV text. Blank lines are skipped; every row must have as many fields as the header.
 * @param text the file's contents
 * @param file the file's name in error messages
 */
export function parseCsv(text: string, file: string): Table {
  if (text.replace(/^\uFEFF/, '').trim() === '') {
    throw new InputError(`${file}: the file is empty, expected a header line and data rows`);
  }
  let records: ParsedRecord[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as ParsedRecord[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    // csv-parse messages already say what went wrong ("Quote Not Closed: …"); keep them to one line.
    throw new InputError(`${file}${e.lines ? ` line ${e.lines}` : ''}: ${e.message.split('\n')[0]}`);
  }
  // csv-parse reports the line a record ENDS on; a quoted field may span lines, so step back.
  const startLine = (r: ParsedRecord) =>
    r.info.lines - r.record.reduce((n, f) => n + (f.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
  const header = records[0].record.map((h) => h.trim());
  header.forEach((name, i) => {
    if (name === '')
      throw new InputError(
        `${file} line ${startLine(records[0])}: column ${i + 1} of the header is empty, expected a name`,
      );
    const first = header.indexOf(name);
    if (first !== i)
      throw new InputError(
        `${file} line ${startLine(records[0])}: column name '${name}' appears twice (columns ${first + 1} and ${i + 1})`,
      );
  });
  if (records.length === 1) {
    throw new InputError(
      `${file}: has a header but no data rows, expected at least one row after line ${startLine(records[0])}`,
    );
  }
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const r of records.slice(1)) {
    const line = startLine(r);
    if (r.record.length !== header.length) {
      throw new InputError(`${file} line ${line}: ${r.record.length} fields, header has ${header.length}`);
    }
    rows.push(r.record);
    lines.push(line);
  }
  return { file, header, rows, lines };
}

/** Reads and parses a CSV file; `-` reads standard input. */
export function readCsv(path: string): Table {
  return parseCsv(readText(path), displayName(path));
}
