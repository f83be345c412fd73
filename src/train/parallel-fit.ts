/**
 * Data-parallel training across worker threads (Node's `worker_threads`), chosen by `fit` itself
 * for runs big enough to pay (see {@link planThreads}) or asked for with its `threads` option.
 * Every mini-batch is cut into {@link SHARDS} contiguous shards of rows — always that many,
 * whatever the thread count — and runs in two phases:
 *
 * 1. every thread — the calling one and pooled worker threads (parallel-pool.ts) — computes the
 *    gradient of the mean loss of its shards with the fastest engine that covers the network
 *    (src/train/engines: the WebAssembly SIMD kernels, else `backProp`) and publishes each in
 *    shared memory; a barrier;
 * 2. every thread takes a slice of the parameter vector, combines the shards' gradients there in
 *    a fixed order (shard 0, 1, …) into the batch's mean gradient, adds the L2 term and applies
 *    the optimiser (element-wise, so slices updated apart agree with one update of the whole);
 *    the calling thread waits for all slices, then sums the loss and runs the callbacks.
 *
 * The calling thread gathers each batch's rows into shared buffers (the dataset itself is never
 * copied), the weights live in one that every thread reads at each batch, and the threads synchronise with `Atomics.wait`/`notify` on a shared
 * control array: no message carries data but the job each worker gets at the start.
 *
 * A sharded run gives the same bits for any thread count, 1 included (the reduction is fixed by
 * the shards, not by the threads), and is deterministic run to run; it is NOT bit-identical to
 * unsharded `fit`: the batch's sum is split into two partial sums and each shard's mean is
 * rescaled, so the weights agree with unsharded `fit`'s to ~1e-15 relative per step. See
 * docs/threads.md for the rule and the measurements behind it.
 */
import { ConfigError } from '../core/errors.js';
import { allFinite } from '../core/matrix.js';
import { createRandom } from '../core/random.js';
import { createSharedMemory, sharedKernelsLayout } from '../core/wasm/kernels-shared.js';
import { squaredNorm } from '../nn/backprop.js';
import {
  cloneNetwork,
  copyWeights,
  type Network,
  networkConfig,
  parameterArrays,
  parameterCount,
} from '../nn/network.js';
import { kernelUpdate } from '../nn/optimizers.js';
import { gatherRows } from './engines/rows.js';
import { selectEngine } from './engines/select.js';
import { combineShards, maxShardRows, SHARDS, shardRange } from './engines/shards.js';
import { layoutShards } from './engines/wasm-layout.js';
import {
  type CheckedFitOptions,
  createEpochEnd,
  type Dataset,
  DivergenceError,
  divergenceMessage,
  type FitEngine,
  type FitOptions,
  fit,
  type History,
} from './fit.js';
import { idleCores, startJobs, threadsSupported } from './parallel-pool.js';
import {
  attachShardThread,
  CHUNKS,
  CMD_EXIT,
  CMD_RUN,
  CTRL,
  ERROR_BYTES,
  MAX_WORKERS,
  recordedError,
  type ShardThread,
  type SharedSetup,
  tag,
  waitCount,
} from './parallel-shard.js';

export interface ParallelFitOptions extends FitOptions {
  /** Threads, as `FitOptions.threads` (an alias kept for `fitParallel`'s callers). */
  workers?: number;
}

export interface ParallelHistory extends History {
  /** Threads that computed the gradients (1: one thread). */
  workers: number;
}

/**
 * The smallest parameter count × batch size for which `fit` shards a run on its own, measured
 * on 2 cores (docs/threads.md): 784-256-1 with batch 64 (12.9M) gains, 30-64-1 with batch 32
 * (66k) loses.
 */
export const SHARDED_WORK = 4_000_000;
/**
 * The smallest batch `fit` shards on its own: the copies a sharded batch adds are a fixed number
 * of passes over the parameters, ~30 % of the compute at batch 64 (docs/threads.md), twice that
 * at 32, where two threads could no longer win.
 */
export const SHARDED_BATCH = 64;

/**
 * `fit` with the `threads` option: kept as the `backprop/parallel` entry of earlier releases.
 * Resolves to `fit`'s history with `workers` (the threads used) added.
 * @param net the network, trained in place
 * @param data the training examples
 * @param options `fit`'s options; `workers` is `threads`
 */
export async function fitParallel(
  net: Network,
  data: Dataset,
  options: ParallelFitOptions = {},
): Promise<ParallelHistory> {
  const { workers, ...rest } = options;
  const history = fit(net, data, { ...rest, ...(workers !== undefined ? { threads: workers } : {}) });
  return { ...history, workers: history.threads ?? 1 };
}

/**
 * Whether `fit` shards this run, and on how many threads: 0 for an unsharded run (the engine
 * alone, bit-identical to the reference path), 1 for the two shards computed on the calling
 * thread by the two-shard engine (engines/two-shards.ts), else 2 … {@link SHARDS} threads.
 * Sharded when the run is big enough ({@link SHARDED_WORK}, {@link SHARDED_BATCH}) and has no
 * sample weights — in Node and in a browser alike, so one seed gives the same bits on either —
 * or when `threads` ≥ 2 asks for it. The thread count is `threads` (at most {@link SHARDS}), by
 * default the cores that look free (`idleCores`; 1 where worker threads are missing): the
 * count changes the speed, never the bits.
 * @param net the network
 * @param data the training data
 * @param checked fit's checked options
 * @param threads the `threads` option, if given
 */
export function planThreads(
  net: Network,
  data: Dataset,
  checked: CheckedFitOptions,
  threads: number | undefined,
): number {
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new ConfigError(`threads must be an integer ≥ 1, got ${threads}`);
  }
  const shardable = data.w === undefined;
  const batch = Math.min(checked.batchSize, data.x.rows);
  const pays = batch >= SHARDED_BATCH && parameterCount(net) * batch >= SHARDED_WORK;
  // One thread (busy cores, no worker threads) computes the same shards in the engine itself.
  if (threads === undefined) return shardable && pays ? (threadsSupported() ? Math.min(SHARDS, idleCores()) : 1) : 0;
  if (threads === 1) return shardable && pays ? 1 : 0;
  if (!threadsSupported())
    throw new ConfigError('threads > 1 needs worker threads (Node ≥ 20.16) and parallel-worker.js beside the library');
  if (data.w !== undefined) throw new ConfigError('threads > 1 does not weight examples (w, class weights) yet');
  return Math.min(SHARDS, threads, MAX_WORKERS + 1);
}

/**
 * Trains `net` in place as `fit` does, each batch cut into shards computed by `threads` threads
 * (see the module comment); `fit` calls it once {@link planThreads} said so.
 * @param net the network
 * @param data the training data
 * @param options fit's options
 * @param checked the same, checked
 * @param threads 2 … {@link SHARDS}
 */
export function fitSharded(
  net: Network,
  data: Dataset,
  options: FitOptions,
  checked: CheckedFitOptions,
  threads: number,
): History {
  const setup = createSharedSetup(net, data, checked, options.engine ?? 'auto', threads);
  const ctrl = new Int32Array(setup.control);
  const own = attachShardThread(setup, 0);
  setup.engine = own.engine; // the workers ask for the engine this thread got
  try {
    if (threads > 1) startJobs(setup);
    if (Atomics.load(ctrl, CTRL.ERROR) !== 0) throw recordedError(setup);
    const { buffer } = setup.memory;
    const batchX = new Float64Array(buffer, setup.at.x, setup.rows * data.x.cols);
    const batchY = new Float64Array(buffer, setup.at.y, setup.rows * data.y.cols);
    return trainOnThreads({
      net,
      data,
      options,
      checked,
      setup,
      ctrl,
      own,
      threads,
      batchX,
      batchY,
      round: 0,
      correct: 0,
      ...phase2Views(own.net, setup),
    });
  } finally {
    Atomics.store(ctrl, CTRL.CMD, CMD_EXIT);
    Atomics.add(ctrl, CTRL.GEN, 1);
    for (const at of [CTRL.GEN, CTRL.SHARD_DONE, CTRL.CHUNK_DONE]) Atomics.notify(ctrl, at);
  }
}

/** The calling thread's views for a phase 2 it runs alone: the slots, the combined gradient cut like the parameters. */
function phase2Views(net: Network, setup: SharedSetup) {
  const P = parameterCount(net);
  const combined = new Float64Array(P);
  const params = parameterArrays(net);
  let off = 0;
  const gradArrays = params.map((p) => {
    const v = combined.subarray(off, off + p.length);
    off += p.length;
    return v;
  });
  const slots = Array.from(
    { length: SHARDS },
    (_, k) => new Float64Array(setup.memory.buffer, setup.at.grads + k * P * 8, P),
  );
  return { combined, gradArrays, slots };
}

/**
 * Shared memory for a run: one WebAssembly memory with the batch, the weights, one gradient slot
 * per shard and, when the engine the run gets is the WebAssembly one, each shard's region for the
 * shared-memory kernels (wasm-layout.ts's `layoutShards`); beside it the control words, the shard
 * losses and room for a thread's error message. The memory is sized here, before any thread
 * starts, and never grows.
 * @param net the network (its shapes; the weights are copied in at each epoch's start)
 * @param data the training data (its shapes and row count)
 * @param checked fit's checked options
 * @param engine the engine asked for
 * @param threads the threads that will compute the shards
 */
export function createSharedSetup(
  net: Network,
  data: Dataset,
  checked: CheckedFitOptions,
  engine: FitEngine,
  threads: number,
): SharedSetup {
  const rows = Math.min(checked.batchSize, data.x.rows);
  // Plain SGD (no state but its step count, advanced per batch on the calling thread) without L2
  // is updated in chunks by every thread; any other optimiser by the calling thread, whose
  // optimiser object it is.
  const sgd = kernelUpdate(checked.optimizer);
  const sgdRate = sgd !== undefined && checked.l2 === 0 ? sgd.learningRate : 0;
  const batches = Math.ceil(data.x.rows / checked.batchSize) * Math.max(1, checked.epochs - checked.initialEpoch);
  // The shared kernels run the shards where the engine the threads would get is the WebAssembly one.
  const shared = usesWasm(net, data, rows, batches, engine) ? sharedKernelsLayout() : undefined;
  const shardRows = maxShardRows(rows);
  const plan = layoutShards(shared?.heapBase ?? 0, net, rows, shardRows, SHARDS, shared?.packBytes ?? 0);
  const memory = createSharedMemory(plan.layout.bytes);
  if (memory === undefined)
    throw new ConfigError(`a sharded run cannot have ${plan.layout.bytes} bytes of shared memory`);
  plan.writeTables(memory.buffer);
  const layout = plan.layout;
  const setup: SharedSetup = {
    config: networkConfig(net),
    engine,
    threads,
    rows,
    batches,
    l2: checked.l2,
    sgdRate,
    memory,
    at: layout,
    control: new SharedArrayBuffer((CTRL.CORRECT + SHARDS) * 4),
    losses: new SharedArrayBuffer(SHARDS * 8),
    error: new SharedArrayBuffer(ERROR_BYTES),
  };
  return setup;
}

/** Whether the selector gives the threads the WebAssembly engine (asked as each thread would ask). */
function usesWasm(net: Network, data: Dataset, rows: number, batches: number, engine: FitEngine): boolean {
  const matrix = (cols: number) => ({ rows, cols, data: new Float64Array(rows * cols) });
  const setup = { x: matrix(data.x.cols), y: matrix(data.y.cols) };
  const probe = selectEngine(engine, {
    net,
    data: setup,
    batchSize: maxShardRows(rows),
    l2: 0,
    epochs: batches,
    perStepCallback: true,
  });
  return probe.name === 'wasm';
}

/** A parallel run in progress, as the calling thread drives it. */
interface ParallelRun {
  net: Network;
  data: Dataset;
  options: ParallelFitOptions;
  checked: CheckedFitOptions;
  setup: SharedSetup;
  ctrl: Int32Array;
  /** The calling thread's part (thread 0), over the shared weights. */
  own: ShardThread;
  threads: number;
  /** The shared batch buffers. */
  batchX: Float64Array;
  batchY: Float64Array;
  /** Phase 2 on the calling thread: the combined gradient, as one array and cut like the parameters; the slots. */
  combined: Float64Array;
  gradArrays: Float64Array[];
  slots: Float64Array[];
  /** Batches started so far: the round of the claim counters. */
  round: number;
  /** The last batch's correct predictions. */
  correct: number;
}

/** The epochs: shuffling, the batches on the threads, divergence checks and the epoch's bookkeeping. */
function trainOnThreads(run: ParallelRun): History {
  const { net, data, options, checked, ctrl, own, threads } = run;
  const { epochs, initialEpoch, batchSize, optimizer } = checked;
  const n = data.x.rows;
  const rng = createRandom(options.seed ?? 0);
  const shuffle = options.shuffle ?? true;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Resuming: the order each earlier epoch used, as fit does.
  for (let e = 0; shuffle && e < initialEpoch; e++) rng.shuffle(order);
  const batches = Math.ceil(n / batchSize);
  const work = own.net;
  const epochStart = cloneNetwork(net);
  const history: History = { epochs: [], engine: own.engine, stopReason: 'completed', threads };
  const epochEnd = createEpochEnd(net, options, checked, history);
  const diverged = (epoch: number, batch: number, loss: number) => {
    copyWeights(epochStart, net);
    return new DivergenceError(divergenceMessage(epoch, batch, loss, optimizer, data.x), history);
  };
  Atomics.store(ctrl, CTRL.CMD, CMD_RUN);

  for (let epoch = initialEpoch + 1; epoch <= epochs; epoch++) {
    if (options.shouldStop?.()) {
      history.stopReason = 'interrupted';
      break;
    }
    copyWeights(net, epochStart);
    copyWeights(net, work);
    if (shuffle) rng.shuffle(order);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let ran = batches;
    const gather = (b: number) => {
      const start = b * batchSize;
      gatherBatch(run, shuffle ? order : null, start, Math.min(batchSize, n - start));
    };
    gather(0);
    for (let b = 0; b < batches; b++) {
      const size = Math.min(batchSize, n - b * batchSize);
      const loss = computeBatch(run, size);
      if (!Number.isFinite(loss)) throw diverged(epoch, b + 1, loss);
      // The next batch's rows are gathered while the other threads update: phase 1 is over.
      updateBatch(run, b + 1 < batches ? () => gather(b + 1) : undefined);
      lossSum += loss * size;
      correct += run.correct;
      seen += size;
      if (options.onBatchEnd) {
        copyWeights(work, net);
        if (options.onBatchEnd({ epoch, batch: b + 1, batches, loss, size }) === false) history.stopReason = 'callback';
        copyWeights(net, work);
      }
      if (history.stopReason === 'callback') break;
      if (b + 1 < batches && options.shouldStop?.()) {
        ran = b + 1;
        history.stopReason = 'interrupted';
        break;
      }
    }
    copyWeights(work, net);
    if (!parameterArrays(net).every(allFinite)) throw diverged(epoch, batches, Number.NaN);
    const partial = ran < batches ? { batches: ran, of: batches } : undefined;
    if (!epochEnd.close(epoch, lossSum, correct, seen, partial)) break;
  }
  epochEnd.finish();
  return history;
}

/** Copies the batch's rows (through the epoch's order, if any) into the shared batch buffers. */
function gatherBatch(run: ParallelRun, order: Uint32Array | null, start: number, size: number): void {
  const { x, y } = run.data;
  gatherRows(x.data, x.cols, order, start, size, run.batchX);
  gatherRows(y.data, y.cols, order, start, size, run.batchY);
}

/**
 * Phase 1 of a batch: the threads claim and compute the shards. Returns the batch's loss —
 * Σₖ (sizeₖ / size)·(shard k's mean loss) in shard order, then the L2 term layer by layer from
 * the last, as backProp adds it — and sets `run.correct`.
 */
function computeBatch(run: ParallelRun, size: number): number {
  const { ctrl, setup, own } = run;
  const layers = own.net.layers;
  ctrl[CTRL.SIZE] = size;
  const round = ++run.round;
  for (const at of [CTRL.SHARD_NEXT, CTRL.SHARD_DONE, CTRL.CHUNK_NEXT, CTRL.CHUNK_DONE]) {
    Atomics.store(ctrl, at, tag(round, 0));
  }
  Atomics.store(ctrl, CTRL.GEN, round);
  Atomics.notify(ctrl, CTRL.GEN);
  own.computeShards(round);
  // Ω = l2·Σ‖kernel‖² on the weights before the update (with L2 only this thread updates them).
  const penalties = setup.l2 > 0 ? layers.map((l) => squaredNorm(l.kernel.data)) : [];
  waitCount(ctrl, CTRL.SHARD_DONE, round, SHARDS);
  if (Atomics.load(ctrl, CTRL.ERROR) !== 0) throw recordedError(setup);
  const shardLosses = new Float64Array(setup.losses);
  let loss = 0;
  run.correct = 0;
  for (let k = 0; k < SHARDS; k++) {
    const [lo, hi] = shardRange(size, SHARDS, k);
    if (hi === lo) continue;
    loss += ((hi - lo) / size) * shardLosses[k];
    run.correct += ctrl[CTRL.CORRECT + k];
  }
  for (let l = penalties.length - 1; l >= 0; l--) loss += setup.l2 * penalties[l];
  return loss;
}

/**
 * Phase 2 of a batch: plain SGD in chunks claimed by every thread (its step counted on the
 * caller's optimiser), or, for any other optimiser or with L2, on this thread: the shards'
 * gradients combined in shard order, 2·l2·kernel added, the optimiser's step. `gatherNext`
 * (the next batch's rows into the batch region, which phase 2 does not read) runs first.
 */
function updateBatch(run: ParallelRun, gatherNext: (() => void) | undefined): void {
  const { ctrl, setup, own, checked, round } = run;
  gatherNext?.();
  if (setup.sgdRate > 0) {
    own.updateChunks(round);
    kernelUpdate(checked.optimizer)?.advance(1);
    waitCount(ctrl, CTRL.CHUNK_DONE, round, CHUNKS);
    if (Atomics.load(ctrl, CTRL.ERROR) !== 0) throw recordedError(setup);
    return;
  }
  combineShards(run.slots, ctrl[CTRL.SIZE], run.combined);
  if (setup.l2 > 0) {
    // As backProp: ∂Ω/∂kernel = 2·l2·kernel, added to the mean gradient.
    own.net.layers.forEach((l, i) => {
      const g = run.gradArrays[2 * i];
      const w = l.kernel.data;
      for (let j = 0; j < w.length; j++) g[j] += 2 * setup.l2 * w[j];
    });
  }
  checked.optimizer.step(parameterArrays(own.net), run.gradArrays);
}
