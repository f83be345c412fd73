import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { InputError } from '../../src/data/input-error.js';
import { readCsv } from '../../src/node/csv-file.js';

const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', name);

describe('readCsv', () => {
  it('handles a BOM, CRLF, quoted commas, doubled quotes, blank lines and a field spanning lines', () => {
    const t = readCsv(fixture('quoted-crlf-bom.csv'));
    expect(t.header).toEqual(['x', 'name, quoted', 'y']);
    expect(t.rows).toEqual([
      ['1.5', 'say "hi"', '0'],
      ['2.5', 'two\nlines', '1'],
      ['3.5', 'plain', '0'],
    ]);
    // Line 3 is blank; the second row starts on line 4 and spans 4–5; the third is on line 6.
    expect(t.lines).toEqual([2, 4, 6]);
  });

  it('names missing files', () => {
    expect(() => readCsv('no/such/file.csv')).toThrow(new InputError('no/such/file.csv: no such file'));
  });

  it('rejects an empty file and a header-only file', () => {
    expect(() => readCsv(fixture('empty.csv'))).toThrow(/empty\.csv: the file is empty/);
    expect(() => readCsv(fixture('header-only.csv'))).toThrow(/header-only\.csv: has a header but no data rows/);
  });

  it('reports a ragged row with its file line and both field counts', () => {
    expect(() => readCsv(fixture('ragged-row.csv'))).toThrow(/ragged-row\.csv line 17: 5 fields, header has 4$/);
  });

  it('reports an unterminated quote as an InputError with a line', () => {
    const err = (() => {
      try {
        parseCsv('a,b\n1,"2\n', 'q.csv');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^q\.csv line \d+: .*[Qq]uote/);
  });

  it('rejects duplicate and empty column names', () => {
    expect(() => parseCsv('a,b,a\n1,2,3\n', 'd.csv')).toThrow(/d\.csv line 1: column name 'a' appears twice/);
    // An empty name (pandas' index column) is allowed; the column is not used unless named.
    expect(parseCsv('a,,c\n1,2,3\n', 'e.csv').header).toEqual(['a', '', 'c']);
  });

  it('reads a file it was just given (no caching by name)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bp-csv-'));
    const p = join(dir, 'd.csv');
    writeFileSync(p, 'u,v\n1,2\n');
    expect(readCsv(p).rows).toEqual([['1', '2']]);
    writeFileSync(p, 'u,v\n3,4\n5,6\n');
    expect(readCsv(p).rows).toEqual([
      ['3', '4'],
      ['5', '6'],
    ]);
  });
});
