/**
 * The streaming loader (readExamples, and readCsv on top of the same scanner) against the
 * loader it replaced: the whole text through csv-parse's sync API into a table of strings, then
 * tableToExamples. Files are large enough (several MB) to be read in several chunks.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/random.js';
import { parseCsv, type Table } from '../../src/data/csv.js';
import { csvTextToExamples, type ExampleOptions, isDecimal, tableToExamples } from '../../src/data/examples.js';
import { InputError } from '../../src/data/input-error.js';
import { readCsv, readExamples } from '../../src/node/csv-file.js';

const REPO = join(import.meta.dirname, '..', '..');

/** The old parseCsv, verbatim but for names: the reference the streaming path must equal. */
function referenceTable(text: string, file: string): Table {
  if (text.replace(/^\uFEFF/, '').trim() === '') {
    throw new InputError(`${file}: the file is empty, expected a header line and data rows`);
  }
  type ParsedRecord = { record: string[]; info: { lines: number } };
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
    throw new InputError(`${file}${e.lines ? ` line ${e.lines}` : ''}: ${e.message.split('\n')[0]}`);
  }
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

function errorOf(f: () => unknown): Error | undefined {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

/** The old loader's result or error, and the new one's, for the same text. */
function both(text: string, options: ExampleOptions = {}) {
  let expected: unknown;
  try {
    expected = tableToExamples(referenceTable(text, 'g.csv'), options);
  } catch (e) {
    expected = e;
  }
  let actual: unknown;
  try {
    actual = csvTextToExamples(text, 'g.csv', options);
  } catch (e) {
    actual = e;
  }
  return { expected, actual };
}

function expectSame(text: string, options: ExampleOptions = {}) {
  const { expected, actual } = both(text, options);
  if (expected instanceof Error) {
    expect(actual).toBeInstanceOf(InputError);
    expect((actual as Error).message).toBe(expected.message);
  } else {
    expect(actual).toEqual(expected);
  }
  return actual;
}

/** The error both loaders give (checked to be the same). */
const sameError = (text: string, options: ExampleOptions = {}) => (expectSame(text, options) as Error).message;

interface GenOptions {
  rows?: number;
  eol?: '\n' | '\r\n';
  bom?: boolean;
  /** Every this many rows, a quoted label field spanning two lines (in a non-feature column). */
  multiline?: number;
  classes?: string[];
}

/** A seeded CSV: f1..f8 (numbers written in assorted decimal forms), a note column, a label. */
function generate(o: GenOptions = {}): string {
  const rows = o.rows ?? 50_000;
  const eol = o.eol ?? '\n';
  const classes = o.classes ?? ['0', '1'];
  const rng = createRandom(7);
  const forms = [
    (v: number) => v.toFixed(6),
    (v: number) => v.toExponential(3),
    (v: number) => String(Math.round(v * 100)),
    (v: number) => ` ${v.toFixed(2)} `,
    (v: number) => (v < 0 ? v.toFixed(3) : `+${v.toFixed(3)}`),
  ];
  const out: string[] = [`${o.bom ? '\uFEFF' : ''}f1,f2,f3,f4,f5,f6,f7,f8,note,label`];
  for (let i = 0; i < rows; i++) {
    const cells: string[] = [];
    for (let j = 0; j < 8; j++) cells.push(forms[(i + j) % forms.length](rng.normal() * 10));
    const note = o.multiline && i % o.multiline === 0 ? `"line one${eol}line ""two"", with comma"` : `n${i % 13}`;
    cells.push(note, classes[Math.floor(rng.next() * classes.length)]);
    out.push(cells.join(','));
    if (i % 4_999 === 0) out.push(''); // a blank line now and then
  }
  return out.join(eol) + eol;
}

const features = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8'];

/** The text with the cell of `column` on the data row starting at file line `line` replaced. */
function withCell(text: string, line: number, column: number, value: string): string {
  const lines = text.split('\n');
  const cells = lines[line - 1].split(',');
  cells[column] = value;
  lines[line - 1] = cells.join(',');
  return lines.join('\n');
}

describe('readExamples: streaming equals the old whole-file loader', () => {
  const plain = generate();

  it('a 50k-row CSV (several chunks) gives exactly the same x, y, labels and lines', () => {
    expect(plain.length).toBeGreaterThan(3 << 20);
    const ex = expectSame(plain, { features }) as ReturnType<typeof readExamples>;
    expect(ex.x.rows).toBe(50_000);
    expect(ex.x.cols).toBe(8);
    expect(ex.labels).toEqual({ kind: 'binary', classes: ['0', '1'] });
    // The same through a file, and readCsv's table equals the old table.
    const dir = mkdtempSync(join(tmpdir(), 'bp-stream-'));
    const p = join(dir, 'g.csv');
    writeFileSync(p, plain);
    const fromFile = readExamples(p, { features });
    expect(fromFile.x.data).toEqual(ex.x.data);
    expect(fromFile.y).toEqual(ex.y);
    expect(fromFile.lines).toEqual(ex.lines);
    const t = readCsv(p);
    const ref = referenceTable(plain, p);
    expect(t.header).toEqual(ref.header);
    expect(t.rows).toEqual(ref.rows);
    expect(t.lines).toEqual(ref.lines);
  });

  it('quoted fields spanning lines keep every later line number right, across chunk boundaries', () => {
    const text = generate({ multiline: 97 });
    const ex = expectSame(text, { features }) as ReturnType<typeof readExamples>;
    // 50k rows, 516 of which take two lines, and 11 blank lines: the last row starts 2 lines before the end.
    expect(ex.lines.at(-1)).toBe(1 + 50_000 + Math.ceil(50_000 / 97) + Math.ceil(50_000 / 4_999));
    expect(parseCsv(text, 'g.csv').lines).toEqual(referenceTable(text, 'g.csv').lines);
  });

  it('CRLF line ends and a byte-order mark', () => {
    const text = generate({ eol: '\r\n', bom: true, multiline: 1_000 });
    const ex = expectSame(text, { features }) as ReturnType<typeof readExamples>;
    expect(ex.features[0]).toBe('f1');
    expectSame(generate({ rows: 3_000, eol: '\r\n', bom: true }));
  });

  it('labels: strings, 3+ classes one-hot, numbers by value, regression, and a given mapping', () => {
    expectSame(generate({ rows: 20_000, classes: ['M', 'B'] }), { features });
    const iris = expectSame(generate({ rows: 20_000, classes: ['c', 'a', 'b', 'd'] }), { features });
    expect((iris as { y: { cols: number } }).y.cols).toBe(4);
    const byValue = expectSame(generate({ rows: 5_000, classes: ['1.0', '0', '1e0', '0.0'] }), { features });
    expect((byValue as { labels: unknown }).labels).toEqual({ kind: 'binary', classes: ['0', '1'] });
    expectSame(generate({ rows: 5_000 }), { features: ['f2', 'f3', 'f4'], target: 'f1', regression: true });
    expectSame(generate({ rows: 5_000, classes: ['x', 'y'] }), {
      features,
      labels: { kind: 'binary', classes: ['x', 'y'] },
    });
    // The mapping from the header: a function of the columns.
    const ex = csvTextToExamples(generate({ rows: 100 }), 'g.csv', (header) => ({
      features: header.filter((h) => h.startsWith('f')),
    }));
    expect(ex.features).toEqual(features);
  });
});

describe('readExamples: errors deep in the file, at the line and in the order of the old loader', () => {
  const text = generate();

  it('a non-numeric cell, an empty cell and an empty label at line 40,001', () => {
    expect(sameError(withCell(text, 40_001, 3, 'abc'), { features })).toBe(
      "g.csv line 40001, column f4: 'abc' is not a number",
    );
    expectSame(withCell(text, 40_001, 5, ''), { features });
    expectSame(withCell(text, 40_001, 5, ' 1e999 '), { features });
    const noLabel = withCell(text, 40_001, 9, ' ');
    expect(sameError(noLabel, { features })).toBe('g.csv line 40001, column label: empty cell, expected a label');
    // A bad feature cell anywhere wins over an earlier bad label, as before.
    expectSame(withCell(noLabel, 45_000, 0, 'x'), { features });
    expectSame(withCell(text, 40_001, 9, 'seven'), { features, labels: { kind: 'binary', classes: ['0', '1'] } });
  });

  it('a ragged row at line 40,001 wins over an earlier bad cell, and a malformed quote over both', () => {
    const ragged = withCell(withCell(text, 40_001, 9, '1,2'), 17, 2, 'abc');
    expect(sameError(ragged, { features })).toBe('g.csv line 40001: 11 fields, header has 10');
    const quote = withCell(ragged, 45_000, 2, '3"4');
    expect(sameError(quote, { features })).toMatch(/^g\.csv line 45000: Invalid Opening Quote/);
    expectSame(`${text}1,"unterminated\n`, { features });
    // An unknown column, after the file has been checked to the end.
    expectSame(withCell(text, 40_001, 9, '1,2'), { target: 'lable' });
    expectSame(text, { target: 'lable' });
    expectSame(text, { features: ['f1', 'label'] });
  });

  it('errors on the lines around a chunk boundary', () => {
    // The first 1 MB chunk of the file ends inside line `boundary`.
    const small = generate({ rows: 20_000 });
    const lines = small.split('\n');
    let start = 0;
    let boundary = 0; // the line on which the 1 MB boundary falls (1-based)
    while (start + lines[boundary].length + 1 <= 1 << 20) start += lines[boundary++].length + 1;
    boundary++;
    for (let line = boundary - 1; line <= boundary + 1; line++) {
      if (lines[line - 1] === '') continue;
      expectSame(withCell(small, line, 4, '?'), { features });
      expectSame(withCell(small, line, 9, '0,0'), { features });
      expectSame(withCell(small, line, 8, '"a\nb"'), { features });
    }
  });

  it('header errors, header only, empty files', () => {
    for (const t of [
      '',
      ' \n\t\n',
      '\uFEFF\n',
      'a,b\n',
      'a,b\n\n\n',
      // ('a,,c': an unnamed column is allowed now; test/data/csv-dialects.test.ts covers it.)
      'a,b,a\n1,2,3\n',
      'a,b,a\n1,2,3\n4,"5\n',
      ' \n1,2\n',
      'x,y\n1,2,3\n4,"5\n',
    ]) {
      expectSame(t);
    }
    expect(errorOf(() => readExamples(join(REPO, 'test', 'fixtures', 'empty.csv')))?.message).toMatch(
      /empty\.csv: the file is empty/,
    );
    expect(errorOf(() => readExamples('no/such/file.csv'))).toEqual(new InputError('no/such/file.csv: no such file'));
    expect(errorOf(() => readExamples(REPO))?.message).toMatch(/is a directory, expected a file$/);
  });
});

describe('reading stdin', () => {
  it("'-' streams standard input (a pipe, several MB) to the same examples", () => {
    const text = generate({ multiline: 501 });
    const script = `
      import { readExamples } from ${JSON.stringify(join(REPO, 'src', 'node', 'csv-file.ts'))};
      const ex = readExamples('-', { features: ${JSON.stringify(features)} });
      process.stdout.write(JSON.stringify({ rows: ex.x.rows, sum: ex.x.data.reduce((a, b) => a + b, 0), y: ex.y.data.reduce((a, b) => a + b, 0), last: ex.lines.at(-1) }));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      input: text,
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    expect(r.stderr).toBe('');
    const ex = csvTextToExamples(text, '<stdin>', { features });
    expect(JSON.parse(r.stdout)).toEqual({
      rows: ex.x.rows,
      sum: ex.x.data.reduce((a, b) => a + b, 0),
      y: ex.y.data.reduce((a, b) => a + b, 0),
      last: ex.lines.at(-1),
    });
  });
});

describe('isDecimal', () => {
  it('agrees with the DECIMAL pattern of parseCell on tricky and random strings', () => {
    const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
    const fixed = [
      '',
      '+',
      '-',
      '.',
      '+.',
      '1',
      '1.',
      '.5',
      '-.5e3',
      '1e',
      '1e+',
      '1e-2',
      'e5',
      '1.2.3',
      '١',
      ' 1',
      '1 ',
      '0x1F',
      'Infinity',
      'NaN',
      '--1',
      '1E5',
      '+0.0E-0',
    ];
    const rng = createRandom(3);
    const alphabet = '0123456789+-.eE x';
    const random = Array.from({ length: 20_000 }, () =>
      Array.from(
        { length: 1 + Math.floor(rng.next() * 6) },
        () => alphabet[Math.floor(rng.next() * alphabet.length)],
      ).join(''),
    );
    for (const s of [...fixed, ...random]) expect([s, isDecimal(s)]).toEqual([s, DECIMAL.test(s)]);
  });
});
