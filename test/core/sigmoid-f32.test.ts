/**
 * The float32 kernels' sigmoid (assembly/kernels-f32.ts `activate`): four lanes through a
 * Cephes-style exp, the scalar tail through musl's expf. Both against the sigmoid in float64
 * (an independent evaluation, rounded once), in units in the last place of the float32 result.
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/random.js';
import { instantiateWasmKernelsF32 } from '../../src/core/wasm/kernels-f32.js';
import { ACTIVATION_CODES } from '../../src/nn/activations.js';

const wasm = instantiateWasmKernelsF32()!;
const N = 1 << 16;
const Z = Math.ceil(wasm.heapBase() / 64) * 64;
const A = Z + 4 * N;
wasm.memory.grow(Math.ceil((A + 4 * N) / 65536));

/** σ of each value by the kernel, as `rows` rows of `cols` (the last `rows·cols % 4` take the scalar path). */
function sigmoid32(values: Float32Array, rows: number, cols: number): Float32Array {
  new Float32Array(wasm.memory.buffer, Z, values.length).set(values);
  wasm.activate(ACTIVATION_CODES.sigmoid, Z, A, rows, cols);
  return new Float32Array(wasm.memory.buffer, A, values.length).slice();
}

function exact(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

/** The float32 spacing at |x|. */
function ulp(x: number): number {
  const f = new Float32Array([Math.abs(x)]);
  const u = new Uint32Array(f.buffer);
  const below = f[0];
  u[0]++;
  return f[0] - below;
}

describe('float32 sigmoid (four lanes and the scalar tail)', () => {
  it('is within 3 ulp of the exact sigmoid over [−87, 87]', () => {
    const rng = createRandom(5);
    const z = new Float32Array(N);
    for (let i = 0; i < N; i++) z[i] = i < N / 2 ? -87 + (174 * i) / (N / 2) : (rng.next() - 0.5) * 20;
    // 4096 rows of 16 (all four-lane) and 65535 values as 1 row of 65535 (a 3-value scalar tail).
    for (const [rows, cols] of [
      [N / 16, 16],
      [1, N - 1],
    ]) {
      const a = sigmoid32(z.subarray(0, rows * cols), rows, cols);
      let worst = 0;
      for (let i = 0; i < a.length; i++)
        worst = Math.max(worst, Math.abs(a[i] - exact(z[i])) / ulp(Math.fround(exact(z[i]))));
      expect(worst, `${rows}×${cols}`).toBeLessThanOrEqual(3);
    }
  });

  it('gives 1/2 at ±0, 1 at +∞, the clamp (e^−87.3 ≈ 1.2e-38) at −∞ and below, NaN for NaN', () => {
    const z = Float32Array.from([0, -0, Infinity, -Infinity, -1000, Number.NaN, 88, -88]);
    const a = sigmoid32(z, 2, 4);
    expect([...a.subarray(0, 3)]).toEqual([0.5, 0.5, 1]);
    for (const v of [a[3], a[4], a[7]]) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(1.3e-38);
    }
    expect(a[5]).toBeNaN();
    expect(a[6]).toBe(1);
  });
});
