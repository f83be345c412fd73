/**
 * Streaming `predict` and `evaluate` (issue 9): the CLI as users run it on a large labelled CSV
 * (the bundled iris rows repeated to the size), each in a fresh process whose peak RSS it reports
 * as it exits. Both read the file in batches, so the peak must not grow with the file: the target
 * is 250 MB for a 200 MB CSV.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPORT_PEAK_RSS, reportedPeakRss } from './peak-rss.js';

/** Size of the CSV the bench streams, and of the --smoke run's. */
export const STREAM_BYTES = 200 * 2 ** 20;
export const SMOKE_STREAM_BYTES = 2 * 2 ** 20;
/** Peak RSS target for either command (issue 9). */
export const STREAM_RSS_TARGET = 250 * 2 ** 20;

export interface StreamPass {
  command: 'predict' | 'evaluate';
  status: 'ok' | 'failed';
  rows?: number;
  ms?: number;
  peakRss?: number;
  error?: string;
}

export interface StreamResult {
  fileBytes: number;
  passes: StreamPass[];
}

/** Writes `file` (iris's header, then its rows repeated) unless it is there already. */
function ensureIrisCsv(root: string, file: string, bytes: number): void {
  if (existsSync(file) && statSync(file).size >= bytes) return;
  mkdirSync(dirname(file), { recursive: true });
  const [header, ...rows] = readFileSync(join(root, 'data', 'iris.csv'), 'utf8')
    .trim()
    .split('\n');
  const block = `${rows.join('\n')}\n`.repeat(200);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, `${header}\n`);
    for (let written = 0; written < bytes; written += block.length) writeSync(fd, block);
  } finally {
    closeSync(fd);
  }
}

function cli(root: string, args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', REPORT_PEAK_RSS, join(root, 'dist', 'cli', 'main.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`backprop ${args[0]} exited with ${r.status}: ${r.stderr.trim().slice(0, 300)}`);
  return { ms, stdout: r.stdout, peakRss: reportedPeakRss(r.stderr) };
}

/**
 * Trains a small model on iris, then streams `predict --out` and `evaluate --json` over a CSV of
 * `bytes` bytes in `dir`.
 * @param root the repository (its dist/ is run)
 * @param dir where the CSV, the model and the predictions go
 * @param bytes the CSV's size
 */
export function measureStream(root: string, dir: string, bytes: number): StreamResult {
  const file = join(dir, `iris-${bytes}.csv`);
  ensureIrisCsv(root, file, bytes);
  const model = join(dir, 'stream-model.json');
  const passes: StreamPass[] = [];
  try {
    cli(root, ['train', join(root, 'data', 'iris.csv'), '--epochs', '5', '--out', model, '--force', '--quiet']);
  } catch (e) {
    const error = (e as Error).message;
    return { fileBytes: statSync(file).size, passes: [{ command: 'predict', status: 'failed', error }] };
  }
  const run = (command: StreamPass['command'], args: string[], rows: (out: string) => number) => {
    try {
      const r = cli(root, args);
      passes.push({ command, status: 'ok', rows: rows(r.stdout), ms: r.ms, peakRss: r.peakRss });
    } catch (e) {
      passes.push({ command, status: 'failed', error: (e as Error).message });
    }
  };
  const predictions = join(dir, 'stream-predictions.csv');
  run('predict', ['predict', model, file, '--out', predictions, '--force'], (out) => Number(/^(\d+)/.exec(out)?.[1]));
  run('evaluate', ['evaluate', model, file, '--json'], (out) => JSON.parse(out).rows);
  return { fileBytes: statSync(file).size, passes };
}
