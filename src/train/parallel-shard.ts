/**
 * What each thread of a sharded run runs, the calling thread (thread 0) and every worker thread
 * alike: phase 1, the gradient of the mean loss over each of its shards (a batch is always cut
 * into {@link SHARDS} contiguous runs of rows, whatever the thread count; a thread computes one
 * or more of them), computed by the engine `fit` would choose (src/train/engines) from the
 * batch's rows and the current weights in shared memory; phase 2, its slice of the
 * update (the shards' gradients combined in shard order, the L2 term, the optimiser). See
 * docs/threads.md.
 *
 * The engines give a shard's gradient bit for bit alike (see docs/wasm.md), so which one a
 * thread ends up with never changes the result.
 */
import type { Matrix } from '../core/matrix.js';
import { getActivation } from '../nn/activations.js';
import { getLoss } from '../nn/losses.js';
import { type Network, type NetworkConfig, parameterArrays, parameterCount } from '../nn/network.js';
import { createOptimizer, type Optimizer, type OptimizerConfig } from '../nn/optimizers.js';
import type { EngineName } from './engines/engine.js';
import { type EngineChoice, selectEngine } from './engines/select.js';

/** Indices into the shared Int32 control array. */
export const CTRL = {
  /** Bumped by the calling thread to start a batch (or to exit); workers wait on it. */
  GEN: 0,
  /** {@link CMD_RUN} or {@link CMD_EXIT}. */
  CMD: 1,
  /** Unused. */
  START: 2,
  /** Rows in the batch. */
  SIZE: 3,
  /** Unused. */
  ORDERED: 4,
  /** Bumped by every thread (the calling one included) once its shards' gradients are published. */
  ARRIVED: 5,
  /** Bumped by each worker once its slice of the update is applied; the calling thread waits on it. */
  DONE: 6,
  /** 1 + the index of a thread that failed (its message is in the error buffer), else 0. */
  ERROR: 7,
  /** Worker k's answer to its job at JOIN + k − 1: 1 when it took it, −1 when the caller gave up waiting. */
  JOIN: 8,
  /** Correct-prediction count of shard k at CORRECT + k. */
  CORRECT: 16,
} as const;
/**
 * Shards per batch: fixed, so that the batch's gradient is summed in the same order whatever the
 * number of threads (1 to {@link SHARDS}) computing it.
 */
export const SHARDS = 2;
/** Worker threads a run can have beside the calling thread (JOIN's room in the control array). */
export const MAX_WORKERS = 8;
export const CMD_RUN = 1;
export const CMD_EXIT = 2;
export const ERROR_BYTES = 2048;
/** Spins this many times reading a control word before sleeping in `Atomics.wait`. */
const SPIN = 1000;

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
  l2: number;
  /**
   * The optimiser's configuration when each thread updates its own slice of the parameters
   * (the optimisers are element-wise, so slices updated apart give the same values); null when
   * the calling thread updates all of them with an optimiser object it was given.
   */
  optimizer: Required<OptimizerConfig> | null;
  /** The batch's inputs and targets, gathered there by the calling thread before each batch. */
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  /** The weights, all parameter arrays back to back in `parameterArrays` order. */
  params: SharedArrayBuffer;
  /** One gradient slot of `parameterCount` doubles per shard ({@link SHARDS}). */
  grads: SharedArrayBuffer;
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

/** Waits until the counter `ctrl[at]` reaches `target`: spins briefly, then sleeps. */
export function waitAtLeast(ctrl: Int32Array, at: number, target: number): void {
  let spins = 0;
  for (let v = Atomics.load(ctrl, at); v < target; v = Atomics.load(ctrl, at)) {
    if (++spins > SPIN) Atomics.wait(ctrl, at, v);
  }
}

/** Waits until `ctrl[at]` differs from `value`: spins briefly, then sleeps. Returns the new value. */
export function waitChange(ctrl: Int32Array, at: number, value: number): number {
  let spins = 0;
  for (let v = Atomics.load(ctrl, at); ; v = Atomics.load(ctrl, at)) {
    if (v !== value) return v;
    if (++spins > SPIN) Atomics.wait(ctrl, at, value);
  }
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
   * Phase 1: this thread's shards of the batch described in the control array — each one's
   * gradient into its shared slot, its loss and correct count beside — then arrival at the barrier.
   */
  computeShard(): void;
  /** Waits until every thread has arrived for this batch. */
  awaitShards(): void;
  /**
   * Phase 2: this thread's slice of the parameters — the shards' gradients combined in shard
   * order into the batch's mean gradient, the L2 term added, the optimiser applied.
   */
  update(): void;
}

/**
 * Attaches thread `index` to the shared state. `optimizer` is the calling thread's optimiser
 * object when {@link SharedSetup.optimizer} is null (it then updates every parameter itself).
 */
export function attachShardThread(setup: SharedSetup, index: number, optimizer?: Optimizer): ShardThread {
  const { config, threads, rows } = setup;
  const net = networkOver(config, setup.params);
  const x = { rows, cols: config.inputSize, data: new Float64Array(setup.x) };
  const y = { rows, cols: config.layers[config.layers.length - 1].units, data: new Float64Array(setup.y) };
  const ctrl = new Int32Array(setup.control);
  const losses = new Float64Array(setup.losses);
  const P = parameterCount(net);
  // The shards this thread computes, and their gradient slots shaped like the network's parameters.
  const [firstShard, endShard] = shardRange(SHARDS, threads, index);
  const slots: Float64Array[] = [];
  for (let k = firstShard; k < endShard; k++) slots.push(new Float64Array(setup.grads, k * P * 8, P));
  // Gradients only (the update is phase 2's), of shards of at most maxShardRows rows.
  const engine = selectEngine(setup.engine, {
    net,
    data: { x, y },
    batchSize: maxShardRows(rows),
    l2: 0,
    epochs: setup.batches,
    perStepCallback: true,
  });
  const [lo, hi] = sliceOf(setup, index, P);
  // Where each parameter array starts in the flat vector.
  const offsets: number[] = [];
  for (let i = 0, at = 0; i < engine.grads.length; at += engine.grads[i].length, i++) offsets.push(at);
  // Publishes shard k's gradient: all of it, or, when it is this thread's last shard and the
  // fused SGD update will read this thread's slice from the engine itself, all but that slice.
  const publish = (k: number, keepOwn: boolean) => {
    const slot = slots[k - firstShard];
    for (let i = 0; i < engine.grads.length; i++) {
      const g = engine.grads[i];
      const o = offsets[i];
      if (!keepOwn) {
        slot.set(g, o);
        continue;
      }
      const cut0 = Math.min(Math.max(lo - o, 0), g.length);
      const cut1 = Math.min(Math.max(hi - o, 0), g.length);
      if (cut0 > 0) slot.set(g.subarray(0, cut0), o);
      if (cut1 < g.length) slot.set(g.subarray(cut1), o + cut1);
    }
  };
  const update = createSliceUpdate(setup, index, net, engine.grads, optimizer);
  let round = 0;

  return {
    engine: engine.name,
    net,
    computeShard() {
      round++;
      const size = ctrl[CTRL.SIZE];
      let started = false;
      for (let k = firstShard; k < endShard; k++) {
        const [a, b] = shardRange(size, SHARDS, k);
        if (b === a) continue;
        // The weights in shared memory have changed since the last batch: start afresh from them.
        if (!started) engine.startEpoch(null);
        started = true;
        engine.gradient(a, b - a);
        losses[k] = engine.result[0];
        ctrl[CTRL.CORRECT + k] = engine.result[1];
        publish(k, k === endShard - 1 && fusedSgdRuns(setup, size));
      }
      Atomics.add(ctrl, CTRL.ARRIVED, 1);
      Atomics.notify(ctrl, CTRL.ARRIVED);
    },
    awaitShards() {
      waitAtLeast(ctrl, CTRL.ARRIVED, threads * round);
    },
    update,
  };
}

/**
 * Thread `index`'s slice of the flat parameter vector in phase 2: all of it on the calling
 * thread when it steps an optimiser object of its own, none on the others then. Element-wise
 * steps: how the parameters are sliced between threads does not change a bit.
 */
function sliceOf(setup: SharedSetup, index: number, P: number): [number, number] {
  if (setup.optimizer) return shardRange(P, setup.threads, index);
  return index === 0 ? [0, P] : [0, 0];
}

/** Whether phase 2 runs {@link fusedSgd} for a batch of `size` rows (plain SGD, no L2, both shards used). */
function fusedSgdRuns(setup: SharedSetup, size: number): boolean {
  return setup.optimizer?.name === 'sgd' && setup.l2 === 0 && SHARDS === 2 && size >= 2;
}

/**
 * Phase 2 of thread `index`: its slice of the flat parameter vector, the shards' gradients
 * combined there, the L2 term, the optimiser's step. `own` is the thread's engine's gradient
 * (of its last shard), which {@link fusedSgd} reads in place.
 */
function createSliceUpdate(
  setup: SharedSetup,
  index: number,
  net: Network,
  own: readonly Float64Array[],
  optimizer?: Optimizer,
): () => void {
  const { l2 } = setup;
  const ctrl = new Int32Array(setup.control);
  const P = parameterCount(net);
  const flatParams = new Float64Array(setup.params, 0, P);
  const slots = Array.from({ length: SHARDS }, (_, k) => new Float64Array(setup.grads, k * P * 8, P));
  const [lo, hi] = sliceOf(setup, index, P);
  const step = setup.optimizer ? createOptimizer(setup.optimizer) : optimizer;
  const combined = new Float64Array(hi - lo);
  // The kernels' ranges in the slice, for the L2 term.
  const kernelRanges: [number, number][] = [];
  let at = 0;
  for (const l of net.layers) {
    const a = Math.max(at, lo);
    const b = Math.min(at + l.kernel.data.length, hi);
    if (b > a) kernelRanges.push([a, b]);
    at += l.kernel.data.length + l.bias.length;
  }
  // The optimiser sees one flat slice (element-wise optimisers do not care where arrays end), or,
  // given an object, the parameter arrays themselves as fit passes them.
  let stepParams: Float64Array[] = [flatParams.subarray(lo, hi)];
  let stepGrads: Float64Array[] = [combined];
  if (!setup.optimizer) {
    stepParams = parameterArrays(net);
    let off = 0;
    stepGrads = stepParams.map((p) => {
      const v = combined.subarray(off, off + p.length);
      off += p.length;
      return v;
    });
  }
  // The fused update's pieces: the slice cut at the parameter arrays' ends, each with its part
  // of the weights and of both shards' gradients (the last shard this thread computed read from
  // its engine, the other from its slot).
  const lastShard = shardRange(SHARDS, setup.threads, index)[1] - 1;
  const pieces: { w: Float64Array; g: Float64Array[] }[] = [];
  for (let i = 0, o = 0; i < own.length; o += own[i].length, i++) {
    const a = Math.max(o, lo);
    const b = Math.min(o + own[i].length, hi);
    if (b <= a) continue;
    const g = slots.map((slot, k) => (k === lastShard ? own[i].subarray(a - o, b - o) : slot.subarray(a, b)));
    pieces.push({ w: flatParams.subarray(a, b), g });
  }
  const rate = setup.optimizer?.learningRate ?? 0;
  return () => {
    if (hi === lo || step === undefined) return;
    const size = ctrl[CTRL.SIZE];
    if (fusedSgdRuns(setup, size)) {
      // Plain SGD in one pass: the same operations as combineShards then the step, without
      // storing the combined gradient (the thread's step count is unused by SGD).
      const b0 = shardRange(size, 2, 0)[1];
      const w0 = b0 / size;
      const w1 = (size - b0) / size;
      for (const { w, g } of pieces) fusedSgd(w, g[0], g[1], w0, w1, rate);
      return;
    }
    combineShards(slots, size, lo, combined);
    if (l2 > 0) {
      // As backProp: ∂Ω/∂kernel = 2·l2·kernel, added to the mean gradient.
      for (const [a, b] of kernelRanges) for (let i = a; i < b; i++) combined[i - lo] += 2 * l2 * flatParams[i];
    }
    step.step(stepParams, stepGrads);
  };
}

/** `w[i] −= rate·(w0·s0[i] + w1·s1[i])`: two shards' gradients combined, then SGD's step. */
function fusedSgd(w: Float64Array, s0: Float64Array, s1: Float64Array, w0: number, w1: number, rate: number): void {
  for (let i = 0; i < w.length; i++) w[i] -= rate * (w0 * s0[i] + w1 * s1[i]);
}

/**
 * `combined[i] = Σₖ (sizeₖ / size)·slots[k][lo + i]` over the non-empty shards k = 0, 1, … in
 * order: the batch's mean gradient from the shards' mean gradients, in a fixed order.
 */
function combineShards(slots: Float64Array[], size: number, lo: number, combined: Float64Array): void {
  const shards = slots.length;
  const used: number[] = [];
  for (let k = 0; k < shards; k++) {
    const [a, b] = shardRange(size, shards, k);
    if (b > a) used.push(k);
  }
  const weight = (k: number) => {
    const [a, b] = shardRange(size, shards, k);
    return (b - a) / size;
  };
  const len = combined.length;
  if (used.length === 2) {
    const w0 = weight(used[0]);
    const w1 = weight(used[1]);
    const s0 = slots[used[0]];
    const s1 = slots[used[1]];
    for (let i = 0; i < len; i++) combined[i] = w0 * s0[lo + i] + w1 * s1[lo + i];
    return;
  }
  const w0 = weight(used[0]);
  const s0 = slots[used[0]];
  for (let i = 0; i < len; i++) combined[i] = w0 * s0[lo + i];
  for (let u = 1; u < used.length; u++) {
    const w = weight(used[u]);
    const s = slots[used[u]];
    for (let i = 0; i < len; i++) combined[i] += w * s[lo + i];
  }
}

/** Rows [lo, hi) of a batch of `size` rows that shard `k` of `shards` computes. */
export function shardRange(size: number, shards: number, k: number): [number, number] {
  return [Math.floor((k * size) / shards), Math.floor(((k + 1) * size) / shards)];
}

/** Rows in the largest shard of a batch of `rows`. */
export function maxShardRows(rows: number): number {
  return Math.ceil(rows / SHARDS);
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
