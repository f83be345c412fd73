/**
 * The pieces of a split run's one shared WebAssembly memory (docs/threads.md): the kernels built
 * over an imported shared memory give the unshared module's bits and the reference product's; two
 * instances over one memory pack in their own scratch and never touch each other's bytes; the
 * layout gives every thread its own scratch on cache lines of its own; and a batch's units,
 * shared out between two instances in several ways, give the reference path's loss and gradients
 * (computeGradients). That whole runs give the reference path's bits on 1, 2 and 3 threads is
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
import { computeGradients, createNetwork, createRandom, type Network, zeros } from '../../src/index.js';
import { LOSS_CODES } from '../../src/nn/losses.js';
import { parameterArrays } from '../../src/nn/network.js';
import { layoutSplit } from '../../src/train/engines/wasm-layout.js';
import { checkFitOptions } from '../../src/train/fit.js';
import { createSplitSetup } from '../../src/train/parallel-fit.js';
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
});

/** A split run's memory over a fresh shared memory, its weights those of `net` and its batch `x`, `y` (round 0's buffers). */
function splitMemory(net: Network, x: Matrix, y: Matrix, threads: number, tiled: boolean[] = []) {
  const info = sharedKernelsLayout();
  if (!info) throw new Error('no shared kernels');
  const plan = layoutSplit(info.heapBase, net, x.rows, threads, info.packBytes, tiled);
  const memory = createSharedMemory(plan.layout.bytes);
  if (!memory) throw new Error('no shared memory');
  plan.writeTable(memory.buffer);
  const at = plan.layout;
  new Float64Array(memory.buffer, at.x[0], x.data.length).set(x.data);
  new Float64Array(memory.buffer, at.y[0], y.data.length).set(y.data);
  const P = parameterArrays(net).reduce((n, p) => n + p.length, 0);
  let o = 0;
  const params = new Float64Array(memory.buffer, at.params, P);
  for (const p of parameterArrays(net)) {
    params.set(p, o);
    o += p.length;
  }
  return { memory, at, P };
}

describe('a split run’s memory and kernels', () => {
  it('gives each thread its own scratch, apart from the batch buffers, table, weights, gradients and activations, each on a cache line', () => {
    const net = createNetwork(WIDE, { seed: 1 });
    const plan = layoutSplit(1000, net, 256, 3, 32768, [true, false]);
    const { layout } = plan;
    const buffer = new ArrayBuffer(layout.bytes);
    plan.writeTable(buffer);
    const P = 60 * 256 + 256 + 256 + 1;
    const spans: [number, number][] = [
      [layout.x[0], layout.x[0] + 256 * 60 * 8],
      [layout.x[1], layout.x[1] + 256 * 60 * 8],
      [layout.y[0], layout.y[0] + 256 * 8],
      [layout.y[1], layout.y[1] + 256 * 8],
      [layout.table, layout.table + 2 * 48],
      [layout.params, layout.params + P * 8],
      [layout.grads, layout.grads + P * 8],
    ];
    // Each layer's fields: k, m, activation, K, b, ∂K, ∂b, Z, A, δ (12 fields apart).
    const t = new Int32Array(buffer, layout.table, 24);
    expect([t[0], t[1], t[12], t[13]]).toEqual([60, 256, 256, 1]);
    const offsets = [0, 60 * 256, 60 * 256 + 256, 60 * 256 + 512];
    expect([t[3], t[4], t[15], t[16]]).toEqual(offsets.map((o) => layout.params + o * 8));
    expect([t[5], t[6], t[17], t[18]]).toEqual(offsets.map((o) => layout.grads + o * 8));
    for (const [l, m] of [
      [0, 256],
      [1, 1],
    ]) {
      for (const f of [7, 8, 9]) spans.push([t[l * 12 + f], t[l * 12 + f] + 256 * m * 8]);
    }
    // Layer 0's kernel and its gradients as tiles (60 × 256, runs of 4 columns); none for layer 1.
    for (const f of [10, 11]) spans.push([t[f], t[f] + 60 * 256 * 8]);
    expect([t[22], t[23]]).toEqual([0, 0]);
    expect(layout.threads).toHaveLength(3);
    for (const r of layout.threads)
      spans.push([r.kt, r.kt + 60 * 256 * 8], [r.pack, r.pack + 32768], [r.correct, r.correct + 4]);
    spans.sort((p, q) => p[0] - q[0]);
    expect(spans[0][0]).toBeGreaterThanOrEqual(1000);
    for (const [start] of spans) expect(start % 64).toBe(0);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    expect(layout.bytes).toBeGreaterThanOrEqual(spans[spans.length - 1][1]);
  });

  it('createSplitSetup sizes one shared memory for the layout', () => {
    const net = createNetwork(WIDE, { seed: 1 });
    const data = { x: zeros(512, 60), y: zeros(512, 1) };
    const setup = createSplitSetup(net, data, checkFitOptions(net, data, { batchSize: 256 }), 2);
    expect(setup.at.threads).toHaveLength(2);
    expect(setup.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(setup.memory.buffer.byteLength).toBeGreaterThanOrEqual(setup.at.bytes);
  });

  it("units shared out between two instances in any way give computeGradients' loss and gradients", () => {
    // 45-38-7-3 tanh, relu, softmax: an odd input count, widths that are not multiples of 4, and
    // cuts anywhere (an odd last column on either side); the softmax layer is kept whole.
    const net = createNetwork(
      {
        inputSize: 45,
        layers: [
          { units: 38, activation: 'tanh' },
          { units: 7, activation: 'relu' },
          { units: 3, activation: 'softmax' },
        ],
        loss: { name: 'categorical_crossentropy' },
      },
      { seed: 2 },
    );
    const n = 21;
    const x = matrix(n, 45, 7);
    const y = zeros(n, 3);
    for (let i = 0; i < n; i++) y.data[i * 3 + (i % 3)] = 1;
    const want = computeGradients(net, x, y);
    const widths = [38, 7, 3];
    // Where each layer's units are cut between instance A (below) and B, for forward and backward.
    const cuts = [
      [16, 4, 3],
      [0, 7, 3],
      [38, 0, 3],
      [13, 6, 3],
      [37, 1, 3],
    ];
    // Kernels row by row, and (as a plain-SGD run keeps them) the two hidden layers' as tiles.
    // Tiles start every 4 units, and so do a run's parts (every 8): their cuts too.
    const tileCuts = [
      [16, 4, 3],
      [0, 7, 3],
      [38, 0, 3],
      [8, 4, 3],
      [32, 0, 3],
    ];
    const cases = [...cuts.map((c) => [c, false] as const), ...tileCuts.map((c) => [c, true] as const)];
    for (const [cut, tiles] of cases) {
      for (const first of [0, 1]) {
        const { memory, at, P } = splitMemory(net, x, y, 2, tiles ? [true, true, false] : []);
        const kernels = [0, 1].map((i) => {
          const k = instantiateSharedWasmKernels(memory);
          if (!k) throw new Error('no instance');
          k.setPackScratch(at.threads[i].pack);
          return k;
        });
        if (tiles) for (const l of [0, 1]) kernels[first].toTiles(at.table, l);
        // Instance `first` takes the units below the cut, the other those above; each part in turn.
        const parts = (l: number): [number, number, number][] => [
          [first, 0, cut[l]],
          [1 - first, cut[l], widths[l]],
        ];
        for (let l = 0; l < 3; l++) {
          for (const [t, j0, j1] of parts(l)) if (j1 > j0) kernels[t].unitsForward(at.table, l, at.x[0], n, j0, j1);
        }
        kernels[first].unitsHead(at.table, 3, LOSS_CODES.categorical_crossentropy, at.y[0], n);
        const loss = kernels[1 - first].splitLoss(
          at.table,
          3,
          LOSS_CODES.categorical_crossentropy,
          at.y[0],
          n,
          at.threads[0].correct,
        );
        for (let l = 2; l >= 0; l--) {
          for (const [t, j0, j1] of parts(l))
            if (j1 > j0) kernels[t].unitsGradient(at.table, l, at.x[0], n, j0, j1, 0, 0);
          if (l > 0) {
            for (const [t, p0, p1] of parts(l - 1)) {
              if (p1 > p0) kernels[1 - t].unitsPassDown(at.table, l, n, p0, p1, at.threads[1 - t].kt);
            }
          }
        }
        expect(loss).toBe(want.loss);
        const grads = new Float64Array(memory.buffer, at.grads, P);
        const table = new Int32Array(memory.buffer, at.table, 36);
        let o = 0;
        want.gradients.forEach((g, l) => {
          // A kernel's gradients in tiles: column j of k rows in run j/4, at row p, place j mod 4.
          const { rows: k, cols: m } = g.kernel;
          const tiled = (j: number, p: number) => table[l * 12 + 11] / 8 + Math.floor(j / 4) * k * 4 + p * 4 + (j % 4);
          const all = new Float64Array(memory.buffer);
          const kernel =
            tiles && l < 2
              ? Array.from({ length: k * m }, (_, i) => all[tiled(i % m, Math.floor(i / m))])
              : Array.from(grads.subarray(o, o + k * m));
          expect(kernel, `layer ${l} kernel, cut ${cut}, tiles ${tiles}`).toEqual(Array.from(g.kernel.data));
          o += k * m;
          expect(Array.from(grads.subarray(o, o + g.bias.length))).toEqual(Array.from(g.bias));
          o += g.bias.length;
        });
      }
    }
  });
});
