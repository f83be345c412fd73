/**
 * CSV ingest: a generated file of numeric rows (28 features and a 0/1 label, HIGGS-shaped) loaded
 * by backprop's loader into the matrices `fit` takes, next to a bare csv-parse pass over the same
 * file, and `backprop train` on it. Each pass runs in its own process, so that its peak RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { createRandom } from '../src/index.js';
import { peakRss, REPORT_PEAK_RSS, reportedPeakRss } from './peak-rss.js';
import type { IngestJob, IngestResult } from './protocol.js';

export const INGEST_FEATURES = 28;
export const INGEST_ROWS = 1_000_000;
export const SMOKE_INGEST_ROWS = 2_000;

/** The built CLI (`npm run bench` builds first). */
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** The target: peak RSS ≤ 3 × the features as float64 + 150 MB (MB = 10⁶ bytes). */
export function ingestRssTarget(rows: number): number {
  return 3 * rows * INGEST_FEATURES * 8 + 150e6;
}

/**
 * Issue 13's targets for training on the 1M-row file (28-16-1, one epoch): peak RSS ≤ 500 MB in
 * float64, ≤ 300 MB in float32; none for the smoke file, where Node itself is most of it.
 */
export function trainRssTarget(rows: number, float32: boolean): number | undefined {
  if (rows !== INGEST_ROWS) return undefined;
  return float32 ? 300e6 : 500e6;
}

/**
 * `backprop train` on the file, as a user runs it (dist/cli/main.js, 28-16-1, one epoch), in its
 * own process: its time and its own peak RSS, the CLI's training thread included. Not the
 * pipeline in this process: run through tsx, the bench's TypeScript loading added ~50 MB.
 */
function trainCli(file: string, float32: boolean): { rows: number; peakRss: number } {
  const out = join(tmpdir(), `backprop-ingest-${process.pid}.json`);
  const args = ['train', file, '--hidden', '16', '--epochs', '1', '--out', out, '--quiet', '--json'];
  if (float32) args.push('--dtype', 'float32');
  const r = spawnSync(process.execPath, ['--import', REPORT_PEAK_RSS, CLI, ...args], { encoding: 'utf8' });
  rmSync(out, { force: true });
  if (r.status !== 0) throw new Error(`backprop train exited ${r.status}: ${r.stderr.trim().split('\n')[0]}`);
  const rows = (JSON.parse(r.stdout) as { rows?: { train?: number; validation?: number; test?: number } }).rows;
  return {
    rows: (rows?.train ?? 0) + (rows?.validation ?? 0) + (rows?.test ?? 0),
    peakRss: reportedPeakRss(r.stderr),
  };
}

/**
 * Writes `rows` rows of `f1,…,f28,label` (features N(0, 1) with 6 decimals, label 0/1 from a
 * linear rule) to `path`, unless a file made by the same parameters is already there.
 */
export function ensureCsv(path: string, rows: number): void {
  if (existsSync(path) && statSync(path).size > 0) return;
  mkdirSync(dirname(path), { recursive: true });
  const rng = createRandom(28);
  const teacher = Array.from({ length: INGEST_FEATURES }, () => rng.normal());
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const header = [...Array.from({ length: INGEST_FEATURES }, (_, j) => `f${j + 1}`), 'label'];
    let chunk = `${header.join(',')}\n`;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < INGEST_FEATURES; j++) {
        const v = rng.normal();
        s += teacher[j] * v;
        chunk += `${v.toFixed(6)},`;
      }
      chunk += s > 0 ? '1\n' : '0\n';
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

async function bareParse(file: string): Promise<number> {
  let rows = 0;
  const parser = createReadStream(file).pipe(parse());
  for await (const _record of parser) rows++;
  return rows - 1; // the header
}

/** One ingest pass, in this (fresh) process. */
export async function runIngest(job: IngestJob): Promise<IngestResult> {
  const fileBytes = statSync(job.file).size;
  const what = {
    loader: 'readExamples (src/io, streamed): file → x [rows, 28], y [rows, 1] float64',
    'csv-parse': 'csv-parse stream, records counted (no number conversion)',
    train: 'backprop train (the CLI): 28-16-1, 1 epoch, float64 (target ≤ 500 MB at 1M rows)',
    'train-f32': 'backprop train (the CLI): 28-16-1, 1 epoch, --dtype float32 (target ≤ 300 MB at 1M rows)',
  }[job.mode];
  const base: IngestResult = { mode: job.mode, status: 'failed', what, fileBytes };
  try {
    // Imported here so that a loader that does not load fails this pass only, not the bench.
    const { readExamples } = await import('../src/node/csv-file.js');
    const t0 = performance.now();
    let rows: number;
    let childRss: number | undefined;
    if (job.mode === 'loader') {
      const examples = readExamples(job.file);
      rows = examples.x.rows;
      if (examples.x.cols !== INGEST_FEATURES)
        throw new Error(`expected ${INGEST_FEATURES} features, got ${examples.x.cols}`);
    } else if (job.mode === 'train' || job.mode === 'train-f32') {
      const r = trainCli(job.file, job.mode === 'train-f32');
      rows = r.rows;
      childRss = r.peakRss;
    } else {
      rows = await bareParse(job.file);
    }
    const ms = performance.now() - t0;
    return {
      ...base,
      status: 'ok',
      rows,
      ms,
      mbPerSec: fileBytes / 1e6 / (ms / 1000),
      peakRss: childRss ?? peakRss(),
    };
  } catch (err) {
    return { ...base, error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}
