/**
 * How far a CSV has been read, as `readExamples` and `trainInWorker` report it: after each chunk,
 * never backwards, ending at the file's size, which comes with it; none of it for a pipe's size.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The worker thread runs compiled code: dist/, which npm test builds first.
import { trainInWorker } from '../../dist/node/train-file.js';
import { readLine } from '../../src/cli/progress.js';
import { readExamples } from '../../src/node/csv-file.js';
import { tempDir } from '../cli/run-cli.js';

/** A CSV of about 3.5 MB (several 1 MB chunks): 4 features and a 0/1 label. */
function csvFile(): { path: string; size: number } {
  const lines = ['a,b,c,d,y'];
  for (let i = 0; i < 100_000; i++) {
    const v = [i % 7, i % 11, i % 13, i % 17].map((x) => (x / 10).toFixed(4));
    lines.push(`${v.join(',')},${i % 2}`);
  }
  const text = `${lines.join('\n')}\n`;
  const path = join(tempDir(), 'p.csv');
  writeFileSync(path, text);
  return { path, size: Buffer.byteLength(text) };
}

describe('reading progress', () => {
  it('readExamples reports each chunk, in order, up to the file size', () => {
    const { path, size } = csvFile();
    const seen: [number, number | undefined][] = [];
    const data = readExamples(path, {}, {}, 'float64', (read, total) => seen.push([read, total]));
    expect(data.x.rows).toBe(100_000);
    expect(seen.length).toBeGreaterThanOrEqual(Math.ceil(size / 2 ** 20));
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);
    expect(seen.every(([, total]) => total === size)).toBe(true);
    expect(seen.at(-1)![0]).toBe(size);
  });

  it('trainInWorker passes it on from its thread, at most once a percent', async () => {
    const { path, size } = csvFile();
    const seen: number[] = [];
    const run = trainInWorker(
      path,
      { hidden: [2], epochs: 1 },
      { onRead: (read, total) => total === size && seen.push(read) },
    );
    await run.result;
    expect(seen.at(-1)).toBe(size);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.length).toBeLessThanOrEqual(101);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('draws a bar for a file and a count for a pipe', () => {
    expect(readLine(134e6, 268e6, 100)).toBe(`reading [${'█'.repeat(20)}${'░'.repeat(20)}] 134 of 268 MB`);
    expect(readLine(2.5e6, undefined, 100)).toBe('reading 2.5 MB');
    expect([...readLine(1e6, 2e6, 20)]).toHaveLength(19);
  });
});
