import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCsvBytes, detectDelimiter, parseCsv } from '../../src/data/csv.js';
import { csvTextToExamples, featureWarnings } from '../../src/data/examples.js';
import { InputError } from '../../src/data/input-error.js';
import { readCsv, readExamples } from '../../src/node/csv-file.js';
import { run, tempDir } from '../cli/run-cli.js';

const PLAIN = 'a,b,y\n1,2,0\n3,4,1\n5,6,0\n';
/** The rows of PLAIN, whatever the delimiter of `_text`. */
const table = (_text: string) => ({
  header: ['a', 'b', 'y'],
  rows: [
    ['1', '2', '0'],
    ['3', '4', '1'],
    ['5', '6', '0'],
  ],
});

/** The same table written with another delimiter. */
const withDelimiter = (d: string) => PLAIN.replaceAll(',', d);

/** Writes bytes to a temporary file and reads it with the streaming reader. */
function readBytes(bytes: Buffer, dialect = {}) {
  const path = join(tempDir(), 'data.csv');
  writeFileSync(path, bytes);
  return readCsv(path, dialect);
}

describe('the CSVs people have (issue 10.4)', () => {
  it('detects , ; tab | in both readers, and takes --delimiter', () => {
    for (const d of [',', ';', '\t', '|']) {
      const text = withDelimiter(d);
      const { header, rows } = table(text);
      expect(detectDelimiter(text)).toBe(d);
      expect(parseCsv(text, 'd.csv')).toMatchObject({ header, rows });
      expect(readBytes(Buffer.from(text))).toMatchObject({ header, rows });
      expect(parseCsv(text, 'd.csv', { delimiter: d })).toMatchObject({ header, rows });
    }
    // European CSV: decimal commas inside semicolon-separated fields.
    const eu = 'x;y\n1,5;0\n2,5;1\n';
    expect(parseCsv(eu, 'eu.csv').rows).toEqual([
      ['1,5', '0'],
      ['2,5', '1'],
    ]);
    expect(() => csvTextToExamples(eu, 'eu.csv')).toThrow(
      /eu\.csv line 2, column x: '1,5' is not a number \(a decimal comma\?/,
    );
    // A quoted delimiter does not count.
    expect(detectDelimiter('"a;b",c\n"1;2",3\n')).toBe(',');
    // One column: no delimiter at all.
    expect(parseCsv('x\n1\n2\n', 'one.csv').header).toEqual(['x']);
    expect(() => parseCsv(PLAIN, 'd.csv', { delimiter: '"' })).toThrow(InputError);
  });

  it('reads UTF-8 with and without a BOM and UTF-16 with one; refuses what it cannot read by name', () => {
    const { header, rows } = table(PLAIN);
    const text = `${PLAIN.replace('a,', 'é,')}`;
    const want = { header: ['é', ...header.slice(1)], rows };
    expect(readBytes(Buffer.from(text))).toMatchObject(want);
    expect(readBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toMatchObject(want);
    expect(parseCsv(`\uFEFF${text}`, 't.csv')).toMatchObject(want);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(readBytes(le)).toMatchObject(want);
    const be = Buffer.from(le);
    be.swap16();
    expect(readBytes(be)).toMatchObject(want);
    // Semicolons and UTF-16 together, as Excel's "Unicode text" exports are (with tabs).
    expect(
      readBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(withDelimiter('\t'), 'utf16le')])),
    ).toMatchObject(table(''));
    // The browser's way in: bytes decoded as the file readers decode them.
    for (const bytes of [Buffer.from(text), le, be])
      expect(parseCsv(decodeCsvBytes(bytes, 'b.csv'), 'b.csv')).toMatchObject(want);
    expect(() => decodeCsvBytes(Buffer.from(text, 'utf16le'), 'b.csv')).toThrow(
      /b\.csv: looks like UTF-16 without a byte-order mark/,
    );
    expect(() => readBytes(Buffer.from(text, 'utf16le'))).toThrow(/looks like UTF-16 without a byte-order mark/);
    expect(() => readBytes(Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('a')]))).toThrow(/UTF-32/);
    expect(() => readBytes(Buffer.from('a,b\n1,2\n3,\u00004\n'))).toThrow(/line 3: a NUL character/);
    expect(() => parseCsv('a,b\n1,2\n3,\u00004\n', 'n.csv')).toThrow(/n\.csv line 3: a NUL character/);
  });

  it("allows an unnamed column (pandas' index) when it is not used", () => {
    const pandas = ',a,b,y\n0,1,2,0\n1,3,4,1\n2,5,6,0\n';
    const ex = csvTextToExamples(pandas, 'p.csv');
    expect(ex.features).toEqual(['a', 'b']);
    expect(ex.target).toBe('y');
    expect(() => csvTextToExamples('a,b,\n1,2,0\n3,4,1\n', 'p.csv')).toThrow(
      /p\.csv: the last column, the default target, has no name/,
    );
    expect(() => parseCsv('a,b,a\n1,2,3\n', 'p.csv')).toThrow(/column name 'a' appears twice/);
  });

  it('--ignore, --comment and duplicate --features', () => {
    expect(csvTextToExamples(PLAIN, 'i.csv', { ignore: ['a'] }).features).toEqual(['b']);
    expect(() => csvTextToExamples(PLAIN, 'i.csv', { ignore: ['zz'] })).toThrow(/no column 'zz' \(to ignore\)/);
    expect(() => csvTextToExamples(PLAIN, 'i.csv', { ignore: ['y'] })).toThrow(
      /'y' is the target, it cannot be ignored/,
    );
    expect(() => csvTextToExamples(PLAIN, 'i.csv', { features: ['a', 'a'] })).toThrow(
      /i\.csv: --features names 'a' twice, expected each column once/,
    );
    const commented = `# made by hand\n${PLAIN.replace('3,4,1\n', '3,4,1\n# a note, in the middle\n')}`;
    const t = parseCsv(commented, 'c.csv', { comment: '#' });
    expect(t.header).toEqual(['a', 'b', 'y']);
    expect(t.lines).toEqual([3, 4, 6]);
    const path = join(tempDir(), 'c.csv');
    writeFileSync(path, commented);
    expect(readCsv(path, { comment: '#' })).toMatchObject({ header: t.header, rows: t.rows, lines: t.lines });
    expect(readExamples(path, {}, { comment: '#' }).lines).toEqual([3, 4, 6]);
    // Without --comment, the message says what to do.
    expect(() => parseCsv(`a,b\n1,2\n# note\n`, 'c.csv')).toThrow(
      /line 3: 1 fields, header has 2 \(a comment line\? skip them with --comment '#'\)/,
    );
  });

  it('warns about features that are row identifiers or constant', () => {
    const n = 30;
    const lines = Array.from({ length: n }, (_, i) => `${1000 + ((i * 7) % n)},${i % 3},5,${(i * 0.37) % 1},${i % 2}`);
    const ex = csvTextToExamples(`seq,customer_id,k,x,y\n${lines.join('\n')}\n`, 'w.csv');
    const w = featureWarnings(ex);
    expect(w).toEqual([
      "w.csv: feature 'seq' looks like a row identifier (a different integer on every row), which a model memorises; leave it out with --ignore seq",
      "w.csv: feature 'customer_id' looks like a row identifier (its name), which a model memorises; leave it out with --ignore customer_id",
      "w.csv: feature 'k' is 5 on every row, it cannot help; leave it out with --ignore k",
    ]);
  });

  it('the CLI reads them too: train, evaluate, predict with --delimiter, --comment, --ignore', () => {
    const dir = tempDir();
    const rows = Array.from({ length: 40 }, (_, i) => `${i};${(i % 7) * 0.5};${(i % 5) * 0.25};${i % 2}`);
    writeFileSync(join(dir, 'd.csv'), `# exported by hand\n;f1;f2;label\n${rows.join('\n')}\n`);
    const t = run(['train', 'd.csv', '--comment', '#', '--epochs', '2', '--out', 'm.json', '--json', '--quiet'], dir);
    expect(t.stderr).toBe('');
    expect(JSON.parse(t.stdout).features).toEqual(['f1', 'f2']);
    const e = run(['evaluate', 'm.json', 'd.csv', '--comment', '#', '--delimiter', 'semicolon', '--json'], dir);
    expect(e.code).toBe(0);
    const p = run(['predict', 'm.json', 'd.csv', '--comment', '#'], dir);
    expect(p.code).toBe(0);
    const bad = run(['train', 'd.csv', '--comment', '#', '--features', 'f1,f1', '--out', 'm2.json'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("backprop: d.csv: --features names 'f1' twice, expected each column once\n");
    const ign = run(
      ['train', 'd.csv', '--comment', '#', '--ignore', 'f2', '--epochs', '1', '--out', 'm3.json', '--json'],
      dir,
    );
    expect(JSON.parse(ign.stdout).features).toEqual(['f1']);
  });
});
