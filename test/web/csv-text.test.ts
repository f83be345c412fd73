/**
 * The playground's browser-safe CSV reader (web/src/adapters/csv-text.ts) against the library's
 * (src/io/dataset.ts): the same examples from good files and the same message, word for word,
 * from bad ones.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { csvTextToExamples as library } from '../../src/io/dataset.js';
import { csvTextToExamples as adapter } from '../../web/src/adapters/csv-text.js';

function outcome(
  read: () => { x: { data: Float64Array }; y: { data: Float64Array }; features: string[]; labels: unknown },
) {
  try {
    const e = read();
    return { x: Array.from(e.x.data), y: Array.from(e.y.data), features: e.features, labels: e.labels };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const CASES: Record<string, string> = {
  empty: '',
  blank: '  \n\n',
  'header only': 'a,b,label\n',
  'empty header name': 'a,,label\n1,2,0\n',
  'duplicate column': 'a,a,label\n1,2,0\n',
  ragged: 'a,b,label\n1,2,0\n1,2\n',
  'not a number': 'a,b,label\n1,2,0\n1,x,1\n',
  'empty cell': 'a,b,label\n1,,0\n3,4,1\n',
  'one class': 'a,b,label\n1,2,0\n3,4,0\n',
  'too large': 'a,b,label\n1,2,0\n1e999,4,1\n',
  'unclosed quote': 'a,b,label\n1,2,0\n"3,4,1\n',
  'unclosed quote over lines': 'a,b,label\n1,2,0\n"3,4,1\r\n5,6,0\r\n',
  'unclosed quote without a last line break': 'a,b,label\n1,2,0\n"3,4,1',
  'text after a closing quote': 'a,b,label\n1,2,0\n3,"4"x,1\n',
  'quoted line break': 'a,b,label\n1,"2\n",0\n3,4,1\n',
  'blank lines and CRLF': 'a,b,label\r\n\r\n1,2,yes\r\n3,4,no\r\n',
  'byte-order mark and quotes': '\ufeffa,"b",label\n1,"2",0\n3,4,1.0\n',
  'three classes': 'x1,x2,species\n1,2,cat\n3,4,dog\n5,6,emu\n',
  'empty label': 'a,b,label\n1,2,\n3,4,1\n',
};

describe("the playground's CSV reader", () => {
  for (const [name, text] of Object.entries(CASES)) {
    it(`reads "${name}" as the library does`, () => {
      expect(outcome(() => adapter(text, 'data.csv'))).toEqual(outcome(() => library(text, 'data.csv')));
    });
  }

  it('reads the bundled files as the library does', () => {
    for (const file of ['data/iris.csv', 'data/breast-cancer.csv']) {
      const text = readFileSync(file, 'utf8');
      expect(outcome(() => adapter(text, file))).toEqual(outcome(() => library(text, file)));
    }
  });
});
