/**
 * One bench job in a fresh process (a clean heap and a JIT that has seen no other peer): one
 * peer on one workload, the memory check, or one CSV ingest pass. Started by bench/run.ts with
 * the job as JSON in argv[2]; sends its result back over the IPC channel.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { GCProfiler } from 'node:v8';
import { cloneNetwork, fit } from '../src/index.js';
import { runIngest } from './ingest.js';
import { getPeer, type PeerName } from './peers/index.js';
import type { Plan, Session } from './peers/types.js';
import type { CoreRuns, Job, MemoryJob, MemoryResult, PairJob, PairResult, PeerJob, PeerResult } from './protocol.js';
import { timeAlternated, timeSession } from './timed.js';
import {
  EVAL_SAMPLES,
  LEARNING_RATE,
  makeProblem,
  type Problem,
  SMOKE_EVAL_SAMPLES,
  WORKLOADS,
  type Workload,
} from './workloads.js';

/** The held-out loss must fall by at least this fraction for a peer to count as having learned. */
export const LEARNED_DROP = 0.02;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

/** A full epoch of warm-up (see bench/timed.ts) before the timed epochs. */
export function planFor(_w: Workload, samples: number, runs: number): Plan {
  return { samples, runs, warmupSamples: samples };
}

async function runPeer(job: PeerJob): Promise<PeerResult> {
  const w = WORKLOADS[job.workload];
  const peer = getPeer(job.peer, job.cBinary ?? new Error(job.cError ?? 'the C reference was not compiled'));
  const base: PeerResult = { workload: w.id, peer: job.peer, status: 'failed', description: peer.description };
  if (!peer.workloads.includes(w.id)) return { ...base, status: 'n/a', error: peer.notApplicable };
  const full = job.smoke ? w.smokeSamples : w.samples;
  const cap = peer.cap?.(w.id, job.smoke);
  const samples = cap !== undefined && cap < full ? cap : full;
  const problem = makeProblem(w, samples, job.smoke ? SMOKE_EVAL_SAMPLES : EVAL_SAMPLES);
  const plan = planFor(w, samples, job.runs);
  const planned = { ...base, samples, capped: samples < full, warmupSamples: plan.warmupSamples };

  let timesMs: number[];
  let lossBefore: number;
  let lossAfter: number;
  if (peer.runSelfTimed) {
    try {
      ({ timesMs, lossBefore, lossAfter } = await peer.runSelfTimed(problem, plan));
    } catch (err) {
      return { ...planned, error: `failed to run: ${message(err)}` };
    }
  } else {
    let session: Awaited<ReturnType<NonNullable<typeof peer.load>>>;
    try {
      session = await peer.load!(problem);
    } catch (err) {
      return { ...planned, error: `failed to load: ${message(err)}` };
    }
    try {
      ({ timesMs, lossBefore, lossAfter } = await timeSession(session, plan, problem.evalY));
      session.dispose?.();
    } catch (err) {
      return { ...planned, error: `failed while training: ${message(err)}` };
    }
  }
  const medianMs = median(timesMs);
  const learned = Number.isFinite(lossAfter) && lossAfter <= lossBefore * (1 - LEARNED_DROP);
  return {
    ...planned,
    status: learned ? 'ok' : 'not-learned',
    error: learned ? undefined : `held-out loss did not fall by ${LEARNED_DROP * 100}%`,
    timesMs,
    medianMs,
    samplesPerSec: samples / (medianMs / 1000),
    lossBefore,
    lossAfter,
    details: peer.details,
  };
}

/**
 * Heap growth over `steps` W1 steps through `fit` (batch 1): heapUsed after gc() before and
 * after. And what the steps allocated on the way (garbage included): v8's GC profiler gives the
 * heap in use before and after each collection, so allocated = Σ (used before a GC − used after
 * the previous one) + (used at the end − used after the last GC).
 */
async function runMemory(job: MemoryJob): Promise<MemoryResult> {
  const targetBytes = 1 << 20;
  const base: MemoryResult = { status: 'failed', steps: job.steps, targetBytes };
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return { ...base, error: 'run node with --expose-gc' };
  const w = WORKLOADS.W1;
  const problem = makeProblem(w, job.samples, 1);
  const net = cloneNetwork(problem.initial);
  const data = {
    x: { rows: job.samples, cols: w.inputs, data: problem.x },
    y: { rows: job.samples, cols: 1, data: problem.y },
  };
  const options = {
    batchSize: 1,
    shuffle: false,
    optimizer: { name: 'sgd' as const, learningRate: LEARNING_RATE },
  };
  // Warm-up on the same data, so that compiled code and lazily made state exist before measuring.
  fit(net, data, { ...options, epochs: 1 });

  gc();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const profiler = new GCProfiler();
  profiler.start();
  const t0 = performance.now();
  const epochs = Math.ceil(job.steps / job.samples);
  fit(net, data, { ...options, epochs });
  const t1 = performance.now();
  const heapEnd = process.memoryUsage().heapUsed;
  const stats = profiler.stop()?.statistics ?? [];
  gc();
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  let allocated = 0;
  let used = heapBefore;
  for (const s of stats) {
    allocated += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - used);
    used = s.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += Math.max(0, heapEnd - used);
  const growth = heapAfter - heapBefore;
  return {
    ...base,
    status: 'ok',
    heapBefore,
    heapAfter,
    growth,
    epochs,
    allocated,
    gcsDuring: stats.length,
    trainMs: t1 - t0,
    met: growth < targetBytes,
  };
}

/** Cores a pinned pair runs on, one after the other. */
const MAX_PINNED_CORES = 4;

/** The cores this process may run on (Linux's Cpus_allowed_list; elsewhere 0 … n − 1). */
function allowedCpus(): number[] {
  try {
    const list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (list !== undefined) {
      return list.split(',').flatMap((range) => {
        const [lo, hi = lo] = range.split('-').map(Number);
        return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
      });
    }
  } catch {
    // not Linux
  }
  return [...Array(availableParallelism()).keys()];
}

/**
 * Pins every thread of this process, and so every process it starts after, to core `cpu`, with
 * util-linux's `taskset`. Returns why not, or undefined.
 */
function pinTo(cpu: number): string | undefined {
  const r = spawnSync('taskset', ['--all-tasks', '--pid', '--cpu-list', String(cpu), String(process.pid)], {
    encoding: 'utf8',
  });
  if (r.status === 0) return undefined;
  return r.error ? `taskset: ${r.error.message}` : `taskset: ${r.stderr.trim()}`;
}

/** Two peers of the same workload, loaded in this process and timed alternately (see PairJob). */
async function runPair(job: PairJob): Promise<PairResult> {
  const w = WORKLOADS[job.workload];
  const base: PairResult = { workload: w.id, peers: job.peers, status: 'failed' };
  const samples = job.smoke ? w.smokeSamples : w.samples;
  const problem = makeProblem(w, samples, job.smoke ? SMOKE_EVAL_SAMPLES : EVAL_SAMPLES);
  const plan = planFor(w, samples, job.runs);
  const c = job.cBinary ?? new Error(job.cError ?? 'the C reference was not compiled');
  try {
    if (!job.pin) return { ...base, status: 'ok', ...(await alternate(job.peers, problem, plan, c)) };
    const cores: CoreRuns[] = [];
    for (const cpu of allowedCpus().slice(0, MAX_PINNED_CORES)) {
      const unpinned = pinTo(cpu);
      if (unpinned !== undefined) {
        return { ...base, status: 'ok', unpinned, ...(await alternate(job.peers, problem, plan, c)) };
      }
      cores.push({ cpu, ...(await alternate(job.peers, problem, plan, c)) });
    }
    const ratio = (r: CoreRuns) => r.samplesPerSec[0] / r.samplesPerSec[1];
    const best = cores.reduce((x, y) => (ratio(y) > ratio(x) ? y : x));
    return { ...base, status: 'ok', ...best, cores };
  } catch (err) {
    return { ...base, error: message(err) };
  }
}

/** The two peers loaded, warmed up and timed alternately (bench/timed.ts); then disposed of. */
async function alternate(
  names: [PeerName, PeerName],
  problem: Problem,
  plan: Plan,
  c: string | Error,
): Promise<Pick<CoreRuns, 'timesMs' | 'samplesPerSec'>> {
  const sessions: Session[] = [];
  try {
    for (const name of names) {
      const peer = getPeer(name, c);
      if (!peer.load) throw new Error(`${name} times itself and cannot be alternated`);
      sessions.push(await peer.load(problem));
    }
    const timesMs = await timeAlternated([sessions[0], sessions[1]], plan);
    const rate = (t: number[]) => plan.samples / (median(t) / 1000);
    return { timesMs, samplesPerSec: [rate(timesMs[0]), rate(timesMs[1])] };
  } finally {
    for (const s of sessions) s.dispose?.();
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as Job;
  const result =
    job.kind === 'peer'
      ? await runPeer(job)
      : job.kind === 'memory'
        ? await runMemory(job)
        : job.kind === 'pair'
          ? await runPair(job)
          : await runIngest(job);
  await new Promise<void>((resolve, reject) =>
    process.send!(result, (err: Error | null) => (err ? reject(err) : resolve())),
  );
  process.disconnect();
}

await main();
