/** What the bench's parent process asks of a child process, and what the child reports back. */
import type { PeerName } from './peers/index.js';
import type { WorkloadId } from './workloads.js';

export interface PeerJob {
  kind: 'peer';
  workload: WorkloadId;
  peer: PeerName;
  runs: number;
  smoke: boolean;
  /** The compiled C reference, or why there is none. */
  cBinary?: string;
  cError?: string;
}

export interface MemoryJob {
  kind: 'memory';
  steps: number;
  samples: number;
}

/** An ingest pass: bare csv-parse, backprop's loader, or the whole `backprop train` pipeline (issue 13's memory). */
export type IngestMode = 'loader' | 'csv-parse' | 'train' | 'train-f32';

export interface IngestJob {
  kind: 'ingest';
  mode: IngestMode;
  file: string;
}

/**
 * Two peers timed in one process, their timed runs alternated (a, b, a, b, …), so that the
 * machine's drift over the minutes of a bench hits both alike: for a ratio between two of
 * backprop's own configurations (issue 13 item 4's two threads against one), or between two
 * single-threaded peers (`pin`; item 3's float32 against C, which runs in a child process that
 * inherits the pinning) pinned to one core and then to the next. On a shared VM a core's SIMD
 * throughput can drop by a third for minutes (the host gives its other hyperthread to another
 * guest) while the other core's does not, and that hits a kernel that keeps the vector units busy
 * harder than one that does not: each core's ratio is kept.
 */
export interface PairJob {
  kind: 'pair';
  workload: WorkloadId;
  peers: [PeerName, PeerName];
  runs: number;
  smoke: boolean;
  pin: boolean;
  /** The compiled C reference, or why there is none. */
  cBinary?: string;
  cError?: string;
}

export type Job = PeerJob | MemoryJob | IngestJob | PairJob;

export interface PairResult {
  workload: WorkloadId;
  peers: [PeerName, PeerName];
  status: 'ok' | 'failed';
  error?: string;
  /** Why a pair asked to be pinned was not. */
  unpinned?: string;
  /** Each peer's timed runs, in the order they ran (alternated); a pinned pair's on its `cpu`. */
  timesMs?: [number[], number[]];
  /** From each peer's median run; a pinned pair's on its `cpu`. */
  samplesPerSec?: [number, number];
  /** A pinned pair's core with the highest ratio, whose figures are the two above. */
  cpu?: number;
  /** A pinned pair's runs on each core in turn. */
  cores?: CoreRuns[];
}

/** An alternated pair's runs pinned to one core. */
export interface CoreRuns {
  cpu: number;
  timesMs: [number[], number[]];
  samplesPerSec: [number, number];
}

export type PeerStatus = 'ok' | 'not-learned' | 'failed' | 'n/a';

export interface PeerResult {
  workload: WorkloadId;
  peer: PeerName;
  status: PeerStatus;
  /** Why it failed or does not apply. */
  error?: string;
  description?: string;
  /** Training samples per timed run, and whether a cap lowered it from the workload's count. */
  samples?: number;
  capped?: boolean;
  warmupSamples?: number;
  timesMs?: number[];
  medianMs?: number;
  samplesPerSec?: number;
  lossBefore?: number;
  lossAfter?: number;
  details?: Record<string, string>;
}

export interface MemoryResult {
  status: 'ok' | 'failed';
  error?: string;
  steps: number;
  /** The steps run as this many epochs of one fit call. */
  epochs?: number;
  /** heapUsed after gc() before and after the training (bytes). */
  heapBefore?: number;
  heapAfter?: number;
  growth?: number;
  /** Bytes allocated on the heap while training, garbage included (from v8's GC profiler). */
  allocated?: number;
  /** Garbage collections that ran while training. */
  gcsDuring?: number;
  trainMs?: number;
  targetBytes: number;
  met?: boolean;
}

export interface IngestResult {
  mode: IngestMode;
  status: 'ok' | 'failed';
  error?: string;
  /** What was called, e.g. "readCsv + tableToExamples". */
  what?: string;
  fileBytes?: number;
  rows?: number;
  ms?: number;
  mbPerSec?: number;
  /** Peak resident set size of the child process (bytes), its own (bench/peak-rss.ts). */
  peakRss?: number;
}
