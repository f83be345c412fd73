/**
 * The WebAssembly training engine: the dataset, the weights, the gradients, each layer's Z, A
 * and δ for a batch and the shuffle order live in the linear memory of one instance of the SIMD
 * kernels (src/core/wasm), and whole epochs of mini-batches — gather, forward, loss, backward,
 * L2 penalty and the plain-SGD update — run in one call. Other optimisers run in JavaScript over
 * Float64Array views of the same memory after each batch's gradient call.
 *
 * Like the fused JavaScript path it performs the reference path's floating-point operations in
 * the same order (see assembly/kernels.ts and docs/wasm.md), so `fit` gives bit-identical
 * weights and logs whichever engine runs.
 */
import type { Matrix } from '../core/matrix.js';
import { instantiateWasmKernels, type WasmKernels } from '../core/wasm/kernels.js';
import type { Network } from '../nn/network.js';

const ACTIVATION_CODES: Record<string, number> = { sigmoid: 0, tanh: 1, relu: 2, linear: 3, softmax: 4 };
const LOSS_CODES: Record<string, number> = {
  binary_crossentropy: 0,
  categorical_crossentropy: 1,
  mean_squared_error: 2,
};
const FIELDS = 12;

export interface WasmEngine {
  /** Copies the network's weights into the engine (they are the truth between calls to {@link storeWeights}). */
  loadWeights(): void;
  /** Copies the engine's weights back into the network's arrays. */
  storeWeights(): void;
  /** The epoch's example order (null: 0, 1, …, n − 1); copied in. */
  setOrder(order: Uint32Array | null): void;
  /**
   * Runs batches [first, first + count) of the epoch: with `learningRate` > 0 each is followed
   * by a plain-SGD update in the engine, with 0 only the gradients are left in {@link grads}.
   * Returns how many batches ran — fewer than `count` when a loss was not finite. Batch
   * `first + i`'s loss is `losses[i]` and its correct count `corrects[i]`.
   */
  run(first: number, count: number, learningRate: number, l2: number): number;
  readonly losses: Float64Array;
  readonly corrects: Int32Array;
  /** Views of the engine's parameters and gradients, in `parameterArrays` order. */
  readonly params: Float64Array[];
  readonly grads: Float64Array[];
}

/** Whether the engine covers this network: element-wise hidden layers and an ε = 0 loss. */
export function wasmEngineSupports(net: Network): boolean {
  const last = net.layers.length - 1;
  return !net.layers.some((l, i) => i < last && l.activation.name === 'softmax') && !net.loss.config.epsilon;
}

/**
 * An engine training `net` on `x`, `y` with batches of `batchSize`, or undefined when the
 * network is not covered, WebAssembly SIMD is unavailable or the memory cannot be had.
 */
export function createWasmEngine(net: Network, x: Matrix, y: Matrix, batchSize: number): WasmEngine | undefined {
  if (!wasmEngineSupports(net)) return undefined;
  const wasm = instantiateWasmKernels();
  if (wasm === undefined) return undefined;
  const n = x.rows;
  const bs = Math.min(batchSize, n);
  const batches = Math.ceil(n / batchSize);
  const depth = net.layers.length;
  const widths = [net.inputSize, ...net.layers.map((l) => l.bias.length)];

  let top = wasm.heapBase();
  const alloc = (bytes: number) => {
    top = Math.ceil(top / 16) * 16;
    const at = top;
    top += bytes;
    return at;
  };
  const X = alloc(x.data.length * 8);
  const Y = alloc(y.data.length * 8);
  const order = alloc(n * 4);
  const table = alloc(depth * FIELDS * 4);
  const layers = net.layers.map((l, i) => {
    const k = widths[i];
    const m = widths[i + 1];
    return {
      k,
      m,
      K: alloc(k * m * 8),
      b: alloc(m * 8),
      gK: alloc(k * m * 8),
      gb: alloc(m * 8),
      Z: alloc(bs * m * 8),
      A: alloc(bs * m * 8),
      D: alloc(bs * m * 8),
      act: ACTIVATION_CODES[l.activation.name],
    };
  });
  const kt = alloc(Math.max(...layers.map((l) => l.k * l.m)) * 8);
  const xb = alloc(bs * widths[0] * 8);
  const yb = alloc(bs * widths[depth] * 8);
  const lossesAt = alloc(batches * 8);
  const correctsAt = alloc(batches * 4);
  const need = Math.ceil(top / 65536) - wasm.memory.buffer.byteLength / 65536;
  try {
    if (need > 0) wasm.memory.grow(need);
  } catch {
    return undefined; // more than the runtime gives WebAssembly: train in JavaScript
  }

  // The memory no longer grows, so these views stay attached for the engine's life.
  const buf = wasm.memory.buffer;
  const f64 = (at: number, len: number) => new Float64Array(buf, at, len);
  f64(X, x.data.length).set(x.data);
  f64(Y, y.data.length).set(y.data);
  const orderView = new Uint32Array(buf, order, n);
  const tableView = new Int32Array(buf, table, depth * FIELDS);
  layers.forEach((l, i) => {
    tableView.set([l.k, l.m, l.act, l.K, l.b, l.gK, l.gb, l.Z, l.A, l.D], i * FIELDS);
  });
  const params = layers.flatMap((l) => [f64(l.K, l.k * l.m), f64(l.b, l.m)]);
  const grads = layers.flatMap((l) => [f64(l.gK, l.k * l.m), f64(l.gb, l.m)]);
  const netParams = net.layers.flatMap((l) => [l.kernel.data, l.bias]);
  const lossCode = LOSS_CODES[net.loss.config.name];
  let ordered = false;

  return {
    params,
    grads,
    losses: f64(lossesAt, batches),
    corrects: new Int32Array(buf, correctsAt, batches),
    loadWeights() {
      for (let i = 0; i < params.length; i++) params[i].set(netParams[i]);
    },
    storeWeights() {
      for (let i = 0; i < params.length; i++) netParams[i].set(params[i]);
    },
    setOrder(o) {
      ordered = o !== null;
      if (o !== null) orderView.set(o);
    },
    run(first, count, learningRate, l2) {
      return (wasm as WasmKernels).trainBatches(
        table,
        depth,
        lossCode,
        X,
        Y,
        ordered ? order : 0,
        n,
        batchSize,
        first,
        count,
        learningRate,
        l2,
        xb,
        yb,
        kt,
        lossesAt,
        correctsAt,
      );
    },
  };
}
