/**
 * What each thread of a split run runs, the calling thread and every worker thread alike: one
 * batch at a time over one shared memory (wasm-layout.ts's `layoutSplit`), each thread with its
 * own instance of the shared-memory kernels (assembly/kernels.ts, "One batch split between
 * threads by units"). Each thread owns a run of every hidden layer's units, its share following
 * its measured speed ({@link ownedUnits}, {@link rebalance}), and computes, over all the batch's
 * rows, for those units:
 *
 * 1. forward, layer by layer: z and a (eq. 1–2), a barrier after each layer; the output layer,
 *    whole, is thread 0's, which also takes δ at the output (eq. 3);
 * 2. backward, layer by layer from the top: the gradients of its units' weights (eq. 6–7) and
 *    δ of its units one layer down (eq. 4–5), a barrier, then, with plain SGD, the step of the
 *    weights every thread has now read; a last barrier ends the batch.
 *
 * A thread writes only its own units' weights — with plain SGD kept as tiles, so that they are one
 * stretch of memory — so each kernel stays in the cache of the core that owns it, and nothing is
 * computed twice. Every number is computed by the operations, in
 * the order, that the WebAssembly engine uses on one thread, so a split run gives the engine's
 * bits — the reference path's — for any thread count. See docs/threads.md.
 */
import { instantiateSharedWasmKernels } from '../core/wasm/kernels-shared.js';
import { getActivation } from '../nn/activations.js';
import { squaredNorm } from '../nn/backprop.js';
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
  /** Arrivals at barriers since the run began: the run's b-th barrier is passed once it reaches threads·b. */
  BARRIER: 3,
  /** 1 + the index of a thread that failed (its message is in the error buffer), else 0. */
  ERROR: 4,
  /** Worker k's answer to its job at JOIN + k − 1: 1 when it took it, −1 when the caller gave up waiting. */
  JOIN: 5,
} as const;
/** Worker threads a run can have beside the calling thread (JOIN's room in the control array). */
export const MAX_WORKERS = 8;
/** Words in the control array. */
export const CTRL_WORDS = CTRL.JOIN + MAX_WORKERS;
export const CMD_RUN = 1;
export const CMD_EXIT = 2;
export const ERROR_BYTES = 2048;
/**
 * How long, in ms, a thread spins reading a control word before it sleeps in `Atomics.wait`:
 * longer than the gap between two barriers or two batches, so that a thread about to be given
 * work is not put to sleep and woken again (a wake-up costs ~1 ms on this machine, a W3 batch
 * ~2 ms). Threads only run where the cores look idle, so the spinning takes no one's time.
 */
const SPIN_MS = 1;
/** Reads of the control word between two looks at the clock while spinning. */
const SPIN_READS = 256;
/** A thread's run of a layer's units is a multiple of this many (8 doubles: a cache line), so no two threads write one line. */
const UNIT_ALIGN = 8;

/** Everything a thread works from (SharedArrayBuffers are shared with workers, not copied). */
export interface SplitSetup {
  config: NetworkConfig;
  /** Threads, the calling one included. */
  threads: number;
  /** Plain SGD's learning rate, stepped by the threads; 0 when the calling thread steps the optimiser. */
  sgdRate: number;
  /** The L2 penalty λ: the threads add 2·λ·kernel to the gradients. */
  l2: number;
  /** The run's one shared memory, sized before the threads start and never grown. */
  memory: WebAssembly.Memory;
  /** Where in `memory`. */
  at: SplitLayout;
  control: SharedArrayBuffer;
  error: SharedArrayBuffer;
  /** How the units are shared out, step by step: see {@link balanceViews}. */
  balance: SharedArrayBuffer;
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
 * Arrives at the run's next barrier (`passed` barriers are behind this thread) and waits until
 * every thread has. Returns false, at once, when the run is ending or a thread has recorded a
 * failure (a thread that failed never arrives).
 */
export function barrier(ctrl: Int32Array, threads: number, passed: number): boolean {
  Atomics.add(ctrl, CTRL.BARRIER, 1);
  Atomics.notify(ctrl, CTRL.BARRIER);
  const target = (passed + 1) * threads;
  const since = performance.now();
  let spins = 0;
  // Compared as a difference, so that the count may wrap round in a very long run.
  for (let v = Atomics.load(ctrl, CTRL.BARRIER); ((v - target) | 0) < 0; v = Atomics.load(ctrl, CTRL.BARRIER)) {
    if (Atomics.load(ctrl, CTRL.ERROR) !== 0 || Atomics.load(ctrl, CTRL.CMD) === CMD_EXIT) return false;
    if (++spins % SPIN_READS === 0 && performance.now() - since > SPIN_MS) Atomics.wait(ctrl, CTRL.BARRIER, v, 50);
  }
  return true;
}

/**
 * Which layers a run splits between its threads: all but the output layer, whose δ the loss
 * takes over whole rows, and a softmax layer, whose activation does; those are thread 0's.
 * @param config the network
 */
export function splitLayers(config: NetworkConfig): boolean[] {
  return config.layers.map((l, i) => i < config.layers.length - 1 && l.activation !== 'softmax');
}

/**
 * The units [j0, j1) of a layer `units` wide that thread `index` owns: runs of a multiple of 8 in
 * proportion to the threads' `shares`, or, for a layer kept whole (the output layer, whose δ the
 * loss takes over whole rows, and a softmax layer), all of them to thread 0.
 * @param units the layer's width
 * @param shares every thread's share (positive numbers)
 * @param index the thread
 * @param whole whether the layer is kept whole
 */
export function ownedUnits(units: number, shares: ArrayLike<number>, index: number, whole: boolean): [number, number] {
  if (whole) return index === 0 ? [0, units] : [units, units];
  const blocks = Math.ceil(units / UNIT_ALIGN);
  let total = 0;
  let before = 0;
  for (let t = 0; t < shares.length; t++) {
    total += shares[t];
    if (t < index) before += shares[t];
  }
  const edge = (share: number) => Math.min(units, Math.round((blocks * share) / total) * UNIT_ALIGN);
  return [edge(before), edge(before + shares[index])];
}

/**
 * The steps of a batch, each ended by a barrier: forward through layer l is step l, backward
 * through layer l (its gradients, and δ one layer down) is step 2·depth − 1 − l.
 */
export function stepCount(depth: number): number {
  return 2 * depth;
}

/**
 * The run's balance buffer as views: `shares` of step s at s·threads + t (thread t's share of the
 * units split in that step), set by the calling thread between batches; `busy`, the ms thread t
 * computed in step s since the shares were last set, at the same index.
 * @param setup the run
 */
export function balanceViews(setup: SplitSetup): { shares: Float64Array; busy: Float64Array } {
  const cells = stepCount(setup.config.layers.length) * setup.threads;
  return { shares: new Float64Array(setup.balance, 0, cells), busy: new Float64Array(setup.balance, cells * 8, cells) };
}

/**
 * A balance buffer for `depth` layers on `threads` threads (see {@link balanceViews}): the shares
 * `from` an earlier run of the same shape, else all equal.
 */
export function createBalance(depth: number, threads: number, from?: Float64Array): SharedArrayBuffer {
  const cells = stepCount(depth) * threads;
  const buffer = new SharedArrayBuffer(cells * 16);
  const shares = new Float64Array(buffer, 0, cells);
  if (from?.length === cells) shares.set(from);
  else shares.fill(1);
  return buffer;
}

/**
 * Moves units towards the threads that computed faster since the last call, step by step, half
 * way to the shares that would have made them all equally busy in that step; called by the
 * calling thread between batches. The cores of one machine need not be equally fast (another
 * process, or another virtual machine on the same core, slows one down), the calling thread has
 * its own work in some steps (the loss, the next batch's rows), and every barrier waits for the
 * slowest thread: balanced, the threads wait least. The bits do not depend on the shares.
 */
export function rebalance(setup: SplitSetup): void {
  const { shares, busy } = balanceViews(setup);
  const { threads } = setup;
  for (let at = 0; at < shares.length; at += threads) {
    const step = shares.subarray(at, at + threads);
    const took = busy.subarray(at, at + threads);
    // A step in which a thread did nothing at all split no units: its shares do not matter.
    if (!took.every((ms) => ms > 0)) continue;
    const speeds = Array.from(step, (share, t) => share / took[t]);
    const sum = speeds.reduce((a, b) => a + b, 0);
    for (let t = 0; t < threads; t++) step[t] = Math.max(1 / (8 * threads), (step[t] + speeds[t] / sum) / 2);
  }
  busy.fill(0);
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

/** The batch buffers of round `round`: they alternate, so the next batch is gathered while the threads read this one. */
export function batchBuffers(at: SplitLayout, round: number): { x: number; y: number } {
  return round % 2 === 0 ? { x: at.x[0], y: at.y[0] } : { x: at.x[1], y: at.y[1] };
}

/** One thread's part of every batch. */
export interface SplitThread {
  /** The network over the shared weights. */
  readonly net: Network;
  /**
   * The forward pass of `round` for this thread's units, a barrier after each layer; thread 0
   * also takes δ at the output. False when the run is stopping (a failure is recorded first).
   */
  forward(round: number): boolean;
  /**
   * The rest of `round`: gradients, δ passed down and the SGD step for this thread's units,
   * barriers between; false as `forward`. `extra`, this thread's own work, runs in the last step.
   */
  backward(round: number, extra?: () => void): boolean;
  /** The batch's mean loss (before any L2 term) and correct count: thread 0, after `forward`. */
  loss(round: number): { loss: number; correct: number };
  /** Takes `net`'s kernels as they are now into the layers' tiles, where the run keeps them (thread 0, between batches). */
  weightsIn(): void;
  /** Puts the kernels kept in tiles back into `net` (thread 0, between batches). */
  weightsOut(): void;
  /** Σ kernel² of layer l, summed in row-major order (thread 0, between batches). */
  squaredNorm(l: number): number;
}

/** Attaches thread `index` to the shared state. */
export function attachSplitThread(setup: SplitSetup, index: number): SplitThread {
  const { config, at, threads, sgdRate, l2 } = setup;
  const net = networkOver(config, setup.memory.buffer, at.params / 8);
  const ctrl = new Int32Array(setup.control);
  const kernels = instantiateSharedWasmKernels(setup.memory);
  if (kernels === undefined) throw new Error('the shared-memory kernels cannot be instantiated');
  const scratch = at.threads[index];
  kernels.setPackScratch(scratch.pack);
  const depth = config.layers.length;
  const lossCode = LOSS_CODES[config.loss.name];
  const correct = new Int32Array(setup.memory.buffer, scratch.correct, 1);
  const { shares, busy } = balanceViews(setup);
  const whole = splitLayers(config).map((split) => !split);
  const steps = stepCount(depth);
  const table = new Int32Array(setup.memory.buffer, at.table, depth * 12);
  /** The layers whose kernels the run keeps as tiles (table field 10 set). */
  const tiled = config.layers.map((_, l) => l).filter((l) => table[l * 12 + 10] !== 0);
  /** This thread's units of layer l in step s (a batch's shares are set before it starts). */
  const units = (s: number, l: number) =>
    ownedUnits(config.layers[l].units, shares.subarray(s * threads, (s + 1) * threads), index, whole[l]);
  let passed = 0;
  /** Runs step s's work (kernels may trap: recorded), counts its time, then the barrier that ends it. */
  const then = (s: number, work: () => void): boolean => {
    const start = performance.now();
    try {
      work();
    } catch (e) {
      reportError(setup, index, e);
      return false;
    }
    busy[s * threads + index] += performance.now() - start;
    return barrier(ctrl, threads, passed++);
  };
  return {
    net,
    forward(round) {
      const n = ctrl[CTRL.SIZE];
      const { x, y } = batchBuffers(at, round);
      for (let l = 0; l < depth; l++) {
        const [j0, j1] = units(l, l);
        const ok = then(l, () => {
          if (j1 > j0) kernels.unitsForward(at.table, l, x, n, j0, j1); // eq. 1–2
          if (l === depth - 1 && j1 > j0) kernels.unitsHead(at.table, depth, lossCode, y, n); // eq. 3
        });
        if (!ok) return false;
      }
      return true;
    },
    backward(round, extra) {
      const n = ctrl[CTRL.SIZE];
      const { x } = batchBuffers(at, round);
      for (let l = depth - 1; l >= 0; l--) {
        const s = steps - 1 - l;
        const [j0, j1] = units(s, l);
        const [p0, p1] = l > 0 ? units(s, l - 1) : [0, 0];
        const ok = then(s, () => {
          // Every thread has passed δ down through layer l + 1 by now: its weights may step, on
          // the units whose gradients this thread computed.
          if (l + 1 < depth && sgdRate > 0) {
            const [u0, u1] = units(s - 1, l + 1);
            if (u1 > u0) kernels.unitsUpdate(at.table, l + 1, u0, u1, sgdRate);
          }
          // The first layer's weights, which no δ passes through, step as soon as their gradients are in.
          const rate = l === 0 ? sgdRate : 0;
          if (j1 > j0) kernels.unitsGradient(at.table, l, x, n, j0, j1, l2, rate); // eq. 6–7
          if (p1 > p0) kernels.unitsPassDown(at.table, l, n, p0, p1, scratch.kt); // eq. 4–5
          if (l === 0) extra?.();
        });
        if (!ok) return false;
      }
      return true;
    },
    loss(round) {
      const { y } = batchBuffers(at, round);
      const loss = kernels.splitLoss(at.table, depth, lossCode, y, ctrl[CTRL.SIZE], scratch.correct);
      return { loss, correct: correct[0] };
    },
    weightsIn() {
      for (const l of tiled) kernels.toTiles(at.table, l);
    },
    weightsOut() {
      for (const l of tiled) kernels.fromTiles(at.table, l);
    },
    squaredNorm(l) {
      return tiled.includes(l) ? kernels.tiledSquaredNorm(at.table, l) : squaredNorm(net.layers[l].kernel.data);
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
