/**
 * Training across worker threads (Node's `worker_threads`), chosen by `fit` itself for runs big
 * enough to pay (see {@link planThreads}) or asked for with its `threads` option. Each mini-batch
 * is split between the threads — the calling one and pooled worker threads (parallel-pool.ts) —
 * by units: each thread owns a run of every hidden layer's units for the whole run and computes
 * their forward pass, their δ and their weights' gradients and SGD step over all the batch's rows,
 * with a barrier between layers, in its own instance of the WebAssembly kernels over one shared
 * memory (parallel-split.ts). With any other optimiser the calling thread steps it over the whole
 * gradient after the batch.
 *
 * Each number is computed by the same operations in the same order as the WebAssembly engine
 * computes it on one thread, so a run gives the engine's bits — the reference path's — for any
 * thread count. The calling thread gathers each batch's rows into the shared batch buffers (two,
 * alternating, so that the next batch is gathered while the threads finish this one), and the
 * threads synchronise with `Atomics.wait`/`notify` on a shared control array: no message carries
 * data but the job each worker gets at the start. See docs/threads.md for the rule and the
 * measurements behind it.
 */
import { ConfigError } from '../core/errors.js';
import { allFinite } from '../core/matrix.js';
import { createRandom } from '../core/random.js';
import { createSharedMemory, sharedKernelsLayout } from '../core/wasm/kernels-shared.js';
import {
  cloneNetwork,
  copyWeights,
  type Network,
  networkConfig,
  parameterArrays,
  parameterCount,
} from '../nn/network.js';
import { kernelUpdate } from '../nn/optimizers.js';
import { covers } from './engines/engine.js';
import { gatherRows } from './engines/rows.js';
import { SPARE_MAX_BYTES } from './engines/spare-instance.js';
import { wasmEngine } from './engines/wasm.js';
import { layoutSplit } from './engines/wasm-layout.js';
import {
  type CheckedFitOptions,
  createEpochEnd,
  type Dataset,
  DivergenceError,
  divergenceMessage,
  type FitOptions,
  fit,
  type History,
} from './fit.js';
import { idleCores, startJobs, threadsSupported } from './parallel-pool.js';
import {
  attachSplitThread,
  balanceViews,
  batchBuffers,
  CMD_EXIT,
  CMD_RUN,
  CTRL,
  CTRL_WORDS,
  createBalance,
  ERROR_BYTES,
  MAX_WORKERS,
  rebalance,
  recordedError,
  type SplitSetup,
  type SplitThread,
  splitLayers,
} from './parallel-split.js';

export interface ParallelFitOptions extends FitOptions {
  /** Threads, as `FitOptions.threads` (an alias kept for `fitParallel`'s callers). */
  workers?: number;
}

export interface ParallelHistory extends History {
  /** Threads that computed the gradients (1: one thread). */
  workers: number;
}

/**
 * The smallest parameter count × batch size for which `fit` splits a run between threads on its
 * own, measured on 2 cores (docs/threads.md): 784-256-1 with batch 64 (12.9M) gains, 30-64-1
 * with batch 32 (66k) loses.
 */
export const THREADED_WORK = 4_000_000;
/** The smallest batch `fit` splits on its own: a smaller one leaves each thread too little work between two barriers. */
export const THREADED_BATCH = 64;
/** The most threads `fit` uses on its own: what the rule was measured with. */
export const DEFAULT_MAX_THREADS = 2;

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
 * How many threads `fit` trains this run on: 1 for the engine alone, else 2 … 1 + MAX_WORKERS
 * threads splitting each batch (same bits either way). By default more than one where the run
 * is big enough ({@link THREADED_WORK}, {@link THREADED_BATCH}), the shared kernels cover it and
 * the cores look free (`idleCores`, at most {@link DEFAULT_MAX_THREADS}); `threads` ≥ 2 asks for
 * that many on a run of any size, and throws a ConfigError where the split cannot run.
 * @param net the network
 * @param data the training data
 * @param checked fit's checked options
 * @param threads the `threads` option, if given
 * @param engine the `engine` option
 */
export function planThreads(
  net: Network,
  data: Dataset,
  checked: CheckedFitOptions,
  threads: number | undefined,
  engine: FitOptions['engine'] = 'auto',
): number {
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new ConfigError(`threads must be an integer ≥ 1, got ${threads}`);
  }
  if (threads === 1) return 1;
  // Asked only of a run that pays: the first ask compiles the shared kernels.
  if (threads === undefined) {
    const split = threadsPay(net, data, checked) && whyNotSplit(net, data, checked, engine) === undefined;
    return split ? Math.min(DEFAULT_MAX_THREADS, idleCores()) : 1;
  }
  const why = whyNotSplit(net, data, checked, engine);
  if (why !== undefined) throw new ConfigError(`threads > 1: ${why}`);
  return Math.min(threads, MAX_WORKERS + 1);
}

/**
 * Whether this run is big enough for threads to pay: its batch and its parameter count × batch
 * size reach {@link THREADED_BATCH} and {@link THREADED_WORK}.
 * @param net the network
 * @param data the training data
 * @param checked fit's checked options
 */
export function threadsPay(net: Network, data: Dataset, checked: CheckedFitOptions): boolean {
  const batch = Math.min(checked.batchSize, data.x.rows);
  return batch >= THREADED_BATCH && parameterCount(net) * batch >= THREADED_WORK;
}

/** Why a batch of this run cannot be split between threads, or undefined when it can. */
function whyNotSplit(net: Network, data: Dataset, checked: CheckedFitOptions, engine: string): string | undefined {
  if (data.w !== undefined) return 'examples are not weighted (w, class weights) on threads yet';
  if (engine === 'reference') return "engine 'reference' runs on one thread";
  if (!threadsSupported()) return 'worker threads (Node ≥ 20.16) and parallel-worker.js beside the library are needed';
  if (sharedKernelsLayout() === undefined) return 'the shared-memory WebAssembly kernels cannot run here';
  const setup = { net, data, batchSize: checked.batchSize, l2: checked.l2, epochs: 1, perStepCallback: false };
  if (!covers(wasmEngine.coverage, setup))
    return 'the WebAssembly kernels do not cover this network (see docs/wasm.md)';
  return undefined;
}

/**
 * Trains `net` in place as `fit` does, each batch split between `threads` threads (see the module
 * comment); `fit` calls it once {@link planThreads} said so.
 * @param net the network
 * @param data the training data
 * @param options fit's options
 * @param checked the same, checked
 * @param threads 2 … 1 + MAX_WORKERS
 */
export function fitOnThreads(
  net: Network,
  data: Dataset,
  options: FitOptions,
  checked: CheckedFitOptions,
  threads: number,
): History {
  const setup = createSplitSetup(net, data, checked, threads);
  const ctrl = new Int32Array(setup.control);
  const own = attachSplitThread(setup, 0);
  let clean = false;
  try {
    startJobs(setup);
    if (Atomics.load(ctrl, CTRL.ERROR) !== 0) throw recordedError(setup);
    const busy = balanceViews(setup).busy;
    const history = trainOnThreads({
      net,
      data,
      options,
      checked,
      setup,
      ctrl,
      own,
      threads,
      round: 0,
      correct: 0,
      busy,
    });
    clean = true;
    return history;
  } finally {
    Atomics.store(ctrl, CTRL.CMD, CMD_EXIT);
    Atomics.add(ctrl, CTRL.GEN, 1);
    for (const at of [CTRL.GEN, CTRL.BARRIER]) Atomics.notify(ctrl, at);
    // Every thread is past the last batch's last barrier and writes nothing more; after a throw,
    // one may still be finishing a step.
    if (clean) keepMemory(setup.memory);
    keepShares(sharesKey(net, threads), balanceViews(setup).shares);
  }
}

/**
 * The shares the last runs of each network shape on each thread count ended with (see
 * `rebalance`), the most recent {@link SHAPES_KEPT}: the next such run starts from them, as the
 * cores' speeds are the machine's, not the run's.
 */
const lastShares = new Map<string, Float64Array>();
const SHAPES_KEPT = 16;

function keepShares(key: string, shares: Float64Array): void {
  lastShares.delete(key);
  lastShares.set(key, shares.slice());
  if (lastShares.size > SHAPES_KEPT) lastShares.delete(lastShares.keys().next().value as string);
}

function sharesKey(net: Network, threads: number): string {
  return `${threads}:${net.inputSize}-${net.layers.map((l) => l.bias.length).join('-')}`;
}

/**
 * The memory of the last run that ended normally, for the next run to take. A fresh memory's
 * pages are first touched during the run, which on this machine costs ~16 µs a page (W3: ~20 ms
 * a run, 3 % of an epoch of 20,000 rows); the one-thread engines keep theirs too
 * (engines/spare-instance.ts).
 */
let spareMemory: WebAssembly.Memory | undefined;

function keepMemory(memory: WebAssembly.Memory): void {
  spareMemory = memory.buffer.byteLength <= SPARE_MAX_BYTES ? memory : undefined;
}

/** The spare memory when it is large enough (every kernel writes what it reads first, so it needs no clearing), else a new one. */
function takeMemory(bytes: number): WebAssembly.Memory | undefined {
  const spare = spareMemory;
  if (spare !== undefined && spare.buffer.byteLength >= bytes) {
    spareMemory = undefined;
    return spare;
  }
  return createSharedMemory(bytes);
}

/**
 * Shared memory for a run (wasm-layout.ts's `layoutSplit`), sized here before any thread starts
 * and never grown; beside it the control words and room for a thread's error message.
 * @param net the network (its shapes; the weights are copied in at each epoch's start)
 * @param data the training data (its shapes and row count)
 * @param checked fit's checked options
 * @param threads the run's threads
 */
export function createSplitSetup(net: Network, data: Dataset, checked: CheckedFitOptions, threads: number): SplitSetup {
  const rows = Math.min(checked.batchSize, data.x.rows);
  const shared = sharedKernelsLayout();
  if (shared === undefined) throw new ConfigError('threads > 1: the shared-memory WebAssembly kernels cannot run here');
  // Plain SGD is stepped by every thread on its units; any other optimiser by the calling thread.
  const sgd = kernelUpdate(checked.optimizer);
  // With plain SGD the kernels of the split layers are kept as tiles (assembly/kernels.ts, "Tiles").
  const tiled = sgd ? splitLayers(networkConfig(net)) : [];
  const plan = layoutSplit(shared.heapBase, net, rows, threads, shared.packBytes, tiled);
  const memory = takeMemory(plan.layout.bytes);
  if (memory === undefined) throw new ConfigError(`threads > 1: no shared memory of ${plan.layout.bytes} bytes`);
  plan.writeTable(memory.buffer);
  return {
    config: networkConfig(net),
    threads,
    sgdRate: sgd?.learningRate ?? 0,
    l2: checked.l2,
    memory,
    at: plan.layout,
    control: new SharedArrayBuffer(CTRL_WORDS * 4),
    error: new SharedArrayBuffer(ERROR_BYTES),
    balance: createBalance(net.layers.length, threads, lastShares.get(sharesKey(net, threads))),
  };
}

/** Batches between two moves of units between the threads (see `rebalance`): few, so that a change in a core's speed is soon followed; more than one, so that one slow batch does not move them. */
const REBALANCE_EVERY = 4;

/** A run in progress, as the calling thread drives it. */
interface ThreadedRun {
  net: Network;
  data: Dataset;
  options: FitOptions;
  checked: CheckedFitOptions;
  setup: SplitSetup;
  ctrl: Int32Array;
  /** The calling thread's part (thread 0), over the shared weights. */
  own: SplitThread;
  threads: number;
  /** Batches started so far: the round of the claim counters. */
  round: number;
  /** The last batch's correct predictions. */
  correct: number;
  /** The threads' busy times (see `balanceViews`), to which the calling thread adds its own work outside the steps. */
  busy: Float64Array;
}
/** The epochs: shuffling, the batches on the threads, divergence checks and the epoch's bookkeeping. */
function trainOnThreads(run: ThreadedRun): History {
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
  const history: History = { epochs: [], engine: 'wasm', stopReason: 'completed', threads };
  const epochEnd = createEpochEnd(net, options, checked, history);
  const diverged = (epoch: number, batch: number, loss: number) => {
    copyWeights(epochStart, net);
    return new DivergenceError(divergenceMessage(epoch, batch, loss, optimizer, data.x), history);
  };
  const step = optimizerStep(run);
  Atomics.store(ctrl, CTRL.CMD, CMD_RUN);

  for (let epoch = initialEpoch + 1; epoch <= epochs; epoch++) {
    if (options.shouldStop?.()) {
      history.stopReason = 'interrupted';
      break;
    }
    copyWeights(net, epochStart);
    copyWeights(net, work);
    own.weightsIn();
    if (shuffle) rng.shuffle(order);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let ran = batches;
    // Batch b into the buffers of the round it will run in.
    const gather = (b: number, round: number) => {
      const start = b * batchSize;
      gatherBatch(run, round, shuffle ? order : null, start, Math.min(batchSize, n - start));
    };
    gather(0, run.round + 1);
    for (let b = 0; b < batches; b++) {
      const size = Math.min(batchSize, n - b * batchSize);
      const next = b + 1 < batches ? () => gather(b + 1, run.round + 1) : undefined;
      const loss = computeBatch(run, size);
      if (!Number.isFinite(loss)) throw diverged(epoch, b + 1, loss);
      // The next batch's rows go into the other buffers while the threads compute the gradients.
      updateBatch(run, next, step);
      lossSum += loss * size;
      correct += run.correct;
      seen += size;
      if (options.onBatchEnd) {
        own.weightsOut();
        copyWeights(work, net);
        if (options.onBatchEnd({ epoch, batch: b + 1, batches, loss, size }) === false) history.stopReason = 'callback';
        copyWeights(net, work);
        own.weightsIn();
      }
      if (history.stopReason === 'callback') break;
      if (b + 1 < batches && options.shouldStop?.()) {
        ran = b + 1;
        history.stopReason = 'interrupted';
        break;
      }
    }
    own.weightsOut();
    copyWeights(work, net);
    if (!parameterArrays(net).every(allFinite)) throw diverged(epoch, batches, Number.NaN);
    const partial = ran < batches ? { batches: ran, of: batches } : undefined;
    if (!epochEnd.close(epoch, lossSum, correct, seen, partial)) break;
  }
  epochEnd.finish();
  return history;
}

/** Copies the batch's rows (through the epoch's order, if any) into the batch buffers of `round`. */
function gatherBatch(run: ThreadedRun, round: number, order: Uint32Array | null, start: number, size: number): void {
  const { x, y } = run.data;
  const { buffer } = run.setup.memory;
  const at = batchBuffers(run.setup.at, round);
  gatherRows(x.data, x.cols, order, start, size, new Float64Array(buffer, at.x, size * x.cols));
  gatherRows(y.data, y.cols, order, start, size, new Float64Array(buffer, at.y, size * y.cols));
}

/**
 * The forward pass of a batch on the threads. Returns the batch's loss — the mean over its rows,
 * then the L2 term layer by layer from the last, as the engine adds it, on the weights before
 * this batch's step — and sets `run.correct`.
 */
function computeBatch(run: ThreadedRun, size: number): number {
  const { ctrl, setup, own } = run;
  const penalties = setup.l2 > 0 ? own.net.layers.map((_, l) => own.squaredNorm(l)) : [];
  ctrl[CTRL.SIZE] = size;
  const round = ++run.round;
  Atomics.store(ctrl, CTRL.GEN, round);
  Atomics.notify(ctrl, CTRL.GEN);
  if (!own.forward(round)) throw recordedError(setup);
  const start = performance.now();
  const batch = own.loss(round);
  // Before the first step of the backward pass (step `depth`): counted in this thread's time of it.
  run.busy[own.net.layers.length * setup.threads] += performance.now() - start;
  run.correct = batch.correct;
  let loss = batch.loss;
  for (let l = penalties.length - 1; l >= 0; l--) loss += setup.l2 * penalties[l];
  return loss;
}

/**
 * The rest of a batch on the threads: gradients, δ passed down and, with plain SGD, the step
 * (counted here on the caller's optimiser); then `step`, for any other optimiser, on this
 * thread. `gatherNext` (the next batch's rows, into the buffers this batch does not read) runs in
 * the batch's last step, whose units are shared out so that the others do more meanwhile.
 */
function updateBatch(run: ThreadedRun, gatherNext: (() => void) | undefined, step: (() => void) | undefined): void {
  const { setup, own, checked, round } = run;
  if (!own.backward(round, gatherNext)) throw recordedError(setup);
  if (step) step();
  else kernelUpdate(checked.optimizer)?.advance(1);
  if (round % REBALANCE_EVERY === 0) rebalance(setup);
}

/** The optimiser's step over the shared gradients, on this thread; undefined for plain SGD (stepped in phase 2). */
function optimizerStep(run: ThreadedRun): (() => void) | undefined {
  const { setup, own, checked } = run;
  if (setup.sgdRate > 0) return undefined;
  const params = parameterArrays(own.net);
  let at = setup.at.grads;
  const grads = params.map((p) => {
    const view = new Float64Array(setup.memory.buffer, at, p.length);
    at += p.length * 8;
    return view;
  });
  return () => checked.optimizer.step(params, grads);
}
