/**
 * The WebAssembly products alone, against the reference path's matrix kernels (core/matrix.ts):
 * gemmNN is `matmul` then `addRowVector`, gemmTN is `matmulTransA`. The float64 kernels must give
 * the same bits (each output summed over the reduction index in order, from +0) for every shape
 * the cache blocks and register tiles cut differently: tiny and wide layers, row, column and step
 * counts that are not multiples of the tile or of the cache block, reductions spanning several
 * cache blocks, wide layers whose blocks are packed. The float32 kernels must stay within float32 tolerance of the float64 product and
 * give the same bits on every call.
 */
import { describe, expect, it } from 'vitest';
import { addRowVector, type Matrix, matmul, matmulTransA } from '../../src/core/matrix.js';
import { instantiateWasmKernels, wasmKernelsAvailable } from '../../src/core/wasm/kernels.js';
import { instantiateWasmKernelsF32, wasmKernelsF32Available } from '../../src/core/wasm/kernels-f32.js';
import { createRandom } from '../../src/index.js';

/** [n, k, m]: rows of A, the reduction, columns of B; chosen to hit every tail of the blocking. */
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 3, 2],
  [2, 1, 5],
  [3, 4, 1],
  [4, 4, 4],
  [5, 7, 3],
  [7, 129, 9],
  [13, 127, 33],
  [32, 30, 64],
  [33, 31, 65],
  [6, 300, 71],
  [64, 257, 38],
  [17, 5, 130],
  [9, 400, 1],
  [70, 2, 35],
  // Wide (≥ 128 columns): the packed b blocks, with tails of every kind and several step blocks.
  [20, 300, 150],
  [18, 17, 131],
  [35, 129, 257],
];

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rng = createRandom(seed);
  const data = new Float64Array(rows * cols);
  // Mixed signs and magnitudes, some exact zeros: sums whose rounding depends on their order.
  for (let i = 0; i < data.length; i++) data[i] = i % 11 === 3 ? 0 : (rng.next() - 0.5) * 10 ** (rng.next() * 6 - 3);
  return { rows, cols, data };
}

/** Space for float64 or float32 arrays in a module's memory, from its heap base. */
function arena(memory: WebAssembly.Memory, heapBase: number, bytes: number) {
  let top = Math.ceil(heapBase / 16) * 16;
  const places: { at: number; length: number }[] = [];
  return {
    put(values: Float64Array): number {
      const at = top;
      places.push({ at, length: values.length });
      top += Math.ceil((values.length * bytes) / 16) * 16 + 16;
      const need = Math.ceil(top / 65536) - memory.buffer.byteLength / 65536;
      if (need > 0) memory.grow(need);
      const Type = bytes === 8 ? Float64Array : Float32Array;
      new Type(memory.buffer, at, values.length).set(values);
      return at;
    },
    get(at: number, length: number): Float64Array {
      const Type = bytes === 8 ? Float64Array : Float32Array;
      return Float64Array.from(new Type(memory.buffer, at, length));
    },
  };
}

/** The reference products for one shape: Z = A·B + bias and G = Aᵀ·D. */
function reference(n: number, k: number, m: number, seed: number) {
  const a = randomMatrix(n, k, seed);
  const b = randomMatrix(k, m, seed + 1);
  const bias = randomMatrix(1, m, seed + 2).data;
  const d = randomMatrix(n, m, seed + 3);
  const z: Matrix = { rows: n, cols: m, data: new Float64Array(n * m) };
  matmul(a, b, z);
  addRowVector(z, bias);
  const g: Matrix = { rows: k, cols: m, data: new Float64Array(k * m) };
  matmulTransA(a, d, g);
  return { a, b, bias, d, z: z.data, g: g.data };
}

interface Products {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemmNN(A: number, B: number, bias: number, C: number, n: number, k: number, m: number): void;
  gemmTN(A: number, D: number, G: number, n: number, k: number, m: number): void;
}

/** The module's gemmNN (with bias) and gemmTN on the reference's inputs, as float64 arrays. */
function products(wasm: Products, bytes: number, n: number, k: number, m: number, seed: number) {
  const ref = reference(n, k, m, seed);
  const mem = arena(wasm.memory, wasm.heapBase(), bytes);
  const A = mem.put(ref.a.data);
  const B = mem.put(ref.b.data);
  const bias = mem.put(ref.bias);
  const D = mem.put(ref.d.data);
  // Outputs start as garbage: a kernel must not read them before its first store.
  const Z = mem.put(new Float64Array(n * m).fill(Number.NaN));
  const G = mem.put(new Float64Array(k * m).fill(Number.NaN));
  wasm.gemmNN(A, B, bias, Z, n, k, m);
  wasm.gemmTN(A, D, G, n, k, m);
  return { ref, z: mem.get(Z, n * m), g: mem.get(G, k * m) };
}

/** The first index where the two arrays' bits differ, or -1 (a short failure message on wide products). */
function firstDifference(x: Float64Array, y: Float64Array): number {
  if (x.length !== y.length) return Math.min(x.length, y.length);
  return x.findIndex((v, i) => !Object.is(v, y[i]));
}

describe.skipIf(!wasmKernelsAvailable())('float64 WebAssembly products equal the reference path bit for bit', () => {
  it.each(SHAPES)('n %i, k %i, m %i', (n, k, m) => {
    const wasm = instantiateWasmKernels()!;
    const { ref, z, g } = products(wasm, 8, n, k, m, n * 1000 + k * 10 + m);
    expect(firstDifference(z, ref.z)).toBe(-1);
    expect(firstDifference(g, ref.g)).toBe(-1);
  });

  it('on W3 shapes (64 × 784 by 784 × 256)', () => {
    const wasm = instantiateWasmKernels()!;
    const { ref, z, g } = products(wasm, 8, 64, 784, 256, 7);
    expect(firstDifference(z, ref.z)).toBe(-1);
    expect(firstDifference(g, ref.g)).toBe(-1);
  });

  it('differs from a product summed in another order (the test can fail)', () => {
    // The same sums over the reduction in reverse order: with these magnitudes some rounding differs.
    const { ref } = products(instantiateWasmKernels()!, 8, 13, 127, 33, 5);
    const reversed: Matrix = { rows: 13, cols: 33, data: new Float64Array(13 * 33) };
    for (let i = 0; i < 13; i++) {
      for (let j = 0; j < 33; j++) {
        let s = 0;
        for (let p = 126; p >= 0; p--) s += ref.a.data[i * 127 + p] * ref.b.data[p * 33 + j];
        reversed.data[i * 33 + j] = s + ref.bias[j];
      }
    }
    expect(firstDifference(reversed.data, ref.z)).not.toBe(-1);
  });
});

describe.skipIf(!wasmKernelsF32Available())('float32 WebAssembly products', () => {
  it.each(SHAPES)('are within float32 tolerance of float64 and repeatable: n %i, k %i, m %i', (n, k, m) => {
    const seed = n * 1000 + k * 10 + m;
    const first = products(instantiateWasmKernelsF32()!, 4, n, k, m, seed);
    const again = products(instantiateWasmKernelsF32()!, 4, n, k, m, seed);
    expect(firstDifference(again.z, first.z)).toBe(-1);
    expect(firstDifference(again.g, first.g)).toBe(-1);
    // Each term is rounded to float32 on the way in and at every addition: the error of a sum
    // of k products is bounded by about (k + 2)·2⁻²³ times the sum of the terms' magnitudes.
    const check = (got: Float64Array, want: Float64Array, scale: Float64Array, terms: number) => {
      for (let i = 0; i < want.length; i++) {
        expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual((terms + 3) * 2 ** -23 * scale[i] + 1e-37);
      }
    };
    const { a, b, bias, d } = first.ref;
    const absZ: Matrix = { rows: n, cols: m, data: new Float64Array(n * m) };
    matmul({ ...a, data: a.data.map(Math.abs) }, { ...b, data: b.data.map(Math.abs) }, absZ);
    addRowVector(absZ, bias.map(Math.abs));
    const absG: Matrix = { rows: k, cols: m, data: new Float64Array(k * m) };
    matmulTransA({ ...a, data: a.data.map(Math.abs) }, { ...d, data: d.data.map(Math.abs) }, absG);
    check(first.z, first.ref.z, absZ.data, k + 1);
    check(first.g, first.ref.g, absG.data, n);
  });
});
