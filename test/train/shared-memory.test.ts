/**
 * The pieces of a sharded run's one shared WebAssembly memory (docs/threads.md): the kernels
 * built over an imported shared memory give the unshared module's bits and the reference
 * product's; two instances over one memory pack in their own scratch and never touch each other's
 * bytes; the sharded SGD kernels are the update's formula element by element; the layout gives
 * every shard its own bytes; and a run on the WebAssembly engine gets the shared kernels while one
 * on the reference path does not. That whole runs give the same bits on 1, 2 and 3 threads is
 * test/train/threads.test.ts's.
 */
import { describe, expect, it } from 'vitest';
import { addRowVector, type Matrix, matmul } from '../../src/core/matrix.js';
import { instantiateWasmKernels } from '../../src/core/wasm/kernels.js';
import {
  createSharedMemory,
  instantiateSharedWasmKernels,
  sharedKernelsLayout,
} from '../../src/core/wasm/kernels-shared.js';
import { createNetwork, createRandom, fit, zeros } from '../../src/index.js';
import { parameterArrays } from '../../src/nn/network.js';
import { layoutShards } from '../../src/train/engines/wasm-layout.js';
import { checkFitOptions } from '../../src/train/fit.js';
import { createSharedSetup } from '../../src/train/parallel-fit.js';
import { sigmoidNet } from '../helpers/networks.js';

const WIDE = sigmoidNet(60, 256);

function randomValues(n: number, seed: number): Float64Array {
  const rng = createRandom(seed);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = i % 13 === 5 ? 0 : (rng.next() - 0.5) * 10 ** (rng.next() * 6 - 3);
  return v;
}

const matrix = (rows: number, cols: number, seed: number): Matrix => ({
  rows,
  cols,
  data: randomValues(rows * cols, seed),
});

describe('the shared-memory kernels', () => {
  const info = sharedKernelsLayout();

  it('load in Node and report their heap base and packing scratch', () => {
    expect(info).toBeDefined();
    expect(info?.heapBase).toBeGreaterThan(0);
    expect(info?.packBytes).toBe(32 * 128 * 8);
  });

  it('two instances over one memory, each packing in its own scratch, give the bits of the reference product', () => {
    if (!info) throw new Error('no shared kernels');
    // 40 rows × 300 steps × 150 columns: wide, so the b side is packed, over several step blocks.
    const [n, k, m] = [40, 300, 150];
    const a = matrix(n, k, 1);
    const b = matrix(k, m, 2);
    const bias = randomValues(m, 3);
    const want = zeros(n, m);
    matmul(a, b, want);
    addRowVector(want, bias);

    let top = Math.ceil(info.heapBase / 16) * 16;
    const alloc = (bytes: number) => {
      const at = top;
      top += Math.ceil(bytes / 16) * 16;
      return at;
    };
    const [A, B, bb, C0, C1, pack0, pack1] = [
      alloc(n * k * 8),
      alloc(k * m * 8),
      alloc(m * 8),
      alloc(n * m * 8),
      alloc(n * m * 8),
      alloc(info.packBytes),
      alloc(info.packBytes),
    ];
    const guard = alloc(64);
    const memory = createSharedMemory(top);
    if (!memory) throw new Error('no shared memory');
    const buf = memory.buffer;
    new Float64Array(buf, A, n * k).set(a.data);
    new Float64Array(buf, B, k * m).set(b.data);
    new Float64Array(buf, bb, m).set(bias);
    new Float64Array(buf, guard, 8).fill(7);
    const first = instantiateSharedWasmKernels(memory);
    const second = instantiateSharedWasmKernels(memory);
    if (!first || !second) throw new Error('no instance');
    first.setPackScratch(pack0);
    second.setPackScratch(pack1);
    // The static block the unshared module packs in: neither instance may write it now.
    const staticBefore = new Uint8Array(buf, 0, info.heapBase).slice();
    first.gemmNN(A, B, bb, C0, n, k, m);
    const pack0After = new Uint8Array(buf, pack0, info.packBytes).slice();
    second.gemmNN(A, B, bb, C1, n, k, m);
    expect(new Uint8Array(buf, pack0, info.packBytes)).toEqual(pack0After);
    expect(new Uint8Array(buf, pack1, info.packBytes).some((v) => v !== 0)).toBe(true);
    expect(new Uint8Array(buf, 0, info.heapBase)).toEqual(staticBefore);
    expect(Array.from(new Float64Array(buf, guard, 8))).toEqual(new Array(8).fill(7));
    expect(Array.from(new Float64Array(buf, C0, n * m))).toEqual(Array.from(want.data));
    expect(Array.from(new Float64Array(buf, C1, n * m))).toEqual(Array.from(want.data));

    // And the unshared module, packing in its static block, gives the same.
    const plain = instantiateWasmKernels();
    if (!plain) throw new Error('no kernels');
    const base = Math.ceil(plain.heapBase() / 16) * 16;
    plain.memory.grow(Math.ceil((base + (n * k + k * m + m + n * m) * 8) / 65536));
    const pb = plain.memory.buffer;
    const [pA, pB, pbias, pC] = [base, base + n * k * 8, base + (n * k + k * m) * 8, base + (n * k + k * m + m) * 8];
    new Float64Array(pb, pA, n * k).set(a.data);
    new Float64Array(pb, pB, k * m).set(b.data);
    new Float64Array(pb, pbias, m).set(bias);
    plain.gemmNN(pA, pB, pbias, pC, n, k, m);
    expect(Array.from(new Float64Array(pb, pC, n * m))).toEqual(Array.from(want.data));
  });

  it('sgdTwoShards is w − lr·(w0·g0 + w1·g1) element by element, sgdOneShard w − lr·g, odd lengths included', () => {
    const n = 1001;
    const memory = createSharedMemory(1 << 20);
    const kernels = memory && instantiateSharedWasmKernels(memory);
    if (!memory || !kernels || !info) throw new Error('no shared kernels');
    const [w, g0, g1] = [0, 1, 2].map((i) => Math.ceil(info.heapBase / 16) * 16 + i * 8192 + 8);
    const wv = randomValues(n, 4);
    const g0v = randomValues(n, 5);
    const g1v = randomValues(n, 6);
    const view = (at: number) => new Float64Array(memory.buffer, at, n);
    view(w).set(wv);
    view(g0).set(g0v);
    view(g1).set(g1v);
    const [w0, w1, lr] = [33 / 65, 32 / 65, 0.37];
    kernels.sgdTwoShards(w, g0, g1, w0, w1, lr, n);
    const want = wv.map((x, i) => x - lr * (w0 * g0v[i] + w1 * g1v[i]));
    expect(Array.from(view(w))).toEqual(Array.from(want));
    kernels.sgdOneShard(w, g1, lr, n);
    expect(Array.from(view(w))).toEqual(Array.from(want.map((x, i) => x - lr * g1v[i])));
  });
});

describe('a sharded run’s memory', () => {
  it('gives each shard its own table, scratch, activations and slot, apart from the batch and the weights', () => {
    const net = createNetwork(WIDE, { seed: 1 });
    const plan = layoutShards(1000, net, 256, 128, 2, 32768);
    const { layout } = plan;
    const buffer = new ArrayBuffer(layout.bytes);
    plan.writeTables(buffer);
    const P = 60 * 256 + 256 + 256 + 1;
    const spans: [number, number][] = [
      [layout.x, layout.x + 256 * 60 * 8],
      [layout.y, layout.y + 256 * 8],
      [layout.params, layout.params + P * 8],
      [layout.grads, layout.grads + 2 * P * 8],
    ];
    expect(layout.shards).toHaveLength(2);
    layout.shards.forEach((r, k) => {
      spans.push([r.table, r.table + 2 * 48], [r.kt, r.kt + 60 * 256 * 8], [r.pack, r.pack + 32768]);
      spans.push([r.loss, r.loss + 8], [r.correct, r.correct + 4]);
      // Each layer's fields: k, m, activation, K, b, ∂K, ∂b, Z, A, δ (12 fields apart).
      const t = new Int32Array(buffer, r.table, 24);
      const slot = layout.grads + k * P * 8;
      expect([t[0], t[1], t[12], t[13]]).toEqual([60, 256, 256, 1]);
      expect([t[3], t[4], t[15], t[16]]).toEqual(
        [0, 60 * 256, 60 * 256 + 256, 60 * 256 + 512].map((o) => layout.params + o * 8),
      );
      expect([t[5], t[6], t[17], t[18]]).toEqual(
        [0, 60 * 256, 60 * 256 + 256, 60 * 256 + 512].map((o) => slot + o * 8),
      );
      for (const [l, m] of [
        [0, 256],
        [1, 1],
      ]) {
        for (const f of [7, 8, 9]) spans.push([t[l * 12 + f], t[l * 12 + f] + 128 * m * 8]);
      }
    });
    spans.sort((p, q) => p[0] - q[0]);
    expect(spans[0][0]).toBeGreaterThanOrEqual(1000);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    expect(layout.bytes).toBeGreaterThanOrEqual(spans[spans.length - 1][1]);
    // Without kernels: the batch, the weights and the slots only.
    expect(layoutShards(0, net, 256, 128, 2, 0).layout.shards).toHaveLength(0);
  });

  it('runs the shards in the shared kernels on the WebAssembly engine, and in the engine otherwise', () => {
    const net = createNetwork(WIDE, { seed: 1 });
    const data = { x: zeros(512, 60), y: zeros(512, 1) };
    const options = { batchSize: 256, epochs: 2 };
    const checked = checkFitOptions(net, data, options);
    const wasm = createSharedSetup(net, data, checked, 'auto', 2);
    expect(wasm.at.shards).toHaveLength(2);
    expect(wasm.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(wasm.memory.buffer.byteLength).toBeGreaterThanOrEqual(wasm.at.bytes);
    expect(createSharedSetup(net, data, checked, 'reference', 2).at.shards).toHaveLength(0);
  });

  it('gives, on 2 threads, the bits of the engine path (weights copied in, gradients out, the update in JavaScript)', () => {
    const rng = createRandom(3);
    const n = 700; // batches of 256, 256 and 188: shards of 128/128 and 94/94
    const x = zeros(n, 60);
    const y = zeros(n, 1);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 60; j++) x.data[i * 60 + j] = rng.normal();
      y.data[i] = x.data[i * 60] + 0.5 * x.data[i * 60 + 1] > 0 ? 1 : 0;
    }
    const run = (engine: 'auto' | 'reference') => {
      const net = createNetwork(WIDE, { seed: 4 });
      const history = fit(
        net,
        { x, y },
        { epochs: 2, batchSize: 256, seed: 9, optimizer: { name: 'sgd', learningRate: 0.3 }, engine, threads: 2 },
      );
      return { history, weights: parameterArrays(net).map((a) => Array.from(a)) };
    };
    const shared = run('auto');
    const engines = run('reference');
    expect([shared.history.engine, shared.history.threads, engines.history.engine]).toEqual(['wasm', 2, 'reference']);
    expect(shared.weights).toEqual(engines.weights);
    expect(shared.history.epochs.map((e) => e.loss)).toEqual(engines.history.epochs.map((e) => e.loss));
  });
});
