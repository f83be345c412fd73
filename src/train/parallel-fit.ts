/**
 * Data-parallel training across worker threads (Node's `worker_threads`). Every mini-batch is
 * split into `workers` contiguous shards of rows, and each batch runs in two phases:
 *
 * 1. every thread — the calling one computes shard 0, one worker thread each of the others —
 *    computes the gradient of its shard's mean loss with the fastest engine that covers the
 *    network (src/train/engines: the WebAssembly SIMD kernels, else `backProp`) and
 *    publishes it in shared memory; a barrier;
 * 2. every thread takes a slice of the parameter vector, combines the shards' gradients there in
 *    a fixed order (shard 0, 1, …) into the batch's mean gradient, adds the L2 term and applies
 *    the optimiser (element-wise, so slices updated apart agree with one update of the whole);
 *    the calling thread waits for all slices, then sums the loss and runs the callbacks.
 *
 * The dataset is copied once per call into SharedArrayBuffers, the weights live in one that every
 * thread reads at each batch, and the threads synchronise with `Atomics.wait`/`notify` on a shared
 * control array: no message carries data after start-up.
 *
 * A run is deterministic for a given worker count (bit for bit, run to run) but NOT
 * bit-identical to `fit`: the batch's sum is split into partial sums and each shard's mean is
 * rescaled, so the weights agree with `fit`'s to ~1e-15 relative per step (the tests hold them to
 * 1e-10 after several epochs). `workers: 1` runs `fit` itself. See docs/threads.md for when it
 * pays (large batches of wide layers) and when it does not (small batches, narrow layers).
 */
import type { Worker } from 'node:worker_threads';
import { ConfigError } from '../core/errors.js';
import { allFinite } from '../core/matrix.js';
import { createRandom } from '../core/random.js';
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
import {
  type CheckedFitOptions,
  checkFitOptions,
  checkPositiveInteger,
  createEpochEnd,
  type Dataset,
  DivergenceError,
  divergenceMessage,
  type FitEngine,
  type FitOptions,
  fit,
  type History,
} from './fit.js';
import {
  attachShardThread,
  CMD_EXIT,
  CMD_RUN,
  CTRL,
  ERROR_BYTES,
  recordedError,
  type ShardThread,
  type SharedSetup,
  shardRange,
  type WorkerData,
  waitAtLeast,
} from './parallel-shard.js';

export interface ParallelFitOptions extends FitOptions {
  /**
   * Threads computing each batch's gradient, the calling thread included (so `workers: 2`
   * starts one worker thread). Default: the machine's available parallelism. 1 runs `fit`.
   */
  workers?: number;
}

export interface ParallelHistory extends History {
  /** Threads that computed the gradients (1: `fit` ran). */
  workers: number;
}

/** A SharedArrayBuffer holding a copy of `data`. */
function sharedCopy(data: Float64Array): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(data.length * 8);
  new Float64Array(buf).set(data);
  return buf;
}

/**
 * How to start a worker: the built `parallel-worker.js` beside this module; or, when this module
 * is itself running from TypeScript sources (tests, `tsx`), a bootstrap that registers tsx's
 * loader in the worker and then imports `parallel-worker.ts` (Node 20 does not apply an
 * `--import` given in a worker's `execArgv` to the worker's own entry module).
 */
async function workerScript(): Promise<{ script: URL | string; eval: boolean }> {
  if (!import.meta.url.endsWith('.ts'))
    return { script: new URL('./parallel-worker.js', import.meta.url), eval: false };
  const { createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  let api: string;
  try {
    // tsx/esm/api resolves to its CommonJS build under require; its ES module build sits beside it.
    api = pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
  } catch {
    throw new ConfigError('fitParallel from TypeScript sources needs tsx installed; or run the built dist/ instead');
  }
  const entry = new URL('./parallel-worker.ts', import.meta.url).href;
  const script = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return { script, eval: true };
}

/**
 * Trains `net` in place on `data` like {@link fit}, with each batch's gradient computed by
 * `options.workers` threads (see the module comment). Resolves to the history once the worker
 * threads have been terminated; rejects with the errors `fit` throws (a {@link ConfigError} also
 * for a `workers` that is not an integer ≥ 1), leaving `net` as `fit` would.
 *
 * Node only (worker_threads and SharedArrayBuffer); browser Web Workers are not supported yet.
 * The training loop itself runs synchronously on the calling thread, like `fit`.
 */
export async function fitParallel(
  net: Network,
  data: Dataset,
  options: ParallelFitOptions = {},
): Promise<ParallelHistory> {
  const workers = options.workers ?? (await import('node:os')).availableParallelism();
  checkPositiveInteger('workers', workers);
  if (workers === 1) return { ...fit(net, data, options), workers: 1 };

  // The same checks as fit, before anything starts.
  const checked = checkFitOptions(net, data, options);
  if (options.dtype === 'float32') throw new ConfigError("fitParallel has no dtype 'float32' yet: use fit");
  if (checked.initialEpoch > 0 || data.w) {
    throw new ConfigError('fitParallel does not resume (initialEpoch) or weight examples (w) yet: use fit');
  }
  const setup = sharedSetup(net, data, checked, options.engine ?? 'auto', workers);
  const ctrl = new Int32Array(setup.control);
  const own = attachShardThread(setup, 0, checked.optimizer);
  setup.engine = own.engine; // the workers ask for the engine this thread got

  const { Worker } = await import('node:worker_threads');
  const script = await workerScript();
  const threads: Worker[] = [];
  try {
    for (let k = 1; k < workers; k++) {
      const workerData: WorkerData = { setup, index: k };
      threads.push(new Worker(script.script, { workerData, eval: script.eval }));
    }
    await Promise.all(threads.map(ready));
    return trainOnThreads({ net, data, options, checked, setup, ctrl, own, workers, round: 0, correct: 0 });
  } finally {
    Atomics.store(ctrl, CTRL.CMD, CMD_EXIT);
    Atomics.add(ctrl, CTRL.GEN, 1);
    Atomics.notify(ctrl, CTRL.GEN);
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

/**
 * Shared memory for a run: the data (copied once), the order, the weights, one gradient slot per
 * shard, the control words, the shard losses and room for a thread's error message.
 */
function sharedSetup(
  net: Network,
  data: Dataset,
  checked: CheckedFitOptions,
  engine: FitEngine,
  workers: number,
): SharedSetup {
  const { optimizer } = checked;
  const n = data.x.rows;
  const P = parameterCount(net);
  // An optimiser built from a configuration, or plain SGD from createOptimizer (no state but its
  // step count, advanced per batch on the calling thread), is re-built in every thread for its
  // slice; any other object passed in (whose state the caller owns) runs on the calling thread.
  const distributed = !checked.optimizerGiven || kernelUpdate(optimizer) !== undefined;
  const setup: SharedSetup = {
    config: networkConfig(net),
    engine,
    shards: workers,
    n,
    batchSize: checked.batchSize,
    l2: checked.l2,
    optimizer: distributed ? optimizer.config : null,
    x: sharedCopy(data.x.data),
    y: sharedCopy(data.y.data),
    order: new SharedArrayBuffer(n * 4),
    params: new SharedArrayBuffer(P * 8),
    grads: new SharedArrayBuffer(P * 8 * workers),
    control: new SharedArrayBuffer((CTRL.CORRECT + workers) * 4),
    losses: new SharedArrayBuffer(workers * 8),
    error: new SharedArrayBuffer(ERROR_BYTES),
  };
  const order = new Uint32Array(setup.order);
  for (let i = 0; i < n; i++) order[i] = i;
  return setup;
}

/** A parallel run in progress, as the calling thread drives it. */
interface ParallelRun {
  net: Network;
  data: Dataset;
  options: ParallelFitOptions;
  checked: CheckedFitOptions;
  setup: SharedSetup;
  ctrl: Int32Array;
  /** The calling thread's part (shard 0), over the shared weights. */
  own: ShardThread;
  workers: number;
  /** Batches started so far (the barriers count in rounds). */
  round: number;
  /** The last batch's correct predictions. */
  correct: number;
}

/** The epochs: shuffling, the batches on the threads, divergence checks and the epoch's bookkeeping. */
function trainOnThreads(run: ParallelRun): ParallelHistory {
  const { net, data, options, checked, ctrl, own, workers } = run;
  const { epochs, batchSize, optimizer } = checked;
  const n = data.x.rows;
  const rng = createRandom(options.seed ?? 0);
  const shuffle = options.shuffle ?? true;
  const order = new Uint32Array(run.setup.order);
  const batches = Math.ceil(n / batchSize);
  const work = own.net;
  const epochStart = cloneNetwork(net);
  const history: ParallelHistory = { epochs: [], engine: own.engine, stopReason: 'completed', workers };
  const epochEnd = createEpochEnd(net, options, checked, history);
  const diverged = (epoch: number, batch: number, loss: number) => {
    copyWeights(epochStart, net);
    return new DivergenceError(divergenceMessage(epoch, batch, loss, optimizer, data.x), history);
  };
  Atomics.store(ctrl, CTRL.CMD, CMD_RUN);

  for (let epoch = 1; epoch <= epochs; epoch++) {
    copyWeights(net, epochStart);
    copyWeights(net, work);
    if (shuffle) rng.shuffle(order);
    ctrl[CTRL.ORDERED] = shuffle ? 1 : 0;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      const start = b * batchSize;
      const size = Math.min(batchSize, n - start);
      const loss = computeBatch(run, start, size);
      if (!Number.isFinite(loss)) throw diverged(epoch, b + 1, loss);
      updateBatch(run);
      lossSum += loss * size;
      correct += run.correct;
      seen += size;
      if (options.onBatchEnd) {
        copyWeights(work, net);
        if (options.onBatchEnd({ epoch, batch: b + 1, batches, loss, size }) === false) history.stopReason = 'callback';
        copyWeights(net, work);
      }
      if (history.stopReason === 'callback') break;
    }
    copyWeights(work, net);
    if (!parameterArrays(net).every(allFinite)) throw diverged(epoch, batches, Number.NaN);
    if (!epochEnd.close(epoch, lossSum, correct, seen)) break;
  }
  epochEnd.finish();
  return history;
}

/** Resolves when a worker has set up its shard engine; rejects if it fails or exits first. */
function ready(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (e: unknown) => {
      worker.off('message', onMessage);
      reject(e instanceof Error ? e : new Error(`fitParallel: worker exited with code ${e} before it was ready`));
    };
    const onMessage = (m: { type: string }) => {
      if (m.type !== 'ready') return;
      worker.off('error', fail);
      worker.off('exit', fail);
      resolve();
    };
    worker.on('message', onMessage);
    worker.once('error', fail);
    worker.once('exit', fail);
  });
}

/**
 * Phase 1 of a batch: every thread computes its shard (this one shard 0) and publishes its
 * gradient. Returns the batch's loss — Σₖ (sizeₖ / size)·(shard k's mean loss) in shard order,
 * then the L2 term layer by layer from the last, as backProp adds it — and sets `run.correct`.
 */
function computeBatch(run: ParallelRun, start: number, size: number): number {
  const { ctrl, setup, own, workers } = run;
  const layers = own.net.layers;
  ctrl[CTRL.START] = start;
  ctrl[CTRL.SIZE] = size;
  run.round++;
  Atomics.add(ctrl, CTRL.GEN, 1);
  Atomics.notify(ctrl, CTRL.GEN);
  // Ω = l2·Σ‖kernel‖² on the weights before the update: computed before this thread arrives at
  // the barrier, past which the others start updating their slices.
  const penalties = setup.l2 > 0 ? layers.map((l) => squaredNorm(l.kernel.data)) : [];
  own.computeShard();
  own.awaitShards();
  if (Atomics.load(ctrl, CTRL.ERROR) !== 0) throw recordedError(setup);
  const shardLosses = new Float64Array(setup.losses);
  let loss = 0;
  run.correct = 0;
  for (let k = 0; k < workers; k++) {
    const [lo, hi] = shardRange(size, workers, k);
    if (hi === lo) continue;
    loss += ((hi - lo) / size) * shardLosses[k];
    run.correct += ctrl[CTRL.CORRECT + k];
  }
  for (let l = penalties.length - 1; l >= 0; l--) loss += setup.l2 * penalties[l];
  return loss;
}

/** Phase 2 of a batch: every thread combines the shards' gradients and updates its slice of the weights. */
function updateBatch(run: ParallelRun): void {
  const { ctrl, setup, own, workers, checked } = run;
  own.update();
  // The threads stepped optimisers re-built from its configuration: count the step on the caller's.
  if (checked.optimizerGiven && setup.optimizer !== null) kernelUpdate(checked.optimizer)?.advance(1);
  waitAtLeast(ctrl, CTRL.DONE, (workers - 1) * run.round);
  if (Atomics.load(ctrl, CTRL.ERROR) !== 0) throw recordedError(setup);
}
