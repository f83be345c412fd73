// float32 training kernels (AssemblyScript, compiled by scripts/build-wasm.mjs into
// src/core/wasm/kernels-f32.generated.ts): `dtype: 'float32'`, Keras's floatx.
//
// A module of its own rather than a generated variant of assembly/kernels.ts: the float64
// kernels are shaped around two lanes and around agreeing bit for bit with JavaScript (fdlibm
// exp and log1p, `+0` sums, the batch-1 kernels), none of which carries over to four float32
// lanes. Here every value is an f32 — data, weights, Z, A, δ, gradients, losses — products run
// in f32x4 lanes, and exp, log, log1p and tanh are musl's single-precision functions compiled
// into the module (no imports; sigmoid layers use a four-lane exp of their own), so one seed
// gives the same bits on every run and host. Each
// output element still sums its products in one fixed order (p for Z = A·K, i for ∂K = Aᵀ·Δ, j
// for Δ·Kᵀ), as the reference path does, only rounded to float32 at every step.
//
// The layer table is the float64 engine's (src/train/engines/wasm-layout.ts, 4-byte values),
// the activation and loss codes its generated assembly/codes.ts; a code no branch names traps.

import {
  BINARY_CROSSENTROPY as BCE,
  CATEGORICAL_CROSSENTROPY as CCE,
  LINEAR,
  MEAN_SQUARED_ERROR as MSE,
  RELU,
  SIGMOID,
  SOFTMAX,
  TANH,
} from './codes';

/** Where the JavaScript side may start placing its arrays. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline
function field(table: usize, l: i32, f: i32): i32 {
  return load<i32>(table + <usize>(l * 48 + f * 4));
}

// ---------------------------------------------------------------------------------------------
// Products. A panel computes rows × cols outputs c[r][j] = Σ_s a(r, s)·b(s, j) (+ bias[j]), with
// a(r, s) at a + r·ars + s·ast (a scalar, broadcast) and b(s, j) at b + s·bst + 4j (a row, read
// as f32x4 vectors): blocks of 4 rows × 8 columns (8 accumulators), then 1 × 8, 4 × 4, 1 × 4, and
// a scalar column for the last cols % 4. As in the float64 kernels, the panel is cut into cache
// blocks of PANEL_COLS columns × PANEL_STEPS steps, a later block along s resuming the sums the
// one before stored, so each output is still summed over s in order.

/** Columns of a cache block (a multiple of 8). */
const PANEL_COLS = 64;
/** Steps (the summed index) of a cache block. */
const PANEL_STEPS = 128;

/** A wide layer's b block packed tile after tile, as in the float64 kernels (their PACK). */
const PACK = memory.data(PANEL_COLS * PANEL_STEPS * 4, 16);

/** An accumulator's start: +0 in a panel's first block of steps, else the sum stored so far. */
// @ts-ignore: decorator
@inline
function start4(resume: bool, c: usize): v128 {
  return resume ? v128.load(c) : f32x4.splat(0);
}

// @ts-ignore: decorator
@inline
function mk4x8(a: usize, ars: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, cst: usize, bias: usize, resume: bool): void {
  let c00 = start4(resume, c);
  let c01 = start4(resume, c + 16);
  let c10 = start4(resume, c + cst);
  let c11 = start4(resume, c + cst + 16);
  let c20 = start4(resume, c + cst * 2);
  let c21 = start4(resume, c + cst * 2 + 16);
  let c30 = start4(resume, c + cst * 3);
  let c31 = start4(resume, c + cst * 3 + 16);
  for (let s = 0; s < steps; s++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a + ars);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a + ars * 2);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a + ars * 3);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
    a += ast;
    b += bst;
  }
  if (bias) {
    const b0 = v128.load(bias);
    const b1 = v128.load(bias, 16);
    c00 = f32x4.add(c00, b0);
    c01 = f32x4.add(c01, b1);
    c10 = f32x4.add(c10, b0);
    c11 = f32x4.add(c11, b1);
    c20 = f32x4.add(c20, b0);
    c21 = f32x4.add(c21, b1);
    c30 = f32x4.add(c30, b0);
    c31 = f32x4.add(c31, b1);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  c += cst;
  v128.store(c, c10);
  v128.store(c, c11, 16);
  c += cst;
  v128.store(c, c20);
  v128.store(c, c21, 16);
  c += cst;
  v128.store(c, c30);
  v128.store(c, c31, 16);
}

/** `lanes` of 4 (1 or 2) columns of one row. */
// @ts-ignore: decorator
@inline
function mk1(a: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, bias: usize, two: bool, resume: bool): void {
  let c0 = start4(resume, c);
  let c1 = two ? start4(resume, c + 16) : f32x4.splat(0);
  for (let s = 0; s < steps; s++) {
    const x = v128.load32_splat(a);
    c0 = f32x4.add(c0, f32x4.mul(x, v128.load(b)));
    if (two) c1 = f32x4.add(c1, f32x4.mul(x, v128.load(b, 16)));
    a += ast;
    b += bst;
  }
  if (bias) {
    c0 = f32x4.add(c0, v128.load(bias));
    if (two) c1 = f32x4.add(c1, v128.load(bias, 16));
  }
  v128.store(c, c0);
  if (two) v128.store(c, c1, 16);
}

// @ts-ignore: decorator
@inline
function mk4x4(a: usize, ars: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, cst: usize, bias: usize, resume: bool): void {
  let c0 = start4(resume, c);
  let c1 = start4(resume, c + cst);
  let c2 = start4(resume, c + cst * 2);
  let c3 = start4(resume, c + cst * 3);
  for (let s = 0; s < steps; s++) {
    const b0 = v128.load(b);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a + ars), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a + ars * 2), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a + ars * 3), b0));
    a += ast;
    b += bst;
  }
  if (bias) {
    const b0 = v128.load(bias);
    c0 = f32x4.add(c0, b0);
    c1 = f32x4.add(c1, b0);
    c2 = f32x4.add(c2, b0);
    c3 = f32x4.add(c3, b0);
  }
  v128.store(c, c0);
  v128.store(c + cst, c1);
  v128.store(c + cst * 2, c2);
  v128.store(c + cst * 3, c3);
}

/** One output column j with scalars, four rows at a time (four sums in flight, each over s in order). */
function scalarColumn(a: usize, ars: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, cst: usize, rows: i32, bias: usize, resume: bool): void {
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const pc = c + <usize>i * cst;
    let s0: f32 = resume ? load<f32>(pc) : 0;
    let s1: f32 = resume ? load<f32>(pc + cst) : 0;
    let s2: f32 = resume ? load<f32>(pc + cst * 2) : 0;
    let s3: f32 = resume ? load<f32>(pc + cst * 3) : 0;
    let pa = a + <usize>i * ars;
    let pb = b;
    for (let t = 0; t < steps; t++) {
      const bt = load<f32>(pb);
      s0 += load<f32>(pa) * bt;
      s1 += load<f32>(pa + ars) * bt;
      s2 += load<f32>(pa + ars * 2) * bt;
      s3 += load<f32>(pa + ars * 3) * bt;
      pa += ast;
      pb += bst;
    }
    if (bias) {
      const bj = load<f32>(bias);
      s0 += bj;
      s1 += bj;
      s2 += bj;
      s3 += bj;
    }
    store<f32>(pc, s0);
    store<f32>(pc + cst, s1);
    store<f32>(pc + cst * 2, s2);
    store<f32>(pc + cst * 3, s3);
  }
  for (; i < rows; i++) {
    const pc = c + <usize>i * cst;
    let s: f32 = resume ? load<f32>(pc) : 0;
    let pa = a + <usize>i * ars;
    let pb = b;
    for (let t = 0; t < steps; t++) {
      s += load<f32>(pa) * load<f32>(pb);
      pa += ast;
      pb += bst;
    }
    if (bias) s += load<f32>(bias);
    store<f32>(pc, s);
  }
}

/** The panel's columns [j0, j1) over `steps` steps; `resume`: start from the sums stored in c. */
function panelBlock(a: usize, ars: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, cst: usize, rows: i32, j0: i32, j1: i32, bias: usize, resume: bool): void {
  // Four rows by every 8-column tile of the block, so those rows of a are read from L1 again.
  const j8 = j0 + ((j1 - j0) & ~7);
  // The full tiles' b, packed when its rows are 1 kB or more apart and enough rows read it.
  const packed = rows >= 16 && bst >= 1024 && j8 > j0;
  if (packed) {
    let q = PACK;
    for (let j = j0; j < j8; j += 8) {
      let pb = b + <usize>j * 4;
      for (let s = 0; s < steps; s++) {
        v128.store(q, v128.load(pb));
        v128.store(q, v128.load(pb, 16), 16);
        q += 32;
        pb += bst;
      }
    }
  }
  const tb = packed ? <usize>steps * 32 : 0; // a tile's stride in PACK
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const ai = a + <usize>i * ars;
    const ci = c + <usize>i * cst;
    for (let j = j0; j < j8; j += 8) {
      mk4x8(ai, ars, ast, packed ? PACK + <usize>((j - j0) >> 3) * tb : b + <usize>j * 4, packed ? 32 : bst, steps, ci + <usize>j * 4, cst, bias ? bias + <usize>j * 4 : 0, resume);
    }
  }
  for (; i < rows; i++) {
    const ai = a + <usize>i * ars;
    const ci = c + <usize>i * cst;
    for (let j = j0; j < j8; j += 8) {
      mk1(ai, ast, packed ? PACK + <usize>((j - j0) >> 3) * tb : b + <usize>j * 4, packed ? 32 : bst, steps, ci + <usize>j * 4, bias ? bias + <usize>j * 4 : 0, true, resume);
    }
  }
  let j = j8;
  if (j + 4 <= j1) {
    const bj = b + <usize>j * 4;
    const cj = c + <usize>j * 4;
    const biasj = bias ? bias + <usize>j * 4 : 0;
    let r = 0;
    for (; r + 4 <= rows; r += 4) mk4x4(a + <usize>r * ars, ars, ast, bj, bst, steps, cj + <usize>r * cst, cst, biasj, resume);
    for (; r < rows; r++) mk1(a + <usize>r * ars, ast, bj, bst, steps, cj + <usize>r * cst, biasj, false, resume);
    j += 4;
  }
  for (; j < j1; j++) {
    scalarColumn(a, ars, ast, b + <usize>j * 4, bst, steps, c + <usize>j * 4, cst, rows, bias ? bias + <usize>j * 4 : 0, resume);
  }
}

function panel(a: usize, ars: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, cst: usize, rows: i32, cols: i32, bias: usize): void {
  for (let j0 = 0; j0 < cols; j0 += PANEL_COLS) {
    const j1 = min(j0 + PANEL_COLS, cols);
    for (let s0 = 0; s0 < steps; s0 += PANEL_STEPS) {
      const s1 = min(s0 + PANEL_STEPS, steps);
      panelBlock(
        a + <usize>s0 * ast,
        ars,
        ast,
        b + <usize>s0 * bst,
        bst,
        s1 - s0,
        c,
        cst,
        rows,
        j0,
        j1,
        s1 === steps ? bias : 0,
        s0 > 0,
      );
    }
  }
}

/** C[n×m] = A[n×k]·B[k×m] (+ bias[m] when bias ≠ 0). */
export function gemmNN(A: usize, B: usize, bias: usize, C: usize, n: i32, k: i32, m: i32): void {
  const mm = <usize>m * 4;
  panel(A, <usize>k * 4, 4, B, mm, k, C, mm, n, m, bias);
}

/** G[k×m] = A[n×k]ᵀ·D[n×m], each G[p][j] summed over i in order. */
export function gemmTN(A: usize, D: usize, G: usize, n: i32, k: i32, m: i32): void {
  const mm = <usize>m * 4;
  if (m >= 4) {
    panel(A, 4, <usize>k * 4, D, mm, n, G, mm, k, m, 0);
    return;
  }
  // Narrow δ (an output of one to three units): four p per vector instead, over i in order.
  const kk = <usize>k * 4;
  for (let j = 0; j < m; j++) {
    let p = 0;
    for (; p + 4 <= k; p += 4) {
      let g = f32x4.splat(0);
      let pa = A + <usize>p * 4;
      let pd = D + <usize>j * 4;
      for (let i = 0; i < n; i++) {
        g = f32x4.add(g, f32x4.mul(v128.load(pa), v128.load32_splat(pd)));
        pa += kk;
        pd += mm;
      }
      const pg = G + <usize>p * mm + <usize>j * 4;
      store<f32>(pg, f32x4.extract_lane(g, 0));
      store<f32>(pg + mm, f32x4.extract_lane(g, 1));
      store<f32>(pg + mm * 2, f32x4.extract_lane(g, 2));
      store<f32>(pg + mm * 3, f32x4.extract_lane(g, 3));
    }
    for (; p < k; p++) {
      let s: f32 = 0;
      let pa = A + <usize>p * 4;
      let pd = D + <usize>j * 4;
      for (let i = 0; i < n; i++) {
        s += load<f32>(pa) * load<f32>(pd);
        pa += kk;
        pd += mm;
      }
      store<f32>(G + <usize>p * mm + <usize>j * 4, s);
    }
  }
}

/** T[m×k] = K[k×m]ᵀ. */
function transpose(K: usize, T: usize, k: i32, m: i32): void {
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < m; j++) store<f32>(T + <usize>(j * k + p) * 4, load<f32>(K + <usize>(p * m + j) * 4));
  }
}

/** out[j] = Σᵢ D[i][j], i in order. */
function sumRows(D: usize, out: usize, n: i32, m: i32): void {
  const mm = <usize>m * 4;
  let j = 0;
  for (; j + 4 <= m; j += 4) {
    let s = f32x4.splat(0);
    let p = D + <usize>j * 4;
    for (let i = 0; i < n; i++) {
      s = f32x4.add(s, v128.load(p));
      p += mm;
    }
    v128.store(out + <usize>j * 4, s);
  }
  for (; j < m; j++) {
    let s: f32 = 0;
    let p = D + <usize>j * 4;
    for (let i = 0; i < n; i++) {
      s += load<f32>(p);
      p += mm;
    }
    store<f32>(out + <usize>j * 4, s);
  }
}

// ---------------------------------------------------------------------------------------------
// Activations and loss heads, the formulas of src/nn/activations.ts and src/nn/losses.ts in f32.

// @ts-ignore: decorator
@inline
function sigmoid(t: f32): f32 {
  if (t >= 0) return 1 / (1 + Mathf.exp(-t));
  const e = Mathf.exp(t);
  return e / (1 + e);
}

/**
 * e^x on four lanes for x ≤ 0 (Cephes' expf: x = n·ln2 + r with ln2 in two parts, a degree-5
 * polynomial in r, 2^n from the exponent bits), within 2 ulp of musl's expf; x below −87.3 is
 * taken as −87.3 (e^x ≈ 1.2e-38, still a normal float) so that 2^n never leaves the normal range.
 * n = x·log₂e rounded to nearest by adding 1.5·2²³, whose low mantissa bits then hold n, so one
 * integer subtraction puts n + 127 in place for the exponent (no floor, no conversion). The clamp
 * is `pmax` (one instruction; `max`'s NaN and ±0 rules cost V8 several, and a NaN passes either
 * way). These two made the sigmoid 36 → 24 µs on W3's 64×256 (docs/performance.md).
 */
// @ts-ignore: decorator
@inline
function expNonPositive4(x: v128): v128 {
  const shifter = f32x4.splat(12582912); // 1.5·2²³
  x = f32x4.pmax(x, f32x4.splat(-87.3));
  const shifted = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), shifter);
  const n = f32x4.sub(shifted, shifter);
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  const z = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, z), r), f32x4.splat(1));
  const pow2n = i32x4.shl(i32x4.sub(shifted, i32x4.sub(shifter, i32x4.splat(127))), 23);
  return f32x4.mul(y, pow2n);
}

/** A = f(Z) over an n×m block. */
export function activate(code: i32, Z: usize, A: usize, n: i32, m: i32): void {
  const len = <usize>(n * m);
  if (code === SIGMOID) {
    // σ(t) = (t ≥ 0 ? 1 : e) / (1 + e) with e = e^−|t|, four at a time; the scalar tail as `sigmoid`.
    const one = f32x4.splat(1);
    let i: usize = 0;
    for (; i + 4 <= len; i += 4) {
      const t = v128.load(Z + i * 4);
      const e = expNonPositive4(v128.or(t, f32x4.splat(-0))); // −|t|: the sign bit set
      const num = v128.bitselect(one, e, f32x4.ge(t, f32x4.splat(0)));
      v128.store(A + i * 4, f32x4.div(num, f32x4.add(one, e)));
    }
    for (; i < len; i++) store<f32>(A + i * 4, sigmoid(load<f32>(Z + i * 4)));
  } else if (code === TANH) {
    for (let i: usize = 0; i < len; i++) store<f32>(A + i * 4, Mathf.tanh(load<f32>(Z + i * 4)));
  } else if (code === RELU) {
    const zero = f32x4.splat(0);
    let i: usize = 0;
    for (; i + 4 <= len; i += 4) v128.store(A + i * 4, f32x4.max(v128.load(Z + i * 4), zero));
    for (; i < len; i++) store<f32>(A + i * 4, max<f32>(load<f32>(Z + i * 4), 0));
  } else if (code === LINEAR) {
    memory.copy(A, Z, len * 4);
  } else if (code === SOFTMAX) {
    const mm = <usize>m * 4;
    for (let r = 0; r < n; r++) {
      const z = Z + <usize>r * mm;
      const a = A + <usize>r * mm;
      let mx: f32 = -Infinity;
      for (let j = 0; j < m; j++) mx = max<f32>(mx, load<f32>(z + <usize>j * 4));
      let sum: f32 = 0;
      for (let j = 0; j < m; j++) {
        const e = Mathf.exp(load<f32>(z + <usize>j * 4) - mx);
        store<f32>(a + <usize>j * 4, e);
        sum += e;
      }
      for (let j = 0; j < m; j++) store<f32>(a + <usize>j * 4, load<f32>(a + <usize>j * 4) / sum);
    }
  } else {
    unreachable();
  }
}

/** D ← D ∘ f'(Z): the `∘ σ'(z)` of eq. 4–5. */
function activateBackward(code: i32, Z: usize, A: usize, D: usize, n: i32, m: i32): void {
  const len = <usize>(n * m);
  if (code === SIGMOID || code === TANH) {
    const one = f32x4.splat(1);
    const sig = code === SIGMOID;
    let i: usize = 0;
    for (; i + 4 <= len; i += 4) {
      const a = v128.load(A + i * 4);
      const g = sig ? f32x4.mul(a, f32x4.sub(one, a)) : f32x4.sub(one, f32x4.mul(a, a));
      v128.store(D + i * 4, f32x4.mul(v128.load(D + i * 4), g));
    }
    for (; i < len; i++) {
      const a = load<f32>(A + i * 4);
      store<f32>(D + i * 4, load<f32>(D + i * 4) * (sig ? a * (1 - a) : 1 - a * a));
    }
  } else if (code === RELU) {
    for (let i: usize = 0; i < len; i++) {
      if (!(load<f32>(Z + i * 4) > 0)) store<f32>(D + i * 4, load<f32>(D + i * 4) * 0);
    }
  } else if (code === LINEAR) {
    // f' = 1
  } else if (code === SOFTMAX) {
    const mm = <usize>m * 4;
    for (let r = 0; r < n; r++) {
      const a = A + <usize>r * mm;
      const d = D + <usize>r * mm;
      let dot: f32 = 0;
      for (let j = 0; j < m; j++) dot += load<f32>(a + <usize>j * 4) * load<f32>(d + <usize>j * 4);
      for (let j = 0; j < m; j++) {
        store<f32>(d + <usize>j * 4, load<f32>(a + <usize>j * 4) * (load<f32>(d + <usize>j * 4) - dot));
      }
    }
  } else {
    unreachable();
  }
}

let correctCount: i32 = 0;

/**
 * The sum of the n×m output's loss terms added to `sum` in element order, as `head` and
 * `evaluateRows` both take it: Σ over elements (BCE, MSE) or rows (CCE) of each term.
 */
function lossSum(lossKind: i32, act: i32, Z: usize, A: usize, Y: usize, n: i32, m: i32, sum: f32): f32 {
  const len = <usize>(n * m);
  if (lossKind === BCE) {
    if (act === SIGMOID) {
      for (let i: usize = 0; i < len; i++) {
        const t = load<f32>(Z + i * 4);
        sum += max<f32>(t, 0) - t * load<f32>(Y + i * 4) + Mathf.log1p(Mathf.exp(-abs<f32>(t)));
      }
    } else {
      for (let i: usize = 0; i < len; i++) {
        const p = load<f32>(A + i * 4);
        const y = load<f32>(Y + i * 4);
        sum -= y * Mathf.log(p) + (1 - y) * Mathf.log(1 - p);
      }
    }
  } else if (lossKind === CCE) {
    const mm = <usize>m * 4;
    for (let r = 0; r < n; r++) {
      const z = Z + <usize>r * mm;
      const y = Y + <usize>r * mm;
      let mx: f32 = -Infinity;
      for (let j = 0; j < m; j++) mx = max<f32>(mx, load<f32>(z + <usize>j * 4));
      let s: f32 = 0;
      for (let j = 0; j < m; j++) s += Mathf.exp(load<f32>(z + <usize>j * 4) - mx);
      const lse = mx + Mathf.log(s);
      for (let j = 0; j < m; j++) {
        const yj = load<f32>(y + <usize>j * 4);
        if (yj !== 0) sum -= yj * (load<f32>(z + <usize>j * 4) - lse);
      }
    }
  } else if (lossKind === MSE) {
    for (let i: usize = 0; i < len; i++) {
      const diff = load<f32>(A + i * 4) - load<f32>(Y + i * 4);
      sum += diff * diff;
    }
  } else {
    unreachable();
  }
  return sum;
}

/** Mean loss of the batch and δ = ∂L/∂Z at the output (eq. 3 for the matched heads); counts correct predictions. */
function head(loss: i32, act: i32, Z: usize, A: usize, Y: usize, D: usize, n: i32, m: i32): f32 {
  const len = <usize>(n * m);
  const sum = lossSum(loss, act, Z, A, Y, n, m, 0);
  let total: f32 = 0;
  if (loss === BCE) {
    const scale: f32 = 1 / <f32>len;
    if (act === SIGMOID) {
      for (let i: usize = 0; i < len; i++) {
        store<f32>(D + i * 4, (load<f32>(A + i * 4) - load<f32>(Y + i * 4)) * scale);
      }
    } else {
      for (let i: usize = 0; i < len; i++) {
        const p = load<f32>(A + i * 4);
        store<f32>(D + i * 4, ((p - load<f32>(Y + i * 4)) / (p * (1 - p))) * scale);
      }
      activateBackward(act, Z, A, D, n, m);
    }
    total = sum / <f32>len;
  } else if (loss === CCE) {
    const scale: f32 = 1 / <f32>n;
    for (let i: usize = 0; i < len; i++) {
      store<f32>(D + i * 4, (load<f32>(A + i * 4) - load<f32>(Y + i * 4)) * scale);
    }
    total = sum / <f32>n;
  } else if (loss === MSE) {
    const scale: f32 = 2 / <f32>len;
    for (let i: usize = 0; i < len; i++) {
      store<f32>(D + i * 4, (load<f32>(A + i * 4) - load<f32>(Y + i * 4)) * scale);
    }
    activateBackward(act, Z, A, D, n, m);
    total = sum / <f32>len;
  } else {
    unreachable();
  }
  if (loss !== MSE) correctCount += countCorrect(A, Y, n, m);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Optimisers: the update rules of OPTIMIZERS (src/nn/optimizers.ts), Keras's formulas, written as
// the float64 `createOptimizer` writes them, with every value and every slot an f32. Each step is
// element-wise (no sums), so the f32x4 lanes and the scalar tail round alike. The kind, its
// constants and its slot arrays are set once per run by `setOptimizer`; the step count t (Adam's
// bias correction) by `setStep`, and it advances with every update `trainBatches` applies.

const SGD: i32 = 0;
const MOMENTUM: i32 = 1;
const NESTEROV: i32 = 2;
const ADAM: i32 = 3;

let optKind: i32 = SGD;
let optMomentum: f32 = 0;
let optLr64: f64 = 0;
let optBeta1: f64 = 0;
let optBeta2: f64 = 0;
let optC1: f32 = 0;
let optC2: f32 = 0;
let optEpsilon: f32 = 0;
let optSlots: usize = 0;
let optStep: i32 = 0;

/**
 * The optimiser `trainBatches` applies when its rate is > 0: 0 plain SGD (the default), 1
 * momentum, 2 Nesterov, 3 Adam. lr64, beta1 and beta2 are float32 values passed as f64: Adam's
 * step size η·√(1−β2ᵗ)/(1−β1ᵗ) is computed from them in f64 and rounded once (Keras computes it in
 * float32 from the same float32 constants); c1 = 1 − β1 and c2 = 1 − β2 are computed from the
 * float64 settings and rounded, as Keras and TF.js round them. `slots`
 * points to an i32 table of four addresses per layer: slot 1 of the kernel, of the bias (velocity,
 * or Adam's m), slot 2 of the kernel, of the bias (Adam's v).
 */
export function setOptimizer(kind: i32, momentum: f32, lr64: f64, beta1: f64, beta2: f64, c1: f32, c2: f32, epsilon: f32, slots: usize): void {
  optKind = kind;
  optMomentum = momentum;
  optLr64 = lr64;
  optBeta1 = beta1;
  optBeta2 = beta2;
  optC1 = c1;
  optC2 = c2;
  optEpsilon = epsilon;
  optSlots = slots;
}

/** The number of updates already taken (the optimiser's `iterations`). */
export function setStep(t: i32): void {
  optStep = t;
}

/** w ← w − lr·g over len values (OPTIMIZERS.sgd). */
function sgdUpdate(w: usize, g: usize, len: i32, lr: f32): void {
  const vlr = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i * 4;
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(vlr, v128.load(g + o))));
  }
  for (; i < len; i++) {
    const o = <usize>i * 4;
    store<f32>(w + o, load<f32>(w + o) - lr * load<f32>(g + o));
  }
}

/** v ← m·v − η·g; w ← w + v (OPTIMIZERS.momentum), or w ← w + (m·v − η·g) when `nesterov`. */
function momentumUpdate(w: usize, g: usize, v: usize, len: i32, lr: f32, mu: f32, nesterov: bool): void {
  const vlr = f32x4.splat(lr);
  const vmu = f32x4.splat(mu);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i * 4;
    const lg = f32x4.mul(vlr, v128.load(g + o));
    const vel = f32x4.sub(f32x4.mul(vmu, v128.load(v + o)), lg);
    v128.store(v + o, vel);
    const step = nesterov ? f32x4.sub(f32x4.mul(vmu, vel), lg) : vel;
    v128.store(w + o, f32x4.add(v128.load(w + o), step));
  }
  for (; i < len; i++) {
    const o = <usize>i * 4;
    const lg = lr * load<f32>(g + o);
    const vel = mu * load<f32>(v + o) - lg;
    store<f32>(v + o, vel);
    store<f32>(w + o, load<f32>(w + o) + (nesterov ? mu * vel - lg : vel));
  }
}

/** m ← m + (g − m)·c1; v ← v + (g² − v)·c2; w ← w − (α·m)/(√v + ε) (OPTIMIZERS.adam, Keras's form). */
function adamUpdate(w: usize, g: usize, m: usize, v: usize, len: i32, alpha: f32): void {
  const c1 = optC1;
  const c2 = optC2;
  const eps = optEpsilon;
  const va = f32x4.splat(alpha);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i * 4;
    const gi = v128.load(g + o);
    let mi = v128.load(m + o);
    let vi = v128.load(v + o);
    mi = f32x4.add(mi, f32x4.mul(f32x4.sub(gi, mi), vc1));
    vi = f32x4.add(vi, f32x4.mul(f32x4.sub(f32x4.mul(gi, gi), vi), vc2));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const step = f32x4.div(f32x4.mul(va, mi), f32x4.add(f32x4.sqrt(vi), veps));
    v128.store(w + o, f32x4.sub(v128.load(w + o), step));
  }
  for (; i < len; i++) {
    const o = <usize>i * 4;
    const gi = load<f32>(g + o);
    let mi = load<f32>(m + o);
    let vi = load<f32>(v + o);
    mi += (gi - mi) * c1;
    vi += (gi * gi - vi) * c2;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(w + o, load<f32>(w + o) - (alpha * mi) / (Mathf.sqrt(vi) + eps));
  }
}

/** One update of every layer's kernel and bias by the set optimiser; advances the step count. */
function update(table: usize, depth: i32, lr: f32): void {
  optStep++;
  let alpha: f32 = 0;
  if (optKind === ADAM) {
    // Keras's bias correction folded into the step size, in f64 as the float64 optimiser has it.
    const t = <f64>optStep;
    alpha = <f32>((optLr64 * Math.sqrt(1 - Math.pow(optBeta2, t))) / (1 - Math.pow(optBeta1, t)));
  }
  for (let l = 0; l < depth; l++) {
    const k = field(table, l, 0);
    const m = field(table, l, 1);
    // p = 0: the kernel (fields 3 and 5, k·m values); p = 1: the bias (fields 4 and 6, m values).
    for (let p = 0; p < 2; p++) {
      const w = <usize>field(table, l, 3 + p);
      const g = <usize>field(table, l, 5 + p);
      const len = p === 0 ? k * m : m;
      const s = optSlots + <usize>(l * 16 + p * 4);
      if (optKind === SGD) sgdUpdate(w, g, len, lr);
      else if (optKind === ADAM) adamUpdate(w, g, load<u32>(s), load<u32>(s + 8), len, alpha);
      else momentumUpdate(w, g, load<u32>(s), len, lr, optMomentum, optKind === NESTEROV);
    }
  }
}

/**
 * Runs `count` batches of `batchSize` rows (the last may be short) of the n rows of X [n×in],
 * Y [n×out], in order: forward, loss, backward into the gradients, the L2 penalty when l2 > 0,
 * then the update of the optimiser `setOptimizer` set (plain SGD by default) with rate lr when
 * lr > 0 (lr = 0: gradients only, the step count unchanged). Writes each batch's mean loss
 * to losses[b] (f32) and its correct count to corrects[b] (i32). Returns the number of batches
 * run: it stops after the first batch whose loss is not finite.
 */
export function trainBatches(
  table: usize,
  depth: i32,
  lossKind: i32,
  X: usize,
  Y: usize,
  n: i32,
  batchSize: i32,
  count: i32,
  lr: f32,
  l2: f32,
  KT: usize,
  losses: usize,
  corrects: usize,
): i32 {
  const nIn = field(table, 0, 0);
  const last = depth - 1;
  const nOut = field(table, last, 1);
  for (let bi = 0; bi < count; bi++) {
    const start = bi * batchSize;
    const size = min(batchSize, n - start);
    const x0 = X + <usize>start * <usize>nIn * 4;
    const y0 = Y + <usize>start * <usize>nOut * 4;
    let input = x0;
    for (let l = 0; l < depth; l++) {
      const m = field(table, l, 1);
      const Z = <usize>field(table, l, 7);
      const A = <usize>field(table, l, 8);
      gemmNN(input, <usize>field(table, l, 3), <usize>field(table, l, 4), Z, size, field(table, l, 0), m);
      activate(field(table, l, 2), Z, A, size, m);
      input = A;
    }
    correctCount = 0;
    let loss = head(lossKind, field(table, last, 2), <usize>field(table, last, 7), <usize>field(table, last, 8), y0, <usize>field(table, last, 9), size, nOut);
    for (let l = last; l >= 0; l--) {
      const k = field(table, l, 0);
      const m = field(table, l, 1);
      const D = <usize>field(table, l, 9);
      const K = <usize>field(table, l, 3);
      const gK = <usize>field(table, l, 5);
      gemmTN(l === 0 ? x0 : <usize>field(table, l - 1, 8), D, gK, size, k, m); // ∂L/∂kernel (eq. 7, 6)
      sumRows(D, <usize>field(table, l, 6), size, m); // ∂L/∂b
      if (l2 > 0) {
        const len = k * m;
        const a: f32 = <f32>2 * l2;
        let s: f32 = 0;
        for (let i = 0; i < len; i++) {
          const o = <usize>i * 4;
          const w = load<f32>(K + o);
          store<f32>(gK + o, load<f32>(gK + o) + a * w);
          s += w * w;
        }
        loss += l2 * s;
      }
      if (l > 0) {
        // δ_prev = δ·Kᵀ, then ∘ f'(Z_prev).
        const Dp = <usize>field(table, l - 1, 9);
        transpose(K, KT, k, m);
        gemmNN(D, KT, 0, Dp, size, m, k);
        activateBackward(field(table, l - 1, 2), <usize>field(table, l - 1, 7), <usize>field(table, l - 1, 8), Dp, size, k);
      }
    }
    store<f32>(losses + <usize>bi * 4, loss);
    store<i32>(corrects + <usize>bi * 4, correctCount);
    if (!isFinite(loss)) return bi + 1;
    if (lr > 0) update(table, depth, lr);
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// Scoring (validation): trainBatches' forward pass and the loss half of its head, no δ and no
// backward pass, over rows fed in blocks. The f32 loss sum is carried across blocks in `out`,
// each element's term added in the order `head` adds them over one batch of all the rows, so
// `meanLoss` gives the bits of one trainBatches batch of every row. Blocks must start at a
// multiple of 4 rows: the sigmoid's four-lane exp and its scalar tail differ in the last bits,
// and so each value must fall into the same lanes as in one batch.

/** Correct predictions among n rows of A against Y (m outputs), as `head` counts them. */
function countCorrect(A: usize, Y: usize, n: i32, m: i32): i32 {
  const mm = <usize>m * 4;
  let count = 0;
  for (let r = 0; r < n; r++) {
    const a = A + <usize>r * mm;
    const y = Y + <usize>r * mm;
    if (m === 1) {
      if ((load<f32>(a) >= 0.5 ? 1 : 0) === (load<f32>(y) >= 0.5 ? 1 : 0)) count++;
    } else {
      let p = 0;
      let t = 0;
      for (let j = 1; j < m; j++) {
        if (load<f32>(a + <usize>j * 4) > load<f32>(a + <usize>p * 4)) p = j;
        if (load<f32>(y + <usize>j * 4) > load<f32>(y + <usize>t * 4)) t = j;
      }
      if (p === t) count++;
    }
  }
  return count;
}

/**
 * Rows [0, n) of X [n×in] forward through the layer table (its Z and A hold ≥ n rows), their
 * loss terms added to the f32 sum at `out` and, for the cross-entropies, their correct
 * predictions to the i32 count at out + 4. Start both at 0 and call once per block, in order.
 */
export function evaluateRows(table: usize, depth: i32, lossKind: i32, X: usize, Y: usize, n: i32, out: usize): void {
  const last = depth - 1;
  let input = X;
  for (let l = 0; l < depth; l++) {
    const m = field(table, l, 1);
    const Z = <usize>field(table, l, 7);
    const A = <usize>field(table, l, 8);
    gemmNN(input, <usize>field(table, l, 3), <usize>field(table, l, 4), Z, n, field(table, l, 0), m);
    activate(field(table, l, 2), Z, A, n, m);
    input = A;
  }
  const m = field(table, last, 1);
  const act = field(table, last, 2);
  const Z = <usize>field(table, last, 7);
  const A = <usize>field(table, last, 8);
  const sum = lossSum(lossKind, act, Z, A, Y, n, m, load<f32>(out));
  store<f32>(out, sum);
  if (lossKind !== MSE) store<i32>(out + 4, load<i32>(out + 4) + countCorrect(A, Y, n, m));
}

/**
 * The mean loss of `rows` rows from the sum `evaluateRows` left at `out`, plus the L2 penalty
 * l2·Σ kernel² layer by layer from the last, as trainBatches adds it.
 */
export function meanLoss(table: usize, depth: i32, lossKind: i32, rows: i32, l2: f32, out: usize): f32 {
  const m = field(table, depth - 1, 1);
  let loss: f32 = load<f32>(out) / (lossKind === CCE ? <f32>rows : <f32>(<usize>(rows * m)));
  if (l2 > 0) {
    for (let l = depth - 1; l >= 0; l--) {
      const len = field(table, l, 0) * field(table, l, 1);
      const K = <usize>field(table, l, 3);
      let s: f32 = 0;
      for (let i = 0; i < len; i++) {
        const w = load<f32>(K + <usize>i * 4);
        s += w * w;
      }
      loss += l2 * s;
    }
  }
  return loss;
}
