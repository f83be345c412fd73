/**
 * What each thread of a sharded run runs, the calling thread and every worker thread alike. A
 * batch is always cut into {@link SHARDS} contiguous runs of rows, whatever the thread count.
 * Phase 1: the threads claim shards one at a time from a shared counter and compute each one's
 * mean gradient with the engine `fit` would choose (src/train/engines), from the batch's rows and
 * the current weights in shared memory, into the shard's slot. Phase 2, with plain SGD: the
 * threads claim chunks of the parameter vector and update them from the slots; with any other
 * optimiser the calling thread updates all of it. See docs/threads.md.
 *
 * Who computes what never changes a bit: the engines give a shard's gradient bit for bit alike
 * (see docs/wasm.md), every slot is combined in shard order, and the updates are element-wise.
 * Claiming instead of fixed assignment keeps a descheduled thread from holding the others up: a
 * thread that comes late finds the work taken and waits for the next batch.
 *
 * The claim counters carry the batch's round in their high bits (round·256 + count), so a thread
 * that wakes up late for an earlier round can never take work of a later one.
 */
import type { Matrix } from '../core/matrix.js';
import { instantiateSharedWasmKernels, type SharedWasmKernels } from '../core/wasm/kernels-shared.js';
import { getActivation } from '../nn/activations.js';
import { getLoss, LOSS_CODES } from '../nn/losses.js';
import { type Network, type NetworkConfig, parameterCount } from '../nn/network.js';
import type { EngineName } from './engines/engine.js';
import { type EngineChoice, selectEngine } from './engines/select.js';
import { maxShardRows, SHARDS, shardRange } from './engines/shards.js';
import type { ShardedLayout } from './engines/wasm-layout.js';

/** Indices into the shared Int32 control array. */
export const CTRL = {
  /** The round: set by the calling thread to start a batch (or bumped to exit); workers wait on it. */
  GEN: 0,
  /** {@link CMD_RUN} or {@link CMD_EXIT}. */
  CMD: 1,
  /** Rows in the batch. */
  SIZE: 2,
  /** Shards claimed (tagged with the round, see {@link tag}). */
  SHARD_NEXT: 3,
  /** Shards published. */
  SHARD_DONE: 4,
  /** Update chunks claimed. */
  CHUNK_NEXT: 5,
  /** Update chunks applied. */
  CHUNK_DONE: 6,
  /** 1 + the index of a thread that failed (its message is in the error buffer), else 0. */
  ERROR: 7,
  /** Worker k's answer to its job at JOIN + k − 1: 1 when it took it, −1 when the caller gave up waiting. */
  JOIN: 8,
  /** Correct-prediction count of shard k at CORRECT + k. */
  CORRECT: 16,
} as const;
/** Chunks of the parameter vector claimed in phase 2 (plain SGD). */
export const CHUNKS = 16;
/** Worker threads a run can have beside the calling thread (JOIN's room in the control array). */
export const MAX_WORKERS = 8;
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
export interface SharedSetup {
  config: NetworkConfig;
  /**
   * The engine asked for. The calling thread asks the selector first and passes on the name it
   * got, so that every worker thread asks for that same engine.
   */
  engine: EngineChoice;
  /** Threads computing the shards, the calling one included (1 … {@link SHARDS}). */
  threads: number;
  /** Rows the batch buffers hold: the largest batch. */
  rows: number;
  /** Batches in the whole run (for the engine's `pays`: the rows it will see, as passes over a batch). */
  batches: number;
  /** The L2 penalty λ (phase 2 on the calling thread adds 2·λ·kernel). */
  l2: number;
  /** Plain SGD's learning rate when phase 2 is claimed in chunks by every thread (no L2); 0 when the calling thread updates. */
  sgdRate: number;
  /**
   * The run's one shared memory, sized before the threads start and never grown: the batch
   * (gathered there by the calling thread before each batch), the weights once, a gradient slot
   * per shard ({@link SHARDS}) and, when `at.shards` is not empty, each shard's region where
   * every thread's instance of the shared kernels computes it in place.
   */
  memory: WebAssembly.Memory;
  /** Where in `memory` (see wasm-layout.ts). */
  at: ShardedLayout;
  control: SharedArrayBuffer;
  /** Shard k's mean loss at index k. */
  losses: SharedArrayBuffer;
  error: SharedArrayBuffer;
}

/** A job as it is sent to a worker: the run's shared state and the worker's thread index (≥ 1). */
export interface ShardJob {
  setup: SharedSetup;
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
export function reportError(setup: SharedSetup, index: number, e: unknown): void {
  const ctrl = new Int32Array(setup.control);
  if (Atomics.compareExchange(ctrl, CTRL.ERROR, 0, index + 1) === 0) {
    const text = new TextEncoder().encode(String((e as Error)?.stack ?? e)).subarray(0, ERROR_BYTES - 4);
    new Int32Array(setup.error, 0, 1)[0] = text.length;
    new Uint8Array(setup.error).set(text, 4);
  }
}

/** The recorded failure as an Error. */
export function recordedError(setup: SharedSetup): Error {
  const ctrl = new Int32Array(setup.control);
  const len = new Int32Array(setup.error, 0, 1)[0];
  const text = new TextDecoder().decode(new Uint8Array(setup.error, 4, len).slice());
  return new Error(`training thread ${Atomics.load(ctrl, CTRL.ERROR) - 1} failed: ${text}`);
}

/** One thread's part of every batch. */
export interface ShardThread {
  readonly engine: EngineName;
  /** The network over the shared weights. */
  readonly net: Network;
  /**
   * Phase 1 of `round`: claims shards until none is left, computing each one's gradient into its
   * slot, its loss and correct count beside. A failure is recorded, and the shard still counted.
   */
  computeShards(round: number): void;
  /** Phase 2 of `round` with plain SGD: claims chunks of the parameters until none is left and updates them. */
  updateChunks(round: number): void;
}

/** Computes shard k of the current batch into its slot, its loss and correct count beside. */
type ShardComputer = (k: number, a: number, b: number) => void;

/** Attaches thread `index` to the shared state. */
export function attachShardThread(setup: SharedSetup, index: number): ShardThread {
  const { config, at } = setup;
  const buffer = setup.memory.buffer;
  const net = networkOver(config, buffer, at.params / 8);
  const ctrl = new Int32Array(setup.control);
  const losses = new Float64Array(setup.losses);
  const P = parameterCount(net);
  const kernels = at.shards.length > 0 ? instantiateSharedWasmKernels(setup.memory) : undefined;
  if (at.shards.length > 0 && kernels === undefined)
    throw new Error('the shared-memory kernels cannot be instantiated');
  const run = kernels
    ? kernelShards(setup, kernels, losses, ctrl)
    : engineShards(setup, net, losses, ctrl, new Float64Array(buffer, at.grads, SHARDS * P));
  const slot = (k: number) => at.grads + k * P * 8;

  return {
    engine: run.engine,
    net,
    computeShards(round) {
      let loaded = false;
      for (
        let k = claim(ctrl, CTRL.SHARD_NEXT, round, SHARDS);
        k >= 0;
        k = claim(ctrl, CTRL.SHARD_NEXT, round, SHARDS)
      ) {
        try {
          // The weights changed in the last round; every claim here is of this round (the tag).
          if (!loaded) run.load();
          loaded = true;
          const [a, b] = shardRange(ctrl[CTRL.SIZE], SHARDS, k);
          if (b > a) run.compute(k, a, b);
        } catch (e) {
          reportError(setup, index, e);
        }
        finish(ctrl, CTRL.SHARD_DONE);
      }
    },
    updateChunks(round) {
      const size = ctrl[CTRL.SIZE];
      // Both shards non-empty (a batch of one row has only shard 1): w₀·ĝ₀ + w₁·ĝ₁ as combineShards.
      const b0 = shardRange(size, 2, 0)[1];
      const w0 = b0 / size;
      const w1 = (size - b0) / size;
      const rate = setup.sgdRate;
      for (
        let c = claim(ctrl, CTRL.CHUNK_NEXT, round, CHUNKS);
        c >= 0;
        c = claim(ctrl, CTRL.CHUNK_NEXT, round, CHUNKS)
      ) {
        const [lo, hi] = shardRange(P, CHUNKS, c);
        if (kernels) {
          const w = at.params + lo * 8;
          if (b0 > 0) kernels.sgdTwoShards(w, slot(0) + lo * 8, slot(1) + lo * 8, w0, w1, rate, hi - lo);
          else kernels.sgdOneShard(w, slot(1) + lo * 8, rate, hi - lo);
        } else if (b0 > 0) fusedSgd(run.params, run.slots, P, w0, w1, rate, lo, hi);
        else singleSgd(run.params, run.slots.subarray(P), rate, lo, hi);
        finish(ctrl, CTRL.CHUNK_DONE);
      }
    },
  };
}

/** How a thread computes shards: its engine's name, what it does once a batch, the shard itself; the views the JavaScript update reads. */
interface ShardRunner {
  engine: EngineName;
  load(): void;
  compute: ShardComputer;
  params: Float64Array;
  slots: Float64Array;
}

/**
 * Shards computed by the shared-memory kernels in place: each reads the batch's rows and the
 * weights where they are and writes its gradient straight into its slot, in its own region (the
 * same `trainBatches` call, so the same bits, as the WebAssembly engine's `gradient`).
 */
function kernelShards(
  setup: SharedSetup,
  kernels: SharedWasmKernels,
  losses: Float64Array,
  ctrl: Int32Array,
): ShardRunner {
  const { at, config } = setup;
  const buffer = setup.memory.buffer;
  const depth = config.layers.length;
  const lossCode = LOSS_CODES[config.loss.name];
  const nIn = config.inputSize;
  const nOut = config.layers[depth - 1].units;
  const result = at.shards.map((r) => ({
    loss: new Float64Array(buffer, r.loss, 1),
    correct: new Int32Array(buffer, r.correct, 1),
  }));
  return {
    engine: 'wasm',
    load() {},
    compute(k, a, b) {
      const r = at.shards[k];
      const n = b - a;
      kernels.setPackScratch(r.pack);
      kernels.trainBatches(
        r.table,
        depth,
        lossCode,
        at.x + a * nIn * 8,
        at.y + a * nOut * 8,
        0,
        n,
        n,
        0,
        1,
        0,
        0,
        at.xb,
        at.yb,
        r.kt,
        r.loss,
        r.correct,
      );
      losses[k] = result[k].loss[0];
      ctrl[CTRL.CORRECT + k] = result[k].correct[0];
    },
    params: new Float64Array(0),
    slots: new Float64Array(0),
  };
}

/**
 * Shards computed by the engine `fit` would choose, in its own memory (the reference path, or a
 * network the kernels do not cover): the weights copied in once a batch, the gradient copied out.
 */
function engineShards(
  setup: SharedSetup,
  net: Network,
  losses: Float64Array,
  ctrl: Int32Array,
  slots: Float64Array,
): ShardRunner {
  const { config, rows, at } = setup;
  const buffer = setup.memory.buffer;
  const nOut = config.layers[config.layers.length - 1].units;
  const x = { rows, cols: config.inputSize, data: new Float64Array(buffer, at.x, rows * config.inputSize) };
  const y = { rows, cols: nOut, data: new Float64Array(buffer, at.y, rows * nOut) };
  const P = parameterCount(net);
  // Gradients only (the update is phase 2's), of shards of at most maxShardRows rows.
  const engine = selectEngine(setup.engine, {
    net,
    data: { x, y },
    batchSize: maxShardRows(rows),
    l2: 0,
    epochs: setup.batches,
    perStepCallback: true,
  });
  return {
    engine: engine.name,
    load: () => engine.startEpoch(null),
    compute(k, a, b) {
      engine.gradient(a, b - a);
      losses[k] = engine.result[0];
      ctrl[CTRL.CORRECT + k] = engine.result[1];
      const slot = slots.subarray(k * P, (k + 1) * P);
      for (let i = 0, o = 0; i < engine.grads.length; o += engine.grads[i].length, i++) slot.set(engine.grads[i], o);
    },
    params: new Float64Array(buffer, at.params, P),
    slots,
  };
}

/**
 * `w[i] −= rate·(w0·g[i] + w1·g[P + i])` for i in [lo, hi), g holding both shards' slots back
 * to back: {@link combineShards} and SGD's step in one pass, the same operations (one array
 * with an offset runs ~20 % faster in V8 than two views of it).
 */
function fusedSgd(
  w: Float64Array,
  g: Float64Array,
  P: number,
  w0: number,
  w1: number,
  rate: number,
  lo: number,
  hi: number,
): void {
  for (let i = lo; i < hi; i++) w[i] -= rate * (w0 * g[i] + w1 * g[P + i]);
}

/** `w[i] −= rate·(1·s1[i])`: a batch of one row, whose only shard is shard 1. */
function singleSgd(w: Float64Array, s1: Float64Array, rate: number, lo: number, hi: number): void {
  for (let i = lo; i < hi; i++) w[i] -= rate * (1 * s1[i]);
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
    const kernel: Matrix = { rows: fanIn, cols: l.units, data: view(fanIn * l.units) };
    const bias = view(l.units);
    fanIn = l.units;
    return { activation: getActivation(l.activation), kernel, bias };
  });
  return { inputSize: config.inputSize, layers, loss: getLoss(config.loss) };
}
