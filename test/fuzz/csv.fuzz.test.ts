/**
 * Property-based tests of the CSV readers (issue 9.7): generated and mutated CSV text through the
 * in-memory parser (parseCsv, csvTextToExamples) and the same bytes through the streaming file
 * reader (readCsv, readExamples). Each gives a table or a typed error with a message, and both
 * readers give the same answer for the same UTF-8 text.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { BackpropError } from '../../src/core/errors.js';
import { parseCsv } from '../../src/data/csv.js';
import { csvTextToExamples } from '../../src/data/examples.js';
import { readCsv, readExamples } from '../../src/node/csv-file.js';
import { tempDir } from '../cli/run-cli.js';
import { check, outcome, printCounts } from './fuzz-helpers.js';

const SEED = 20261130;
const TEXT_RUNS = 5000;
const FILE_RUNS = 2000;

/** The characters CSV parsing turns on, and some that it must not choke on. */
const TOKENS = [
  ',',
  ';',
  '\t',
  '|',
  '"',
  '\n',
  '\r\n',
  '\r',
  '#',
  ' ',
  '0',
  '1',
  '-1.5',
  'e3',
  'x',
  'id',
  '\uFEFF',
  'é',
  '\u0000',
  '😀',
  '',
];

/** Text from CSV's own alphabet. */
const tokenText = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join(''));

/** A well-formed numeric table with a label column, under any of the four delimiters. */
const table = fc
  .record({
    cols: fc.integer({ min: 1, max: 5 }),
    rows: fc.array(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 6, maxLength: 6 }), {
      minLength: 1,
      maxLength: 12,
    }),
    delimiter: fc.constantFrom(',', ';', '\t', '|'),
    crlf: fc.boolean(),
  })
  .map(({ cols, rows, delimiter, crlf }) => {
    const header = [...Array.from({ length: cols }, (_, i) => `f${i}`), 'y'];
    const lines = rows.map((r) => [...r.slice(0, cols).map(String), String(Math.abs(Math.round(r[5])) % 2)]);
    return [header, ...lines].map((l) => l.join(delimiter)).join(crlf ? '\r\n' : '\n');
  });

/** A table with a few random edits: characters inserted, deleted or replaced. */
const mutated = fc
  .tuple(table, fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...TOKENS)), { maxLength: 4 }))
  .map(([text, edits]) => {
    let t = text;
    for (const [at, kind, token] of edits) {
      const i = at % (t.length + 1);
      if (kind === 0) t = t.slice(0, i) + token + t.slice(i);
      else if (kind === 1) t = t.slice(0, i) + t.slice(i + 1);
      else if (kind === 2) t = t.slice(0, i) + token + t.slice(i + 1);
      else t = t.slice(0, i); // truncated
    }
    return t;
  });

const csvText = fc.oneof(tokenText, table, mutated, fc.string({ maxLength: 80, unit: 'binary' }));

/** What a reader said, in a form two readers can be compared by. */
function said(r: unknown): unknown {
  return r instanceof BackpropError ? `error: ${r.message}` : r;
}

const dir = tempDir();
let fileNo = 0;
function file(bytes: Buffer | string): string {
  const path = join(dir, `f${fileNo++ % 16}.csv`);
  writeFileSync(path, bytes);
  return path;
}

describe('fuzz: CSV readers (issue 9.7)', () => {
  afterAll(() => printCounts('CSV fuzz'));

  it('the text parser: a table or a typed error, for any text', () => {
    fc.assert(
      fc.property(csvText, fc.boolean(), (text, comment) => {
        const dialect = comment ? { comment: '#' } : {};
        const t = outcome('parseCsv', () => parseCsv(text, 'f.csv', dialect));
        if (!(t instanceof BackpropError)) {
          check(t.rows.length === t.lines.length, 'a line per row');
          check(
            t.rows.every((r) => r.length === t.header.length),
            'rows as wide as the header',
          );
        }
        outcome('csvTextToExamples', () => csvTextToExamples(text, 'f.csv', {}, dialect));
      }),
      { numRuns: TEXT_RUNS, seed: SEED },
    );
  });

  it('the streaming reader agrees with the text parser on UTF-8 text', () => {
    fc.assert(
      fc.property(csvText, (text) => {
        const path = file(text);
        const streamed = outcome('readCsv', () => readCsv(path));
        const parsed = outcome('parseCsv', () => parseCsv(text, path));
        const a = said(streamed);
        const b = said(parsed);
        if (typeof a === 'string' || typeof b === 'string') check(typeof a === typeof b, `${a} but ${b}`);
        else check(JSON.stringify(a) === JSON.stringify(b), `the readers differ on ${JSON.stringify(text)}`);
      }),
      { numRuns: FILE_RUNS, seed: SEED },
    );
  });

  it('the streaming reader: a table or a typed error, for any bytes (BOMs, UTF-16, NUL, invalid UTF-8)', () => {
    const boms = [[], [0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], [0xff, 0xfe, 0, 0]];
    fc.assert(
      fc.property(
        fc.constantFrom(...boms),
        fc.oneof(
          csvText.map((t) => Buffer.from(t)),
          csvText.map((t) => Buffer.from(t, 'utf16le')),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        ),
        (bom, body) => {
          const path = file(Buffer.concat([Buffer.from(bom), body]));
          outcome('readCsv bytes', () => readCsv(path));
          outcome('readExamples bytes', () => readExamples(path));
        },
      ),
      { numRuns: FILE_RUNS, seed: SEED },
    );
  });
});
