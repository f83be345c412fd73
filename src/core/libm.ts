/**
 * log, log1p, expm1 and tanh by fdlibm's algorithms, the ones V8 runs for `Math.log`, `Math.log1p`,
 * `Math.expm1` and `Math.tanh` in Node (src/base/ieee754.cc): the same operations in the same
 * order, so these give Node's bits, and give them on every host. Browsers' `Math` does not
 * (Chromium 156 differs from Node on ~4 % of logs and a few tanh and log1p arguments), and the
 * WebAssembly kernels run the same algorithms (assembly/libm.ts) instead of calling out to
 * JavaScript per element: so a seeded run has the same bits in Node, Chromium and Firefox, on
 * the reference path and the kernels alike. test/core/libm.test.ts holds each one to Node's
 * `Math` bit for bit over a million arguments and the special cases.
 *
 * fdlibm: Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved. Developed at SunSoft,
 * a Sun Microsystems, Inc. business. Permission to use, copy, modify, and distribute this software
 * is freely granted, provided that this notice is preserved.
 */

const LN2_HI = 0.6931471803691238; // 0x3FE62E42 FEE00000
const LN2_LO = 1.9082149292705877e-10; // 0x3DEA39EF 35793C76
const TWO54 = 18014398509481984; // 2^54

// log's and log1p's polynomial: log(1 + f) = f − s·(f − R(s²)), s = f/(2 + f).
const LG1 = 0.6666666666666735; // 0x3FE55555 55555593
const LG2 = 0.3999999999940942; // 0x3FD99999 9997FA04
const LG3 = 0.2857142874366239; // 0x3FD24924 94229359
const LG4 = 0.22222198432149784; // 0x3FCC71C5 1D8E78AF
const LG5 = 0.1818357216161805; // 0x3FC74664 96CB03DE
const LG6 = 0.15313837699209373; // 0x3FC39A09 D078C69F
const LG7 = 0.14798198605116586; // 0x3FC2F112 DF3E5244

// The words of a double, through one shared scratch (little-endian on every JavaScript host).
const scratch = new Float64Array(1);
const words = new Int32Array(scratch.buffer);

function highWord(x: number): number {
  scratch[0] = x;
  return words[1];
}

function lowWord(x: number): number {
  scratch[0] = x;
  return words[0] >>> 0;
}

function withHighWord(x: number, hi: number): number {
  scratch[0] = x;
  words[1] = hi;
  return scratch[0];
}

function fromWords(hi: number, lo: number): number {
  words[1] = hi;
  words[0] = lo;
  return scratch[0];
}

/**
 * The natural logarithm, fdlibm's e_log.c: x = 2^k·(1 + f) with √2/2 < 1 + f < √2, then
 * log(x) = k·ln2 + log(1 + f) by the polynomial above.
 * @param x any double
 */
export function log(x: number): number {
  let hx = highWord(x);
  const lx = lowWord(x);
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return Number.NaN;
    k -= 54;
    x *= TWO54;
    hx = highWord(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, hx | (i ^ 0x3ff00000)); // x or x/2 into [√2/2, √2)
  k += i >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f === 0) return k === 0 ? 0 : k * LN2_HI + k * LN2_LO;
    const R = f * f * (0.5 - 0.3333333333333333 * f);
    return k === 0 ? f - R : k * LN2_HI - (R - k * LN2_LO - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const R = t2 + t1;
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + R));
    return k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
  }
  if (k === 0) return f - s * (f - R);
  return k * LN2_HI - (s * (f - R) - k * LN2_LO - f);
}

/**
 * log(1 + x), fdlibm's s_log1p.c: as {@link log}, with a correction term c for the rounding of
 * 1 + x, so that it stays accurate for tiny x.
 * @param x any double
 */
export function log1p(x: number): number {
  const hx = highWord(x);
  const ax = hx & 0x7fffffff;
  let k = 1;
  let f = 0;
  let c = 0;
  let hu = 0;
  if (hx < 0x3fda827a) {
    // 1 + x < √2
    if (ax >= 0x3ff00000) return x === -1.0 ? -Infinity : Number.NaN; // x ≤ −1
    if (ax < 0x3e200000) {
      // |x| < 2^-29
      if (ax < 0x3c900000) return x; // |x| < 2^-54
      return x - x * x * 0.5;
    }
    if (hx > 0 || hx <= (0xbfd2bec4 | 0)) {
      // √2/2 ≤ 1 + x < √2
      k = 0;
      f = x;
      hu = 1;
    }
  }
  if (hx >= 0x7ff00000) return x + x;
  if (k !== 0) {
    let u: number;
    if (hx < 0x43400000) {
      u = 1.0 + x;
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
      c /= u;
    } else {
      u = x;
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = 0;
    }
    hu &= 0x000fffff;
    if (hu < 0x6a09e) {
      u = withHighWord(u, hu | 0x3ff00000); // u into [1, √2)
    } else {
      k += 1;
      u = withHighWord(u, hu | 0x3fe00000); // u/2 into [√2/2, 1)
      hu = (0x00100000 - hu) >> 2;
    }
    f = u - 1.0;
  }
  const hfsq = 0.5 * f * f;
  if (hu === 0) {
    // |f| < 2^-20
    if (f === 0) {
      if (k === 0) return 0;
      c += k * LN2_LO;
      return k * LN2_HI + c;
    }
    const R = hfsq * (1.0 - 0.6666666666666666 * f);
    if (k === 0) return f - R;
    return k * LN2_HI - (R - (k * LN2_LO + c) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const R = z * (LG1 + z * (LG2 + z * (LG3 + z * (LG4 + z * (LG5 + z * (LG6 + z * LG7))))));
  if (k === 0) return f - (hfsq - s * (hfsq + R));
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + (k * LN2_LO + c)) - f);
}

// expm1's rational approximation on [−ln2/2, ln2/2], scaled for R(2z) with z = x²/2.
const Q1 = -0.03333333333333313; // BFA11111 111110F4
const Q2 = 0.0015873015872548146; // 3F5A01A0 19FE5585
const Q3 = -0.0000793650757867488; // BF14CE19 9EAADBB7
const Q4 = 0.000004008217827329362; // 3ED0CFCA 86E65239
const Q5 = -2.0109921818362437e-7; // BE8AFDB7 6E09C32D
const INV_LN2 = Math.LOG2E; // 3FF71547 652B82FE, fdlibm's invln2
const O_THRESHOLD = 709.782712893384; // 40862E42 FEFA39EF

/**
 * e^x − 1, fdlibm's s_expm1.c (FreeBSD's form, as V8): x = k·ln2 + r with |r| ≤ ln2/2, then
 * e^r − 1 by a rational approximation, with the rounding of the reduction carried in c.
 * @param x any double
 */
export function expm1(x: number): number {
  const hxWord = highWord(x);
  const negative = hxWord < 0;
  const hx = hxWord & 0x7fffffff;
  if (hx >= 0x4043687a) {
    // |x| ≥ 56·ln2
    if (hx >= 0x40862e42) {
      // |x| ≥ 709.78…
      if (hx >= 0x7ff00000) {
        if (((hx & 0xfffff) | lowWord(x)) !== 0) return x + x; // NaN
        return negative ? -1.0 : x;
      }
      if (x > O_THRESHOLD) return Infinity;
    }
    if (negative) return -1.0; // e^x < 2^-56: −1 to the last bit
  }
  let k: number;
  let c = 0;
  if (hx > 0x3fd62e42) {
    // |x| > ln2/2: reduce
    let hi: number;
    let lo: number;
    if (hx < 0x3ff0a2b2) {
      // |x| < 1.5·ln2
      k = negative ? -1 : 1;
      hi = negative ? x + LN2_HI : x - LN2_HI;
      lo = negative ? -LN2_LO : LN2_LO;
    } else {
      k = Math.trunc(INV_LN2 * x + (negative ? -0.5 : 0.5));
      hi = x - k * LN2_HI; // exact
      lo = k * LN2_LO;
    }
    x = hi - lo;
    c = hi - x - lo;
  } else if (hx < 0x3c900000) {
    return x; // |x| < 2^-54
  } else {
    k = 0;
  }
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1.0 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3.0 - r1 * hfx;
  const e = hxs * ((r1 - t) / (6.0 - x * t));
  if (k === 0) return x - (x * e - hxs);
  return expm1Scaled(x, e, c, hxs, k);
}

/** expm1's last step for k ≠ 0: 2^k·(1 + r + e) − 1, arranged to lose nothing to cancellation. */
function expm1Scaled(x: number, e: number, c: number, hxs: number, k: number): number {
  const twopk = fromWords((0x3ff00000 + (k << 20)) | 0, 0);
  e = x * (e - c) - c;
  e -= hxs;
  if (k === -1) return 0.5 * (x - e) - 0.5;
  if (k === 1) return x < -0.25 ? -2.0 * (e - (x + 0.5)) : 1.0 + 2.0 * (x - e);
  if (k <= -2 || k > 56) {
    let y = 1.0 - (e - x);
    y = k === 1024 ? y * 2.0 * 8.98846567431158e307 : y * twopk;
    return y - 1.0;
  }
  if (k < 20) {
    const t = fromWords(0x3ff00000 - (0x200000 >> k), 0); // 1 − 2^-k
    return (t - (e - x)) * twopk;
  }
  const t = fromWords((0x3ff - k) << 20, 0); // 2^-k
  return (x - (e + t) + 1.0) * twopk;
}

/**
 * The hyperbolic tangent, fdlibm's s_tanh.c (FreeBSD's form, as V8): through expm1 of 2|x|,
 * ±1 beyond |x| = 22.
 * @param x any double
 */
export function tanh(x: number): number {
  const jx = highWord(x);
  const ix = jx & 0x7fffffff;
  if (ix >= 0x7ff00000) return jx >= 0 ? 1 / x + 1 : 1 / x - 1; // ±1 for ±∞, NaN for NaN
  let z: number;
  if (ix < 0x40360000) {
    // |x| < 22
    if (ix < 0x3e300000) return x; // |x| < 2^-28
    if (ix >= 0x3ff00000) {
      // |x| ≥ 1
      const t = expm1(2 * Math.abs(x));
      z = 1 - 2 / (t + 2);
    } else {
      const t = expm1(-2 * Math.abs(x));
      z = -t / (t + 2);
    }
  } else {
    z = 1;
  }
  return jx >= 0 ? z : -z;
}
