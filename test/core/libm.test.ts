/**
 * fdlibm's log, log1p, expm1 and tanh in TypeScript (src/core/libm.ts) and in the kernels
 * (assembly/libm.ts): bit for bit Node's Math — V8 runs fdlibm's algorithms, an implementation
 * written independently of ours — over a million arguments each (any double, the training's
 * ranges, every branch boundary and special value), and the kernels' bits equal to TypeScript's.
 */
import { describe, expect, it } from 'vitest';
import { expm1, log, log1p, tanh } from '../../src/core/libm.js';
import { createRandom } from '../../src/core/random.js';
import { instantiateWasmKernels } from '../../src/core/wasm/kernels.js';

const SPECIALS = [
  0,
  1,
  2,
  0.5,
  22,
  709.78,
  710,
  745,
  1e-300,
  1e300,
  Number.MIN_VALUE,
  2.2250738585072014e-308,
  Number.MAX_VALUE,
  Infinity,
  Number.NaN,
  1 - 2 ** -53,
  1 + 2 ** -52,
  2 ** -28,
  2 ** -29,
  2 ** -54,
  2 ** -55,
  2 ** 53,
  2 ** 54,
  Math.SQRT2,
  Math.SQRT1_2,
  Math.SQRT2 - 1,
  Math.SQRT1_2 - 1,
  0.34657359027997264,
  1.0397207708399179,
  38.816242111356935,
  56 * Math.LN2,
];

/** Arguments: the specials of both signs, any double, and the ranges training meets. */
function argumentsFor(seed: number): number[] {
  const rng = createRandom(seed);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  const xs = SPECIALS.flatMap((v) => [v, -v, v * (1 + 2 ** -52), v * (1 - 2 ** -53)]);
  for (let i = 0; i < 1 << 20; i++) {
    const kind = i % 4;
    if (kind === 0) {
      words[0] = rng.int(2 ** 32);
      words[1] = rng.int(2 ** 32);
      xs.push(bits[0]);
    } else if (kind === 1) xs.push((rng.next() - 0.5) * 2 ** (rng.int(80) - 60));
    else if (kind === 2) xs.push((rng.next() - 0.5) * 90);
    else xs.push(rng.next() * 4 - 1);
  }
  return xs;
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

const PAIRS = [
  ['log', log, Math.log],
  ['log1p', log1p, Math.log1p],
  ['expm1', expm1, Math.expm1],
  ['tanh', tanh, Math.tanh],
] as const;

describe('fdlibm log, log1p, expm1 and tanh', () => {
  it.each(PAIRS)("%s gives Node's Math bit for bit", (_name, ours, node) => {
    const misses = argumentsFor(1).filter((x) => !same(ours(x), node(x)));
    expect(misses.slice(0, 5)).toEqual([]);
  });

  it.each(PAIRS)('%s in the kernels gives the TypeScript bits', (name, ours) => {
    const kernels = instantiateWasmKernels();
    expect(kernels).toBeDefined();
    const inKernels = kernels![name];
    const misses = argumentsFor(2).filter((x) => !same(inKernels(x), ours(x)));
    expect(misses.slice(0, 5)).toEqual([]);
  });

  it('keeps the identities a wrong port would break', () => {
    expect(log(Math.E)).toBeCloseTo(1, 15);
    expect(log(0)).toBe(-Infinity);
    expect(Object.is(log1p(-0), -0)).toBe(true);
    expect(log1p(-1)).toBe(-Infinity);
    expect(expm1(-Infinity)).toBe(-1);
    expect(tanh(-Infinity)).toBe(-1);
    expect(Object.is(tanh(-0), -0)).toBe(true);
    for (const x of [-3, -0.7, 0.2, 1.5, 19]) expect(tanh(x)).toBeCloseTo(expm1(2 * x) / (expm1(2 * x) + 2), 15);
  });
});
