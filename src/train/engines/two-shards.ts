/**
 * The two-shard engine: each batch's gradient computed as a sharded run computes it on threads
 * (shards.ts) — shard 0's mean gradient, then shard 1's, combined in that order — but on the
 * calling thread, by an inner engine that keeps the weights in its own memory. It is what a run
 * the sharding rule picks trains with when only one thread is used, so the result does not depend
 * on how many cores were free, and it costs one copy of a shard's gradient per batch where the
 * threads' machinery copies the weights in and both gradients out.
 */
import { squaredNorm } from '../../nn/backprop.js';
import { kernelUpdate } from '../../nn/optimizers.js';
import type { Engine, EngineSetup } from './engine.js';
import { combineShards, maxShardRows, shardRange } from './shards.js';

/**
 * The two-shard engine over `create`'s engine for the gradients alone.
 * @param setup the run, as for any engine (its optimiser and L2 are applied here)
 * @param create makes the inner engine for a setup without optimiser and L2 (the selector)
 */
export function createTwoShardEngine(setup: EngineSetup, create: (setup: EngineSetup) => Engine): Engine {
  const { optimizer, ...gradientsOnly } = setup;
  const { net, l2 } = setup;
  const inner = create({ ...gradientsOnly, l2: 0, batchSize: maxShardRows(setup.batchSize), perStepCallback: true });
  const exposed = inner.params;
  if (exposed === undefined) throw new Error(`the ${inner.name} engine does not expose its weights`);
  const params = exposed;
  const P = params.reduce((n, p) => n + p.length, 0);
  const slot0 = new Float64Array(P);
  const slot1 = new Float64Array(P);
  const combined = new Float64Array(P);
  let offset = 0;
  const grads = params.map((p) => {
    const view = combined.subarray(offset, offset + p.length);
    offset += p.length;
    return view;
  });
  const sgd = optimizer && l2 === 0 ? kernelUpdate(optimizer) : undefined;
  const result = new Float64Array(4);

  /** Shard k's mean gradient into `slot`; its loss and correct count into `parts`. */
  const shard = (start: number, lo: number, hi: number, slot: Float64Array, parts: Float64Array, k: number) => {
    inner.gradient(start + lo, hi - lo);
    parts[2 * k] = inner.result[0];
    parts[2 * k + 1] = inner.result[1];
    for (let i = 0, o = 0; i < inner.grads.length; o += inner.grads[i].length, i++) slot.set(inner.grads[i], o);
  };
  const parts = new Float64Array(4);

  const gradient = (start: number, size: number) => {
    const [, b0] = shardRange(size, 2, 0);
    // Σₖ (sizeₖ / size)·(shard k's mean loss) in shard order, then Ω = l2·Σ‖kernel‖² from the last layer.
    let loss = 0;
    let correct = 0;
    if (b0 > 0) {
      shard(start, 0, b0, slot0, parts, 0);
      loss += (b0 / size) * parts[0];
      correct += parts[1];
    }
    shard(start, b0, size, slot1, parts, 1);
    loss += ((size - b0) / size) * parts[2];
    correct += parts[3];
    const layers = net.layers;
    for (let l = layers.length - 1; l >= 0 && l2 > 0; l--) loss += l2 * squaredNorm(params[2 * l]);
    result[0] = loss;
    result[1] = correct;
    return b0;
  };

  return {
    name: inner.name,
    ...(inner.detail ? { detail: inner.detail } : {}),
    result,
    grads,
    params,
    startEpoch: (order) => inner.startEpoch(order),
    runEpoch: () => false,
    gradient(start, size) {
      gradient(start, size);
      combine(size);
    },
    runBatch(start, size) {
      const b0 = gradient(start, size);
      if (!Number.isFinite(result[0])) return;
      if (sgd) {
        // w −= η·(w₀·ĝ₀ + w₁·ĝ₁): combineShards and SGD's step in one pass, the same operations.
        fusedSgd(params, b0 > 0 ? slot0 : undefined, slot1, b0 / size, (size - b0) / size, sgd.learningRate);
        sgd.advance(1);
        return;
      }
      combine(size);
      optimizer?.step(params, grads);
    },
    validate() {
      // The inner engine's loss has no penalty; added as lossOf adds it, from the last layer.
      inner.validate();
      let loss = inner.result[0];
      const layers = net.layers;
      for (let l = layers.length - 1; l >= 0 && l2 > 0; l--) loss += l2 * squaredNorm(layers[l].kernel.data);
      result[0] = loss;
      result[1] = inner.result[1];
    },
    storeWeights: () => inner.storeWeights(),
    loadWeights: () => inner.loadWeights(),
  };

  /** The batch's mean gradient from the shards' (combineShards), plus ∂Ω/∂kernel = 2·l2·kernel. */
  function combine(size: number) {
    combineShards([slot0, slot1], size, combined);
    if (l2 > 0) {
      for (let l = 0; l < net.layers.length; l++) {
        const g = grads[2 * l];
        const w = params[2 * l];
        for (let j = 0; j < w.length; j++) g[j] += 2 * l2 * w[j];
      }
    }
  }
}

/** `w[i] −= rate·(w0·s0[i] + w1·s1[i])` over the parameter arrays; `rate·(1·s1[i])` without shard 0. */
function fusedSgd(
  params: readonly Float64Array[],
  s0: Float64Array | undefined,
  s1: Float64Array,
  w0: number,
  w1: number,
  rate: number,
): void {
  let o = 0;
  for (const w of params) {
    if (s0) for (let i = 0; i < w.length; i++) w[i] -= rate * (w0 * s0[o + i] + w1 * s1[o + i]);
    else for (let i = 0; i < w.length; i++) w[i] -= rate * (1 * s1[o + i]);
    o += w.length;
  }
}
