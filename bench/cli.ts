/**
 * What users run: `backprop train` on W1 (the notes' 3-4-1 network at batch 1) and W2 (30-64-1
 * at batch 32), as whole processes (the built CLI, `dist/cli/main.js`), with 2 and with E epochs
 * (`CLI_EPOCHS`) on a generated CSV of the workload's data. (tE − t2) / (E − 2), from the fastest
 * process of each count, is the marginal time of one epoch — start-up, parsing, splitting, standardising and
 * the final metrics cancel out — and the training split's rows over it the CLI's samples/s. It is measured as users run it: shuffling,
 * and the default validation split (10 % of the non-test rows) evaluated after every epoch; a
 * second pair of runs with `--validation-split 0` shows what that evaluation costs. The C loop
 * (bench/c/mlp.c) trains on the same number of the workload's rows, at its batch size, for
 * comparison: one timed epoch after each pair of CLI processes, so that both are measured in
 * the same minutes on a shared machine, its fastest epoch against the CLI's fastest processes.
 * C's epoch is the lighter one: its rows in order, no shuffle, no validation pass.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cPeer } from './peers/c.js';
import { EVAL_SAMPLES, makeProblem, WORKLOADS, type WorkloadId } from './workloads.js';

/** The workloads timed through the CLI; each CSV has the workload's sample count of rows. */
export const CLI_WORKLOADS: readonly WorkloadId[] = ['W1', 'W2'];
export const SMOKE_CLI_ROWS = 4_000;
/**
 * The epoch counts whose difference is timed, per workload: a process's start-up and parsing
 * varies by ±300 ms from one process to the next, so W1's ~11 ms epochs need 150 of them to
 * stand out; W2's take ~100 ms.
 */
export const CLI_EPOCHS: Record<WorkloadId, readonly [number, number]> = { W1: [2, 152], W2: [2, 32], W3: [2, 12] };

/** One variant's timings: the process times of each epoch count and what they give. */
export interface CliVariant {
  validationSplit: number;
  /** Rows the CLI trained on (the rest of its test and validation splits). */
  trainRows: number;
  /** Whole-process wall times (ms) per epoch count, in run order. */
  timesMs: Record<string, number[]>;
  /** The processes' CPU times (user + system, ms), likewise. */
  cpuMs: Record<string, number[]>;
  /** Marginal epoch from the fastest wall time of each epoch count, and its samples/s. */
  msPerEpoch: number;
  samplesPerSec: number;
  /** The same from the CPU times: steadier on a shared machine, where waiting for a core counts in wall time. */
  cpuMsPerEpoch: number;
  cpuSamplesPerSec: number;
}

export interface CliResult {
  workload: WorkloadId;
  /** `3-4-1, batch 1` */
  what: string;
  /** The two epoch counts timed. */
  epochs: readonly [number, number];
  status: 'ok' | 'failed';
  rows: number;
  trainRows?: number;
  /** As users run it (default validation split), and without validation. */
  variants?: CliVariant[];
  /** The C loop's fastest epoch, one timed after each pair of CLI processes. */
  cSamplesPerSec?: number;
  /** The 1-minute load average when the measurement started and when it ended. */
  loadAverage?: [number, number];
  error?: string;
}

/** The CSV's name for `rows` of workload `id`: `cli-W1-200000.csv`. */
export function cliCsvName(id: WorkloadId, rows: number): string {
  return `cli-${id}-${rows}.csv`;
}

/** Writes `rows` of the workload's examples as `x1,…,xd,label` CSV to `file` unless it is there. */
export function ensureCliCsv(file: string, id: WorkloadId, rows: number): void {
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true });
  const d = WORKLOADS[id].inputs;
  const p = makeProblem(WORKLOADS[id], rows, 0);
  const lines = [[...Array.from({ length: d }, (_, j) => `x${j + 1}`), 'label'].join(',')];
  for (let i = 0; i < rows; i++) {
    const cells: string[] = [];
    for (let j = 0; j < d; j++) cells.push(p.x[i * d + j].toFixed(6));
    cells.push(String(p.y[i]));
    lines.push(cells.join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** Loaded into each CLI process: reports its CPU time (all threads) on stderr as it exits. */
const CPU_REPORT =
  "data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\ncpu-ms '+(u.user+u.system)/1000+'\\n')})";

/** One `train` process; returns its wall and CPU times and the training rows it reports. */
function trainOnce(root: string, id: WorkloadId, file: string, epochs: number, validationSplit: number, out: string) {
  const w = WORKLOADS[id];
  const cli = [join(root, 'dist', 'cli', 'main.js'), 'train', file, '--hidden', String(w.hidden)];
  cli.push('--batch-size', String(w.batchSize));
  const args = ['--import', CPU_REPORT, ...cli];
  args.push('--epochs', String(epochs), '--validation-split', String(validationSplit), '--out', out, '--json');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`backprop train exited with ${r.status}: ${r.stderr.trim().slice(0, 500)}`);
  const report = JSON.parse(r.stdout) as { training: { trainRows: number } };
  const cpu = Number(/cpu-ms ([\d.]+)/.exec(r.stderr)?.[1]);
  return { ms, cpu, trainRows: report.training.trainRows };
}

/**
 * Times the CLI on `file`, a CSV of workload `id` (`runs` processes per epoch count and variant,
 * alternating), and the C loop on as many of the workload's rows as the CLI trains on.
 */
export async function measureCli(
  root: string,
  id: WorkloadId,
  file: string,
  rows: number,
  runs: number,
  cBinary?: string,
) {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-bench-cli-'));
  const w = WORKLOADS[id];
  const what = `${w.inputs}-${w.hidden}-1, batch ${w.batchSize}`;
  const counts = CLI_EPOCHS[id];
  const result: CliResult = {
    workload: id,
    what,
    epochs: counts,
    status: 'ok',
    rows,
    variants: [],
    loadAverage: [loadavg()[0], 0],
  };
  const cMs: number[] = [];
  let timeC: (() => Promise<void>) | undefined;
  try {
    let trainRows = 0;
    for (const validationSplit of [0.1, 0]) {
      const timesMs: Record<string, number[]> = Object.fromEntries(counts.map((e) => [e, [] as number[]]));
      const cpuMs: Record<string, number[]> = Object.fromEntries(counts.map((e) => [e, [] as number[]]));
      // file cache, JIT of tsc output
      const warm = trainOnce(root, id, file, counts[0], validationSplit, join(dir, 'warm.json'));
      if (cBinary !== undefined && timeC === undefined) {
        // C on as many rows as the CLI trains on as users run it (the first variant).
        const n = warm.trainRows;
        const problem = makeProblem(w, n, EVAL_SAMPLES);
        const c = cPeer(cBinary);
        timeC = async () => {
          cMs.push(...(await c.runSelfTimed!(problem, { samples: n, warmupSamples: n, runs: 1 })).timesMs);
        };
      }
      for (let i = 0; i < runs; i++) {
        for (const epochs of counts) {
          const t = trainOnce(root, id, file, epochs, validationSplit, join(dir, `m${epochs}.json`));
          timesMs[epochs].push(t.ms);
          cpuMs[epochs].push(t.cpu);
          trainRows = t.trainRows;
        }
        await timeC?.();
      }
      // The fastest process of each count: the other sessions on a shared machine only ever add
      // time (a 2-epoch W1 process took 1.4–2.1 s, more spread than 30 epochs take).
      const marginal = (t: Record<string, number[]>) =>
        (Math.min(...t[counts[1]]) - Math.min(...t[counts[0]])) / (counts[1] - counts[0]);
      const msPerEpoch = marginal(timesMs);
      const cpuMsPerEpoch = marginal(cpuMs);
      result.variants!.push({
        validationSplit,
        trainRows,
        timesMs,
        cpuMs,
        msPerEpoch,
        samplesPerSec: trainRows / (msPerEpoch / 1000),
        cpuMsPerEpoch,
        cpuSamplesPerSec: trainRows / (cpuMsPerEpoch / 1000),
      });
      if (validationSplit === 0.1) result.trainRows = trainRows;
    }
    if (cMs.length > 0 && result.trainRows !== undefined)
      result.cSamplesPerSec = result.trainRows / (Math.min(...cMs) / 1000);
    result.loadAverage![1] = loadavg()[0];
  } catch (err) {
    result.status = 'failed';
    result.error = (err as Error).message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}
