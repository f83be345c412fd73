/**
 * backprop's own exp (src/core/exp.ts and its WebAssembly twin assembly/exp.ts): its table
 * against an exact regeneration, its accuracy against an independent double-double evaluation
 * over the whole range (subnormal results included), its special values, and the same bits from
 * JavaScript, the kernels' scalar exp and their two-lane exp on millions of arguments.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXP_TABLE, exp } from '../../src/core/exp.js';
import { createRandom } from '../../src/core/random.js';
import { instantiateWasmKernels } from '../../src/core/wasm/kernels.js';

const REPO = join(import.meta.dirname, '..', '..');

// --- double-double arithmetic (Dekker/Knuth, no FMA): the independent reference -------------

type DD = [number, number];
const SPLITTER = 134217729; // 2^27 + 1

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}
function split(a: number): DD {
  const t = SPLITTER * a;
  const hi = t - (t - a);
  return [hi, a - hi];
}
function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}
function ddAdd(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  const [s2, e2] = twoSum(s, e + t);
  return twoSum(s2, e2 + f);
}
function ddMul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return twoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}

/** ln 2 in three parts; LN2[0] has 32 significant bits, so n·LN2[0] is exact for |n| < 2^21. */
const LN2 = [0.6931471803691238, 1.9082149292705877e-10, 1.1612227229362532e-26];

/**
 * e^x as 2^n·(h + l), h + l within ~2^-95 relative: x = n·ln2 + r, then e^r = (e^(r/1024))^1024,
 * e^(r/1024) by its Taylor series to degree 11, all in double-double. It shares no table, no
 * polynomial and no scaling step with the code under test; ln2 is split as usual, in three parts.
 */
function refExp(x: number): { n: number; v: DD } {
  const n = Math.round(x / Math.LN2);
  // x − n·ln2: n·LN2[0] is exact, and so is x − n·LN2[0] (close to x, on x's grid).
  let r: DD = [x - n * LN2[0], 0];
  r = ddAdd(r, ddMul([-n, 0], [LN2[1], 0]));
  r = ddAdd(r, [-n * LN2[2], 0]);
  const s: DD = [r[0] / 1024, r[1] / 1024];
  let sum: DD = [1, 0];
  for (let k = 11; k >= 1; k--) {
    // Horner: sum = 1 + s/k·sum, with 1/k in double-double
    const inv = ddDiv1(k);
    sum = ddAdd([1, 0], ddMul(ddMul(s, inv), sum));
  }
  for (let i = 0; i < 10; i++) sum = ddMul(sum, sum);
  return { n, v: sum };
}
/** 1/k in double-double. */
function ddDiv1(k: number): DD {
  const q = 1 / k;
  const [p, e] = twoProd(q, k);
  return [q, (1 - p - e) / k];
}

/** 2^e as a double, for any e whose power is normal or the product stays in range (two steps). */
function times2(x: number, e: number): number {
  const a = Math.trunc(e / 2);
  return x * 2 ** a * 2 ** (e - a);
}

/** The error of `got` in ulps of the exact e^x (ulps of the double format, subnormals included). */
function ulpError(x: number, got: number): number {
  const { n, v } = refExp(x);
  const e = Math.floor(Math.log2(v[0])) + n; // exponent of the exact result (v[0] ∈ [0.5, 2])
  const ulpExp = Math.max(e - 52, -1074);
  // (got·2^-n − h) − l, in units of 2^(ulpExp − n): got·2^-n is exact (a power-of-two scaling
  // of a finite nonzero double into the normal range), and close to h, so the first difference is exact.
  const scaled = times2(got, -n);
  const diff = scaled - v[0] - v[1];
  return Math.abs(times2(diff, n - ulpExp));
}

describe("backprop's exp", () => {
  it('has the table that scripts/gen-exp-table.mjs computes exactly, in both sources', async () => {
    const { expTable } = await import('../../scripts/gen-exp-table.mjs');
    const table = expTable();
    expect(table).toHaveLength(256);
    expect(EXP_TABLE).toEqual(table);
    // The AssemblyScript copy: the numbers between `memory.data<f64>([` and `]`.
    const as = readFileSync(join(REPO, 'assembly/exp.ts'), 'utf8');
    const list = as.slice(as.indexOf('memory.data<f64>([') + 18, as.indexOf('], 16)'));
    expect(
      list
        .split(',')
        .filter((s) => s.trim() !== '')
        .map(Number),
    ).toEqual(table);
    // And independently: (T·(1 + R))^128 ≈ 2^j, to double-double precision.
    for (let j = 0; j < 128; j += 9) {
      let p: DD = ddMul([table[2 * j], 0], [1, table[2 * j + 1]]);
      for (let i = 0; i < 7; i++) p = ddMul(p, p);
      expect(Math.abs(p[0] - 2 ** j + p[1]) / 2 ** j).toBeLessThan(2 ** -96);
    }
  });

  it('checks its reference: double-double e^x of exact cases', () => {
    for (const [x, want] of [
      [0, 1],
      [1, Math.E],
      [-1, 0.36787944117144233],
    ] as const) {
      const { n, v } = refExp(x);
      expect(times2(v[0] + v[1], n)).toBe(want);
    }
    // e^(k·ln2) = 2^k up to ln2's own rounding
    const { n, v } = refExp(10 * Math.LN2);
    expect(Math.abs(times2(v[0], n) - 1024)).toBeLessThan(1e-12);
  });

  it('is within 0.53 ulp (the proven bound) over 10⁶ arguments of every range, subnormal results included', () => {
    const rng = createRandom(2024);
    const ranges: [number, number][] = [
      [-745.13, 709.78], // everything finite and nonzero
      [-20, 20],
      [-1, 1],
      [-745.13, -708.39], // subnormal results
      [708, 709.78], // near overflow
    ];
    let worst = 0;
    let worstX = 0;
    const count = 1_000_000;
    for (let i = 0; i < count; i++) {
      let x: number;
      if (i % 6 === 5)
        x = (rng.next() - 0.5) * 2 ** -rng.int(60); // tiny |x|
      else {
        const [lo, hi] = ranges[i % 5];
        x = lo + (hi - lo) * rng.next();
      }
      const err = ulpError(x, exp(x));
      if (err > worst) {
        worst = err;
        worstX = x;
      }
    }
    expect(worst, `worst at x = ${worstX}`).toBeLessThan(0.53);
    // Correctly rounded most of the time: the bound is not met by accident of a coarse check.
    expect(worst).toBeGreaterThan(0.5);
  });

  it('has the special values right', () => {
    expect(exp(0)).toBe(1);
    expect(exp(-0)).toBe(1);
    expect(exp(Number.NaN)).toBeNaN();
    expect(exp(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(Object.is(exp(Number.NEGATIVE_INFINITY), 0)).toBe(true);
    expect(exp(1)).toBe(Math.E);
    expect(exp(709.78)).toBe(1.7928227943945155e308); // the largest finite results
    expect(exp(709.782712893384)).toBe(1.7976931348622732e308);
    expect(exp(709.7827128933841)).toBe(Number.POSITIVE_INFINITY); // e^x ≥ 2^1024 − 2^970: rounds to ∞
    // e^x = 2.47032822920648e-324, just above 2^-1075: rounds up to the least subnormal …
    expect(exp(-745.1332191019411)).toBe(5e-324);
    // … and the next double below, e^x = 2.47032822920620e-324 < 2^-1075, to +0.
    expect(Object.is(exp(-745.1332191019412), 0)).toBe(true);
    expect(Object.is(exp(-746), 0)).toBe(true);
    expect(exp(2 ** -60)).toBe(1);
    expect(exp(-(2 ** -60))).toBe(1);
    expect(exp(2 ** -52)).toBe(1 + 2 ** -52);
    for (let k = -1022; k <= 1023; k += 7) expect(exp(k * Math.LN2) / 2 ** k).toBeCloseTo(1, 12);
  });

  it('gives the same bits in JavaScript, the kernels’ scalar exp and their two-lane exp', () => {
    const kernels = instantiateWasmKernels();
    expect(kernels).toBeDefined();
    if (!kernels) return;
    const chunk = 1 << 16;
    const base = (kernels.heapBase() + 15) & ~15;
    const need = base + 16 * chunk;
    if (kernels.memory.buffer.byteLength < need) {
      kernels.memory.grow(Math.ceil((need - kernels.memory.buffer.byteLength) / 65536));
    }
    const src = new Float64Array(kernels.memory.buffer, base, chunk);
    const dst = new Float64Array(kernels.memory.buffer, base + 8 * chunk, chunk);
    const rng = createRandom(99);
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    // Every table index at every scale, both sides of each rounding point of k, the thresholds.
    const special = [0, -0, 1, -1, 700, -700, 699.9999999999999, -699.9999999999999, 708, -708, 709.78, 709.79];
    special.push(709.8, -745.13, -745.14, -746, -745.1332191019412, 709.782712893384, 709.7827128933841);
    special.push(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324, -5e-324, 2 ** -1022);
    let total = 0;
    let mismatches = 0;
    const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
    for (let round = 0; round < 32; round++) {
      for (let i = 0; i < chunk; i++) {
        let x: number;
        const kind = (i + round) % 4;
        if (round === 0 && i < special.length) x = special[i];
        else if (kind === 0) {
          // near k·ln2/128 ± half a step: every j, every rounding boundary
          const k = rng.int(2 * 137_000) - 137_000;
          x = ((k + (rng.next() < 0.5 ? 0.5 : rng.next() - 0.5)) * Math.LN2) / 128;
        } else if (kind === 1) x = (rng.next() - 0.5) * 1500;
        else if (kind === 2)
          x = -rng.next() * 40; // the sigmoid's arguments
        else {
          words[0] = rng.int(2 ** 32);
          words[1] = rng.int(2 ** 32);
          x = bits[0]; // any double
        }
        src[i] = x;
      }
      kernels.expPairs(base, base + 8 * chunk, chunk);
      for (let i = 0; i < chunk; i++) {
        const want = exp(src[i]);
        if (!same(kernels.exp(src[i]), want) || !same(dst[i], want)) mismatches++;
      }
      total += chunk;
    }
    expect(total).toBeGreaterThan(2_000_000);
    expect(mismatches).toBe(0);
  });
});
