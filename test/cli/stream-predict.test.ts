/**
 * predict and evaluate read the CSV in batches: predict's peak memory stays flat however large the
 * file, and evaluate keeps a few bytes per row (its scores and classes, for the exact ROC AUC).
 * A 48 MB CSV (1.9 million rows) is predicted from a file and from stdin; each run's peak RSS
 * (Node itself included) must stay under 250 MB — reading it whole took ~8 × the file's size.
 * docs/performance.md has the figure for a 200 MB file.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPORT_PEAK_RSS, reportedPeakRss } from '../../bench/peak-rss.js';
import { CLI, IRIS, run, tempDir } from './run-cli.js';

const MB = 1024 * 1024;

let dir: string;
let rows = 0;

beforeAll(() => {
  dir = tempDir();
  expect(run(['train', IRIS, '--epochs', '5', '--out', 'm.json', '--quiet'], dir).code).toBe(0);
  const [header, ...lines] = readFileSync(IRIS, 'utf8').trim().split('\n');
  const fd = openSync(join(dir, 'big.csv'), 'w');
  writeSync(fd, `${header}\n`);
  const block = `${lines.join('\n')}\n`;
  while (statSync(join(dir, 'big.csv')).size < 48 * MB) {
    writeSync(fd, block.repeat(200));
    rows += lines.length * 200;
  }
  closeSync(fd);
});

function measured(args: string[], input?: Buffer) {
  // A capped heap keeps the peak from depending on how far garbage collection lags behind on a
  // busy machine; memory that grows with the file (off the heap too) still shows in the RSS.
  const r = spawnSync(process.execPath, ['--max-old-space-size=128', '--import', REPORT_PEAK_RSS, CLI, ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
    maxBuffer: 256 * MB,
    timeout: 120_000,
  });
  const rss = reportedPeakRss(r.stderr);
  return { code: r.status, stdout: r.stdout, rss };
}

describe('streaming predict', () => {
  it('a 48 MB file: every row predicted, peak RSS under 250 MB', () => {
    const r = measured(['predict', 'm.json', 'big.csv', '--out', 'p.csv']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${rows} predictions written to p.csv\n`);
    expect(r.rss).toBeLessThan(250 * MB);
  }, 120_000);

  it('the same from stdin, the CSV on stdout', () => {
    const r = measured(['predict', 'm.json', '-', '--quiet'], readFileSync(join(dir, 'big.csv')));
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').length).toBe(rows + 2);
    expect(r.rss).toBeLessThan(250 * MB);
  }, 120_000);
});

describe('streaming evaluate', () => {
  it('a 48 MB file: exact metrics in under 250 MB peak RSS', () => {
    const r = measured(['evaluate', 'm.json', 'big.csv', '--json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.rows).toBe(rows);
    // The file is iris repeated whole: the same metrics as on iris itself.
    const iris = JSON.parse(run(['evaluate', 'm.json', IRIS, '--json'], dir).stdout);
    expect(m.accuracy).toBe(iris.accuracy);
    expect(m.rocAuc).toBe(iris.rocAuc);
    expect(m.confusion).toEqual(iris.confusion.map((row: number[]) => row.map((v) => (v * rows) / 150)));
    expect(r.rss).toBeLessThan(250 * MB);
  }, 180_000);
});
