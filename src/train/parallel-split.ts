/**
 * What each thread of a split run runs, the calling thread and every worker thread alike: one
 * batch at a time, in two phases over one shared memory (wasm-layout.ts's `layoutSplit`), each
 * thread with its own instance of the shared-memory kernels (assembly/kernels.ts, "One batch split
 * between threads"):
 *
 * 1. rows: the threads claim runs of the batch's rows and compute their forward pass, δ at the
 *    output and δ passed down through every layer (eq. 1–5);
 * 2. slabs: once every row is done, the threads claim slabs of every layer's kernel (the rows of
 *    some of its inputs) and compute the gradients there over all the batch's rows (eq. 6, 7),
 *    then, with plain SGD, their step.
 *
 * Every number is computed by the operations, in the order, that the WebAssembly engine uses on
 * one thread, so a split run gives the engine's bits — the reference path's — for any thread
 * count and any claim order. Claiming instead of fixed assignment keeps a descheduled thread from
 * holding the others up: a thread that comes late finds the work taken and waits for the next
 * batch. See docs/threads.md.
 *
 * The claim counters carry the batch's round in their high bits (round·256 + count), so a thread
 * that wakes up late for an earlier round can never take work of a later one.
 */
import { instantiateSharedWasmKernels } from '../core/wasm/kernels-shared.js';
import { getActivation } from '../nn/activations.js';
import { getLoss, LOSS_CODES } from '../nn/losses.js';
import type { Network, NetworkConfig } from '../nn/network.js';
import type { SplitLayout } from './engines/wasm-layout.js';

/** Indices into the shared Int32 control array. */
export const CTRL = {
  /** The round: set by the calling thread to start a batch (or bumped to exit); workers wait on it. */
  GEN: 0,
  /** {@link CMD_RUN} or {@link CMD_EXIT}. */
  CMD: 1,
  /** Rows in the batch. */
  SIZE: 2,
  /** Row runs claimed (tagged with the round, see {@link tag}); a batch has one per thread. */
  ROWS_NEXT: 3,
  /** Row runs done. */
  ROWS_DONE: 4,
  /** Slabs claimed ({@link SLABS_PER_THREAD} per thread). */
  SLABS_NEXT: 5,
  /** Slabs done. */
  SLABS_DONE: 6,
  /** 1 + the index of a thread that failed (its message is in the error buffer), else 0. */
  ERROR: 7,
  /** Worker k's answer to its job at JOIN + k − 1: 1 when it took it, −1 when the caller gave up waiting. */
  JOIN: 8,
} as const;
/** Worker threads a run can have beside the calling thread (JOIN's room in the control array). */
export const MAX_WORKERS = 8;
/** Words in the control array. */
export const CTRL_WORDS = CTRL.JOIN + MAX_WORKERS;
/**
 * Slabs per thread each kernel is cut into in phase 2: more than one, so that a thread slowed
 * down by another process leaves the rest to the others; few, because every slab packs the whole
 * δ again for its products (784-256-1 on 2 threads: 4 slabs ran 2–3 % faster than 8, 5 % than 16).
 */
export const SLABS_PER_THREAD = 2;
export const CMD_RUN = 1;
export const CMD_EXIT = 2;
export const ERROR_BYTES = 2048;
/**
 * How long, in ms, a thread spins reading a control word before it sleeps in `Atomics.wait`:
 * longer than the gap between a batch's phases, so that a thread about to be given work is not
 * put to sleep and woken again (a wake-up cost ~1 ms per batch on this machine, a W3 batch ~3 ms).
 * Threads only run where the cores look idle, so the spinning takes no one's time.
 */
const SPIN_MS = 1;
/** Reads of the control word between two looks at the clock while spinning. */
const SPIN_READS = 256;
/** Rounds wrap here: a claim counter is round·256 + count in an int32. */
const ROUND_MASK = 0x7fffff;

/** A claim counter's value for `round` after `count` claims. */
export function tag(round: number, count: number): number {
  return ((round & ROUND_MASK) << 8) | count;
}

/** Everything a thread works from (SharedArrayBuffers are shared with workers, not copied). */
export interface SplitSetup {
  config: NetworkConfig;
  /** Threads, the calling one included; also the number of row runs a batch is cut into. */
  threads: number;
  /** Plain SGD's learning rate, stepped in phase 2; 0 when the calling thread steps the optimiser. */
  sgdRate: number;
  /** The L2 penalty λ: phase 2 adds 2·λ·kernel to the gradients. */
  l2: number;
  /** The run's one shared memory, sized before the threads start and never grown. */
  memory: WebAssembly.Memory;
  /** Where in `memory`. */
  at: SplitLayout;
  control: SharedArrayBuffer;
  error: SharedArrayBuffer;
}

/** A job as it is sent to a worker: the run's shared state and the worker's thread index (≥ 1). */
export interface SplitJob {
  setup: SplitSetup;
  index: number;
}

/** Waits until `ctrl[at]` differs from `value`: spins briefly, then sleeps. Returns the new value. */
export function waitChange(ctrl: Int32Array, at: number, value: number): number {
  const since = performance.now();
  let spins = 0;
  for (let v = Atomics.load(ctrl, at); ; v = Atomics.load(ctrl, at)) {
    if (v !== value) return v;
    if (++spins % SPIN_READS === 0 && performance.now() - since > SPIN_MS) Atomics.wait(ctrl, at, value);
  }
}

/**
 * Waits until the claim counter `ctrl[at]` reaches `tag(round, count)`. Returns false, at once,
 * when the counter belongs to another round (this thread is late), the run is ending, or a
 * thread has recorded a failure (one that exited mid-batch never counts its item).
 */
export function waitCount(ctrl: Int32Array, at: number, round: number, count: number): boolean {
  const target = tag(round, count);
  const since = performance.now();
  let spins = 0;
  for (let v = Atomics.load(ctrl, at); v !== target; v = Atomics.load(ctrl, at)) {
    if (v >>> 8 !== (round & ROUND_MASK) || Atomics.load(ctrl, CTRL.CMD) === CMD_EXIT) return false;
    if (Atomics.load(ctrl, CTRL.ERROR) !== 0) return false;
    if (++spins % SPIN_READS === 0 && performance.now() - since > SPIN_MS) Atomics.wait(ctrl, at, v, 50);
  }
  return true;
}

/** Claims the next of `limit` items of `round` from the counter at `at`: its index, or −1 when none is left (or the round is over). */
function claim(ctrl: Int32Array, at: number, round: number, limit: number): number {
  for (;;) {
    const v = Atomics.load(ctrl, at);
    if (v >>> 8 !== (round & ROUND_MASK)) return -1;
    const k = v & 0xff;
    if (k >= limit) return -1;
    if (Atomics.compareExchange(ctrl, at, v, v + 1) === v) return k;
  }
}

/** Counts one item of `round` done at `at` and wakes whoever waits for it. */
function finish(ctrl: Int32Array, at: number): void {
  Atomics.add(ctrl, at, 1);
  Atomics.notify(ctrl, at);
}

/** Records a thread's failure (the first one's message wins). */
export function reportError(setup: SplitSetup, index: number, e: unknown): void {
  const ctrl = new Int32Array(setup.control);
  if (Atomics.compareExchange(ctrl, CTRL.ERROR, 0, index + 1) === 0) {
    const text = new TextEncoder().encode(String((e as Error)?.stack ?? e)).subarray(0, ERROR_BYTES - 4);
    new Int32Array(setup.error, 0, 1)[0] = text.length;
    new Uint8Array(setup.error).set(text, 4);
  }
}

/** The recorded failure as an Error. */
export function recordedError(setup: SplitSetup): Error {
  const ctrl = new Int32Array(setup.control);
  const len = new Int32Array(setup.error, 0, 1)[0];
  const text = new TextDecoder().decode(new Uint8Array(setup.error, 4, len).slice());
  return new Error(`training thread ${Atomics.load(ctrl, CTRL.ERROR) - 1} failed: ${text}`);
}

/** Slabs each kernel is cut into on `threads` threads. */
export function slabCount(threads: number): number {
  return threads * SLABS_PER_THREAD;
}

/** Rows [lo, hi) of a batch of `size` rows in run `k` of `runs`. */
function rowRun(size: number, runs: number, k: number): [number, number] {
  return [Math.floor((k * size) / runs), Math.floor(((k + 1) * size) / runs)];
}

/** The batch buffers of round `round`: they alternate, so the next batch is gathered while phase 2 reads this one. */
export function batchBuffers(at: SplitLayout, round: number): { x: number; y: number } {
  return round % 2 === 0 ? { x: at.x[0], y: at.y[0] } : { x: at.x[1], y: at.y[1] };
}

/** One thread's part of every batch. */
export interface SplitThread {
  /** The network over the shared weights. */
  readonly net: Network;
  /** Phase 1 of `round`: claims runs of rows until none is left. A failure is recorded, and the run still counted. */
  rows(round: number): void;
  /** Phase 2 of `round`: claims slabs of the kernels until none is left. */
  slabs(round: number): void;
  /** The batch's mean loss (before any L2 term) and correct count, once phase 1 is over. */
  loss(round: number): { loss: number; correct: number };
}

/** Attaches thread `index` to the shared state. */
export function attachSplitThread(setup: SplitSetup, index: number): SplitThread {
  const { config, at } = setup;
  const net = networkOver(config, setup.memory.buffer, at.params / 8);
  const ctrl = new Int32Array(setup.control);
  const kernels = instantiateSharedWasmKernels(setup.memory);
  if (kernels === undefined) throw new Error('the shared-memory kernels cannot be instantiated');
  const scratch = at.threads[index];
  kernels.setPackScratch(scratch.pack);
  const depth = config.layers.length;
  const lossCode = LOSS_CODES[config.loss.name];
  const correct = new Int32Array(setup.memory.buffer, scratch.correct, 1);
  const { threads, sgdRate, l2 } = setup;
  const slabs = slabCount(threads);
  const guarded = (step: () => void) => {
    try {
      step();
    } catch (e) {
      reportError(setup, index, e);
    }
  };
  return {
    net,
    rows(round) {
      const size = ctrl[CTRL.SIZE];
      const { x, y } = batchBuffers(at, round);
      for (
        let k = claim(ctrl, CTRL.ROWS_NEXT, round, threads);
        k >= 0;
        k = claim(ctrl, CTRL.ROWS_NEXT, round, threads)
      ) {
        const [a, b] = rowRun(size, threads, k);
        if (b > a) guarded(() => kernels.splitRows(at.table, depth, lossCode, x, y, a, b, size, scratch.kt));
        finish(ctrl, CTRL.ROWS_DONE);
      }
    },
    slabs(round) {
      const size = ctrl[CTRL.SIZE];
      const { x } = batchBuffers(at, round);
      for (let c = claim(ctrl, CTRL.SLABS_NEXT, round, slabs); c >= 0; c = claim(ctrl, CTRL.SLABS_NEXT, round, slabs)) {
        guarded(() => kernels.splitSlabs(at.table, depth, x, size, c, slabs, sgdRate, l2));
        finish(ctrl, CTRL.SLABS_DONE);
      }
    },
    loss(round) {
      const { y } = batchBuffers(at, round);
      const loss = kernels.splitLoss(at.table, depth, lossCode, y, ctrl[CTRL.SIZE], scratch.correct);
      return { loss, correct: correct[0] };
    },
  };
}

/** A network whose kernels and biases are views of `params` (in `parameterArrays` order, from `offset` doubles). */
export function networkOver(config: NetworkConfig, params: ArrayBufferLike, offset = 0): Network {
  let at = offset * 8;
  const view = (len: number) => {
    const v = new Float64Array(params, at, len);
    at += len * 8;
    return v;
  };
  let fanIn = config.inputSize;
  const layers = config.layers.map((l) => {
    const kernel = { rows: fanIn, cols: l.units, data: view(fanIn * l.units) };
    const bias = view(l.units);
    fanIn = l.units;
    return { activation: getActivation(l.activation), kernel, bias };
  });
  return { inputSize: config.inputSize, layers, loss: getLoss(config.loss) };
}
