// WebAssembly SIMD kernels for backprop's training loop (AssemblyScript, compiled by
// scripts/build-wasm.mjs into src/core/wasm/kernels.generated.ts).
//
// Every kernel performs exactly the floating-point operations of the reference path
// (src/core/matrix.ts, src/nn/*.ts) in the same order, so results agree bit for bit:
// - no fused multiply-add (wasm SIMD without relaxed-simd has none);
// - vectorised only across independent output elements: each element's sum starts at +0 and
//   adds its products in the reference order (p for Z = A·K, i for ∂K = Aᵀ·Δ, j for Δ·Kᵀ);
// - the same transcendental functions as JavaScript: exp is backprop's own (assembly/exp.ts, the
//   algorithm of src/core/exp.ts, which the reference path calls: one exp for every host), and
//   log, log1p and tanh by fdlibm's algorithms (assembly/libm.ts, as src/core/libm.ts): no imports.
//
// Memory is laid out by the JavaScript side (src/train/engines/wasm-layout.ts); pointers are
// byte offsets into linear memory, every f64 array 16-byte aligned.
//
// The activation and loss codes come from assembly/codes.ts, generated at build time from
// src/nn's vocabulary; every branch on a code names its kind, and a code no branch names traps
// (`unreachable`) rather than computing another kind. Formulas cite the notes' equations as the
// reference path (src/nn/backprop.ts) does: eq. 3 δ1 = ŷ − y, eq. 4–5 δ2 = δ1·U ∘ σ'(z),
// eq. 6 ∂L/∂W = δ2ᵀ ⊗ xᵀ, eq. 7 ∂L/∂U = δ1·hᵀ, and the SGD step P ← P − η·∂L/∂P
// (OPTIMIZERS.sgd in src/nn/optimizers.ts).

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
import { exp2Lanes, expInline } from './exp';
import { log, log1pInline, tanh } from './libm';

export { exp, expPairs } from './exp';
export { shuffleIndices } from './shuffle';
export { expm1, log, log1p, tanh } from './libm';

/** Where the JavaScript side may start placing its arrays. */
export function heapBase(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------------------------------------
// Matrix products. A "panel" computes rows × cols outputs c[r][j] = Σ_s a(r, s)·b(s, j) (+ bias[j]),
// with a(r, s) at a + r·ars + s·ast (a scalar, broadcast) and b(s, j) at b + s·bst + 8j (a row,
// read as f64x2 vectors). Outputs are blocked 4 rows × 4 columns = 8 f64x2 accumulators, which
// with two vector loads, a broadcast and a product fits x64's 16 SSE registers.
//
// The panel is cut into blocks of PANEL_COLS columns × PANEL_STEPS steps so that the block of b
// and a few rows of a stay in the L1 cache while every row of the block uses them (784-256-1's
// kernel, 1.6 MB, is larger than L2). A block after the first along s starts each accumulator
// from the sum stored by the block before, so every output is still summed over s in order from
// +0, bit for bit the product of the reference path; the bias is added after the last block.

/** Columns of a cache block (a multiple of 4). */
const PANEL_COLS = 32;
/** Steps (the summed index) of a cache block. */
const PANEL_STEPS = 128;

/**
 * The b side of one cache block, its 4-column tiles copied one after the other (tile t's rows at
 * PACK + t·steps·32, 32 bytes apart). In place, a block's rows are `bst` apart, and with 256
 * columns that is 2 kB: every row of a tile falls in the same two L1 sets, which hold 24 of the
 * block's 128 rows, so the block would not stay in L1 however small. Copied, it does.
 */
const PACK = memory.data(PANEL_COLS * PANEL_STEPS * 8, 16);
/** Where panels pack: PACK unless set, for instances that share one memory each need their own. */
let packScratch: usize = PACK;

/**
 * Packs panels at `at` (PANEL_COLS·PANEL_STEPS·8 = 32 kB, 16-byte aligned) from now on instead of
 * the module's static block: every instance over one shared memory (the threads of a sharded
 * run) must pack in its own bytes.
 */
export function setPackScratch(at: usize): void {
  packScratch = at;
}

/** Bytes {@link setPackScratch} needs at its address. */
export function packScratchBytes(): i32 {
  return PANEL_COLS * PANEL_STEPS * 8;
}

/** An accumulator's start: +0 in a panel's first block of steps, else the sum stored so far. */
// @ts-ignore: decorator
@inline
function start2(resume: bool, c: usize): v128 {
  return resume ? v128.load(c) : f64x2.splat(0.0);
}

// @ts-ignore: decorator
@inline
function mk4x4(a: usize, ars: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, cst: usize, bias: usize, resume: bool): void {
  let c00 = start2(resume, c);
  let c01 = start2(resume, c + 16);
  let c10 = start2(resume, c + cst);
  let c11 = start2(resume, c + cst + 16);
  let c20 = start2(resume, c + cst * 2);
  let c21 = start2(resume, c + cst * 2 + 16);
  let c30 = start2(resume, c + cst * 3);
  let c31 = start2(resume, c + cst * 3 + 16);
  const a1 = ars;
  const a2 = ars * 2;
  const a3 = ars * 3;
  for (let s = 0; s < steps; s++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load64_splat(a);
    c00 = f64x2.add(c00, f64x2.mul(x, b0));
    c01 = f64x2.add(c01, f64x2.mul(x, b1));
    x = v128.load64_splat(a + a1);
    c10 = f64x2.add(c10, f64x2.mul(x, b0));
    c11 = f64x2.add(c11, f64x2.mul(x, b1));
    x = v128.load64_splat(a + a2);
    c20 = f64x2.add(c20, f64x2.mul(x, b0));
    c21 = f64x2.add(c21, f64x2.mul(x, b1));
    x = v128.load64_splat(a + a3);
    c30 = f64x2.add(c30, f64x2.mul(x, b0));
    c31 = f64x2.add(c31, f64x2.mul(x, b1));
    a += ast;
    b += bst;
  }
  if (bias) {
    const b0 = v128.load(bias);
    const b1 = v128.load(bias, 16);
    c00 = f64x2.add(c00, b0);
    c01 = f64x2.add(c01, b1);
    c10 = f64x2.add(c10, b0);
    c11 = f64x2.add(c11, b1);
    c20 = f64x2.add(c20, b0);
    c21 = f64x2.add(c21, b1);
    c30 = f64x2.add(c30, b0);
    c31 = f64x2.add(c31, b1);
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

/** Two rows × 4 columns: the tail of a panel whose rows are 2 or 3 mod 4 (W2's 30 inputs in ∂K). */
// @ts-ignore: decorator
@inline
function mk2x4(a: usize, ars: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, cst: usize, bias: usize, resume: bool): void {
  let c00 = start2(resume, c);
  let c01 = start2(resume, c + 16);
  let c10 = start2(resume, c + cst);
  let c11 = start2(resume, c + cst + 16);
  for (let s = 0; s < steps; s++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load64_splat(a);
    c00 = f64x2.add(c00, f64x2.mul(x, b0));
    c01 = f64x2.add(c01, f64x2.mul(x, b1));
    x = v128.load64_splat(a + ars);
    c10 = f64x2.add(c10, f64x2.mul(x, b0));
    c11 = f64x2.add(c11, f64x2.mul(x, b1));
    a += ast;
    b += bst;
  }
  if (bias) {
    const b0 = v128.load(bias);
    const b1 = v128.load(bias, 16);
    c00 = f64x2.add(c00, b0);
    c01 = f64x2.add(c01, b1);
    c10 = f64x2.add(c10, b0);
    c11 = f64x2.add(c11, b1);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + cst, c10);
  v128.store(c + cst, c11, 16);
}

// @ts-ignore: decorator
@inline
function mk1x4(a: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, bias: usize, resume: bool): void {
  let c00 = start2(resume, c);
  let c01 = start2(resume, c + 16);
  for (let s = 0; s < steps; s++) {
    const x = v128.load64_splat(a);
    c00 = f64x2.add(c00, f64x2.mul(x, v128.load(b)));
    c01 = f64x2.add(c01, f64x2.mul(x, v128.load(b, 16)));
    a += ast;
    b += bst;
  }
  if (bias) {
    c00 = f64x2.add(c00, v128.load(bias));
    c01 = f64x2.add(c01, v128.load(bias, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
}

// @ts-ignore: decorator
@inline
function mk4x2(a: usize, ars: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, cst: usize, bias: usize, resume: bool): void {
  let c0 = start2(resume, c);
  let c1 = start2(resume, c + cst);
  let c2 = start2(resume, c + cst * 2);
  let c3 = start2(resume, c + cst * 3);
  for (let s = 0; s < steps; s++) {
    const b0 = v128.load(b);
    c0 = f64x2.add(c0, f64x2.mul(v128.load64_splat(a), b0));
    c1 = f64x2.add(c1, f64x2.mul(v128.load64_splat(a + ars), b0));
    c2 = f64x2.add(c2, f64x2.mul(v128.load64_splat(a + ars * 2), b0));
    c3 = f64x2.add(c3, f64x2.mul(v128.load64_splat(a + ars * 3), b0));
    a += ast;
    b += bst;
  }
  if (bias) {
    const b0 = v128.load(bias);
    c0 = f64x2.add(c0, b0);
    c1 = f64x2.add(c1, b0);
    c2 = f64x2.add(c2, b0);
    c3 = f64x2.add(c3, b0);
  }
  v128.store(c, c0);
  v128.store(c + cst, c1);
  v128.store(c + cst * 2, c2);
  v128.store(c + cst * 3, c3);
}

// @ts-ignore: decorator
@inline
function mk1x2(a: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, bias: usize, resume: bool): void {
  let c0 = start2(resume, c);
  for (let s = 0; s < steps; s++) {
    c0 = f64x2.add(c0, f64x2.mul(v128.load64_splat(a), v128.load(b)));
    a += ast;
    b += bst;
  }
  if (bias) c0 = f64x2.add(c0, v128.load(bias));
  v128.store(c, c0);
}

/** One output column j computed with scalars, four rows at a time. */
function scalarColumn(a: usize, ars: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, cst: usize, rows: i32, bias: usize, resume: bool): void {
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const pc = c + <usize>i * cst;
    let s0 = resume ? load<f64>(pc) : 0.0;
    let s1 = resume ? load<f64>(pc + cst) : 0.0;
    let s2 = resume ? load<f64>(pc + cst * 2) : 0.0;
    let s3 = resume ? load<f64>(pc + cst * 3) : 0.0;
    let pa = a + <usize>i * ars;
    let pb = b;
    for (let s = 0; s < steps; s++) {
      const y = load<f64>(pb);
      s0 += load<f64>(pa) * y;
      s1 += load<f64>(pa + ars) * y;
      s2 += load<f64>(pa + ars * 2) * y;
      s3 += load<f64>(pa + ars * 3) * y;
      pa += ast;
      pb += bst;
    }
    if (bias) {
      const bj = load<f64>(bias);
      s0 += bj;
      s1 += bj;
      s2 += bj;
      s3 += bj;
    }
    store<f64>(pc, s0);
    store<f64>(pc + cst, s1);
    store<f64>(pc + cst * 2, s2);
    store<f64>(pc + cst * 3, s3);
  }
  for (; i < rows; i++) {
    const pc = c + <usize>i * cst;
    let s0 = resume ? load<f64>(pc) : 0.0;
    let pa = a + <usize>i * ars;
    let pb = b;
    for (let s = 0; s < steps; s++) {
      s0 += load<f64>(pa) * load<f64>(pb);
      pa += ast;
      pb += bst;
    }
    if (bias) s0 += load<f64>(bias);
    store<f64>(pc, s0);
  }
}

/**
 * Where column j starts in a row of b or c: 8j bytes in a row-major matrix; in one stored as
 * tiles (`tileBytes` > 0: its columns in runs of 4, each run a k×4 matrix of its own, see
 * "tiles" below), in tile j/4, at j mod 4 — the rows of a tile are then 32 bytes apart.
 */
// @ts-ignore: decorator
@inline
function column(j: i32, tileBytes: usize): usize {
  return tileBytes ? <usize>(j >> 2) * tileBytes + <usize>(j & 3) * 8 : <usize>j * 8;
}

/**
 * The panel's columns [j0, j1) over `steps` steps; `resume`: start from the sums stored in c.
 * bTiles, cTiles: b or c stored as tiles (their tile's bytes; 0: row-major).
 */
function panelBlock(a: usize, ars: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, cst: usize, rows: i32, j0: i32, j1: i32, bias: usize, resume: bool, bTiles: usize, cTiles: usize): void {
  // Four rows by every 4-column tile of the block, so those rows of a are read from L1 again.
  const j4 = j0 + ((j1 - j0) & ~3);
  // The full tiles' b, packed (see PACK) when its rows are far apart (a wide layer: 128 columns
  // or more) and enough rows of a read it to pay for the copy; b stored as tiles is packed already.
  const packed = !bTiles && rows >= 16 && bst >= 1024 && j4 > j0;
  const packAt = packScratch;
  if (packed) {
    let q = packAt;
    for (let j = j0; j < j4; j += 4) {
      let pb = b + <usize>j * 8;
      for (let s = 0; s < steps; s++) {
        v128.store(q, v128.load(pb));
        v128.store(q, v128.load(pb, 16), 16);
        q += 32;
        pb += bst;
      }
    }
  }
  const tb = packed ? <usize>steps * 32 : 0; // a tile's stride in PACK
  const tbst = packed ? 32 : bst;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const ai = a + <usize>i * ars;
    const ci = c + <usize>i * cst;
    for (let j = j0; j < j4; j += 4) {
      const bj = packed ? packAt + <usize>((j - j0) >> 2) * tb : b + column(j, bTiles);
      mk4x4(ai, ars, ast, bj, tbst, steps, ci + column(j, cTiles), cst, bias ? bias + <usize>j * 8 : 0, resume);
    }
  }
  if (i + 2 <= rows) {
    const ai = a + <usize>i * ars;
    const ci = c + <usize>i * cst;
    for (let j = j0; j < j4; j += 4) {
      const bj = packed ? packAt + <usize>((j - j0) >> 2) * tb : b + column(j, bTiles);
      mk2x4(ai, ars, ast, bj, tbst, steps, ci + column(j, cTiles), cst, bias ? bias + <usize>j * 8 : 0, resume);
    }
    i += 2;
  }
  for (; i < rows; i++) {
    const ai = a + <usize>i * ars;
    const ci = c + <usize>i * cst;
    for (let j = j0; j < j4; j += 4) {
      const bj = packed ? packAt + <usize>((j - j0) >> 2) * tb : b + column(j, bTiles);
      mk1x4(ai, ast, bj, tbst, steps, ci + column(j, cTiles), bias ? bias + <usize>j * 8 : 0, resume);
    }
  }
  let j = j4;
  if (j + 2 <= j1) {
    const bj = b + column(j, bTiles);
    const cj = c + column(j, cTiles);
    const biasj = bias ? bias + <usize>j * 8 : 0;
    let r = 0;
    for (; r + 4 <= rows; r += 4) mk4x2(a + <usize>r * ars, ars, ast, bj, bst, steps, cj + <usize>r * cst, cst, biasj, resume);
    for (; r < rows; r++) mk1x2(a + <usize>r * ars, ast, bj, bst, steps, cj + <usize>r * cst, biasj, resume);
    j += 2;
  }
  if (j < j1) {
    scalarColumn(a, ars, ast, b + column(j, bTiles), bst, steps, c + column(j, cTiles), cst, rows, bias ? bias + <usize>j * 8 : 0, resume);
  }
}

/**
 * c[r][j] = Σ_s a(r, s)·b(s, j) (+ bias[j]) for `rows` × `cols` outputs, in cache blocks (see
 * above). bTiles, cTiles: b or c stored as tiles, their tile's bytes (rows then 32 bytes apart).
 */
function panel(a: usize, ars: usize, ast: usize, b: usize, bst: usize, steps: i32, c: usize, cst: usize, rows: i32, cols: i32, bias: usize, bTiles: usize = 0, cTiles: usize = 0): void {
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
        bTiles,
        cTiles,
      );
    }
  }
}

/** C[n×m] = A[n×k]·B[k×m] (+ bias[m] when bias ≠ 0): `matmul` then `addRowVector`. */
export function gemmNN(A: usize, B: usize, bias: usize, C: usize, n: i32, k: i32, m: i32): void {
  const mm = <usize>m * 8;
  panel(A, <usize>k * 8, 8, B, mm, k, C, mm, n, m, bias);
}

/**
 * G[k×m] = A[n×k]ᵀ·D[n×m]: `matmulTransA`, each G[p][j] summed over i in order. Vectorised
 * over j; a last odd column (or m = 1) is vectorised over p instead.
 */
export function gemmTN(A: usize, D: usize, G: usize, n: i32, k: i32, m: i32): void {
  const mm = <usize>m * 8;
  const kk = <usize>k * 8;
  const even = m & ~1;
  if (even > 0) panel(A, 8, kk, D, mm, n, G, mm, k, even, 0);
  if (even !== m) lastColumn(A, D, G, n, k, m, kk);
}

/** G's last column j = m − 1: G[p][j] = Σᵢ A[i][p]·D[i][j] for p < k, A's rows kk bytes apart; two p per vector. */
function lastColumn(A: usize, D: usize, G: usize, n: i32, k: i32, m: i32, kk: usize): void {
  const mm = <usize>m * 8;
  const j = <usize>(m - 1);
  let p = 0;
  for (; p + 8 <= k; p += 8) {
    let g0 = f64x2.splat(0.0);
    let g1 = f64x2.splat(0.0);
    let g2 = f64x2.splat(0.0);
    let g3 = f64x2.splat(0.0);
    let pa = A + <usize>p * 8;
    let pd = D + j * 8;
    for (let i = 0; i < n; i++) {
      const d = v128.load64_splat(pd);
      g0 = f64x2.add(g0, f64x2.mul(v128.load(pa), d));
      g1 = f64x2.add(g1, f64x2.mul(v128.load(pa, 16), d));
      g2 = f64x2.add(g2, f64x2.mul(v128.load(pa, 32), d));
      g3 = f64x2.add(g3, f64x2.mul(v128.load(pa, 48), d));
      pa += kk;
      pd += mm;
    }
    const pg = G + (<usize>p * mm) + j * 8;
    store<f64>(pg, f64x2.extract_lane(g0, 0));
    store<f64>(pg + mm, f64x2.extract_lane(g0, 1));
    store<f64>(pg + mm * 2, f64x2.extract_lane(g1, 0));
    store<f64>(pg + mm * 3, f64x2.extract_lane(g1, 1));
    store<f64>(pg + mm * 4, f64x2.extract_lane(g2, 0));
    store<f64>(pg + mm * 5, f64x2.extract_lane(g2, 1));
    store<f64>(pg + mm * 6, f64x2.extract_lane(g3, 0));
    store<f64>(pg + mm * 7, f64x2.extract_lane(g3, 1));
  }
  for (; p + 2 <= k; p += 2) {
    let g0 = f64x2.splat(0.0);
    let pa = A + <usize>p * 8;
    let pd = D + j * 8;
    for (let i = 0; i < n; i++) {
      g0 = f64x2.add(g0, f64x2.mul(v128.load(pa), v128.load64_splat(pd)));
      pa += kk;
      pd += mm;
    }
    const pg = G + (<usize>p * mm) + j * 8;
    store<f64>(pg, f64x2.extract_lane(g0, 0));
    store<f64>(pg + mm, f64x2.extract_lane(g0, 1));
  }
  if (p < k) {
    let s = 0.0;
    let pa = A + <usize>p * 8;
    let pd = D + j * 8;
    for (let i = 0; i < n; i++) {
      s += load<f64>(pa) * load<f64>(pd);
      pa += kk;
      pd += mm;
    }
    store<f64>(G + (<usize>p * mm) + j * 8, s);
  }
}

/** T[m×k] = K[k×m]ᵀ. */
export function transpose(K: usize, T: usize, k: i32, m: i32): void {
  transposeRows(K, T, k, m, 0, k);
}

/** Rows [p0, p1) of K[k×m] into columns [p0, p1) of T[m×k] = Kᵀ. */
function transposeRows(K: usize, T: usize, k: i32, m: i32, p0: i32, p1: i32): void {
  for (let p = p0; p < p1; p++) {
    for (let j = 0; j < m; j++) {
      store<f64>(T + (<usize>(j * k + p)) * 8, load<f64>(K + (<usize>(p * m + j)) * 8));
    }
  }
}

/** out[j] = Σᵢ D[i][j] (from +0, i in order): `sumRows`. */
export function sumRows(D: usize, out: usize, n: i32, m: i32): void {
  sumColumns(D, out, n, m, <usize>m * 8);
}

/** out[j] = Σᵢ D[i][j] for the `cols` columns at D, whose rows are `rowBytes` apart. */
function sumColumns(D: usize, out: usize, n: i32, cols: i32, rowBytes: usize): void {
  let j = 0;
  for (; j + 2 <= cols; j += 2) {
    let s = f64x2.splat(0.0);
    let p = D + <usize>j * 8;
    for (let i = 0; i < n; i++) {
      s = f64x2.add(s, v128.load(p));
      p += rowBytes;
    }
    v128.store(out + <usize>j * 8, s);
  }
  if (j < cols) {
    let s = 0.0;
    let p = D + <usize>j * 8;
    for (let i = 0; i < n; i++) {
      s += load<f64>(p);
      p += rowBytes;
    }
    store<f64>(out + <usize>j * 8, s);
  }
}

// ---------------------------------------------------------------------------------------------
// Activations, as src/nn/activations.ts computes them (its ACTIVATIONS table).

// @ts-ignore: decorator
@inline
function sigmoid(t: f64): f64 {
  if (t >= 0) return 1 / (1 + expInline(-t));
  const e = expInline(t);
  return e / (1 + e);
}

/** A = f(Z) over an n×m block. */
export function activate(code: i32, Z: usize, A: usize, n: i32, m: i32): void {
  const len = <usize>(n * m);
  if (code === SIGMOID) {
    let i: usize = 0;
    // Two at a time: σ(t) = (t ≥ 0 ? 1 : e) / (1 + e) with e = exp(−|t|), which is exactly
    // the scalar sigmoid's exp(−t) for t ≥ 0 and exp(t) for t < 0.
    const one = f64x2.splat(1.0);
    const limit = f64x2.splat(700.0); // exp2Lanes' range
    for (; i + 2 <= len; i += 2) {
      const t = v128.load(Z + i * 8);
      const x = f64x2.neg(f64x2.abs(t));
      if (i64x2.all_true(f64x2.lt(f64x2.abs(t), limit))) {
        const e = exp2Lanes(x);
        const num = v128.bitselect(one, e, f64x2.ge(t, f64x2.splat(0.0)));
        v128.store(A + i * 8, f64x2.div(num, f64x2.add(one, e)));
      } else {
        // a lane far out (or NaN): the scalar code handles every case
        store<f64>(A + i * 8, sigmoid(load<f64>(Z + i * 8)));
        store<f64>(A + i * 8 + 8, sigmoid(load<f64>(Z + i * 8 + 8)));
      }
    }
    for (; i < len; i++) store<f64>(A + i * 8, sigmoid(load<f64>(Z + i * 8)));
  } else if (code === TANH) {
    for (let i: usize = 0; i < len; i++) store<f64>(A + i * 8, tanh(load<f64>(Z + i * 8)));
  } else if (code === RELU) {
    for (let i: usize = 0; i < len; i++) store<f64>(A + i * 8, max<f64>(load<f64>(Z + i * 8), 0));
  } else if (code === LINEAR) {
    memory.copy(A, Z, len * 8);
  } else if (code === SOFTMAX) {
    const mm = <usize>m * 8;
    for (let r = 0; r < n; r++) {
      const z = Z + <usize>r * mm;
      const a = A + <usize>r * mm;
      let mx = -Infinity;
      for (let j = 0; j < m; j++) {
        const v = load<f64>(z + <usize>j * 8);
        if (v > mx) mx = v;
      }
      let sum = 0.0;
      for (let j = 0; j < m; j++) {
        const e = expInline(load<f64>(z + <usize>j * 8) - mx);
        store<f64>(a + <usize>j * 8, e);
        sum += e;
      }
      for (let j = 0; j < m; j++) store<f64>(a + <usize>j * 8, load<f64>(a + <usize>j * 8) / sum);
    }
  } else {
    unreachable();
  }
}

/** D ← D ∘ f'(Z) (`activationBackward` with dZ aliasing dA): the `∘ σ'(z)` of eq. 4–5. */
export function activateBackward(code: i32, Z: usize, A: usize, D: usize, n: i32, m: i32): void {
  const len = <usize>(n * m);
  if (code === SIGMOID) {
    const one = f64x2.splat(1.0);
    let i: usize = 0;
    for (; i + 2 <= len; i += 2) {
      const a = v128.load(A + i * 8);
      v128.store(D + i * 8, f64x2.mul(v128.load(D + i * 8), f64x2.mul(a, f64x2.sub(one, a))));
    }
    for (; i < len; i++) {
      const a = load<f64>(A + i * 8);
      store<f64>(D + i * 8, load<f64>(D + i * 8) * (a * (1 - a)));
    }
  } else if (code === TANH) {
    for (let i: usize = 0; i < len; i++) {
      const a = load<f64>(A + i * 8);
      store<f64>(D + i * 8, load<f64>(D + i * 8) * (1 - a * a));
    }
  } else if (code === RELU) {
    for (let i: usize = 0; i < len; i++) {
      store<f64>(D + i * 8, load<f64>(D + i * 8) * (load<f64>(Z + i * 8) > 0 ? 1.0 : 0.0));
    }
  } else if (code === LINEAR) {
    for (let i: usize = 0; i < len; i++) store<f64>(D + i * 8, load<f64>(D + i * 8) * 1.0);
  } else if (code === SOFTMAX) {
    const mm = <usize>m * 8;
    for (let r = 0; r < n; r++) {
      const a = A + <usize>r * mm;
      const d = D + <usize>r * mm;
      let dot = 0.0;
      for (let j = 0; j < m; j++) dot += load<f64>(a + <usize>j * 8) * load<f64>(d + <usize>j * 8);
      for (let j = 0; j < m; j++) {
        store<f64>(d + <usize>j * 8, load<f64>(a + <usize>j * 8) * (load<f64>(d + <usize>j * 8) - dot));
      }
    }
  } else {
    unreachable();
  }
}

// ---------------------------------------------------------------------------------------------
// Loss heads, as src/nn/losses.ts computes them (ε = 0): the value from the logit
// (`bceOfLogit`) and δ at the output, ŷ − y for sigmoid + BCE and softmax + CCE (eq. 3).

let correctCount: i32 = 0;

/**
 * The sum of the n×m output's loss terms added to `sum` in element order, as `head` and
 * `evaluateRows` both take it: Σ over elements (BCE, MSE) or rows (CCE) of each term.
 */
function lossSum(lossKind: i32, act: i32, Z: usize, A: usize, Y: usize, n: i32, m: i32, sum: f64): f64 {
  const len = <usize>(n * m);
  if (lossKind === BCE) {
    if (act === SIGMOID) {
      for (let i: usize = 0; i < len; i++) {
        const t = load<f64>(Z + i * 8);
        sum += max<f64>(t, 0) - t * load<f64>(Y + i * 8) + log1pInline(expInline(-abs<f64>(t)));
      }
    } else {
      for (let i: usize = 0; i < len; i++) {
        const p = load<f64>(A + i * 8);
        const y = load<f64>(Y + i * 8);
        sum -= y * log(p) + (1 - y) * log(1 - p);
      }
    }
  } else if (lossKind === CCE) {
    const mm = <usize>m * 8;
    for (let r = 0; r < n; r++) {
      const z = Z + <usize>r * mm;
      const y = Y + <usize>r * mm;
      let mx = -Infinity;
      for (let j = 0; j < m; j++) {
        const v = load<f64>(z + <usize>j * 8);
        if (v > mx) mx = v;
      }
      let s = 0.0;
      for (let j = 0; j < m; j++) s += expInline(load<f64>(z + <usize>j * 8) - mx);
      const lse = mx + log(s);
      for (let j = 0; j < m; j++) {
        const yj = load<f64>(y + <usize>j * 8);
        if (yj !== 0) sum -= yj * (load<f64>(z + <usize>j * 8) - lse);
      }
    }
  } else if (lossKind === MSE) {
    for (let i: usize = 0; i < len; i++) {
      const diff = load<f64>(A + i * 8) - load<f64>(Y + i * 8);
      sum += diff * diff;
    }
  } else {
    unreachable();
  }
  return sum;
}

/** Mean loss of the batch and δ = ∂L/∂Z at the output; counts correct predictions. */
function head(loss: i32, act: i32, Z: usize, A: usize, Y: usize, D: usize, n: i32, m: i32): f64 {
  headDelta(loss, act, Z, A, Y, D, n, m, n);
  return batchLoss(loss, act, Z, A, Y, n, m);
}

/**
 * The batch's mean loss (BCE and MSE over its n·m elements, CCE over its n rows), its terms summed
 * in element order; counts correct predictions.
 */
function batchLoss(loss: i32, act: i32, Z: usize, A: usize, Y: usize, n: i32, m: i32): f64 {
  const sum = lossSum(loss, act, Z, A, Y, n, m, 0.0);
  if (loss !== MSE) correctCount += countCorrect(A, Y, n, m);
  return loss === CCE ? sum / <f64>n : sum / <f64>(<usize>(n * m));
}

/**
 * δ = ∂L/∂Z at the output for `rows` rows of a batch of `n` (eq. 3: ŷ − y over the batch's
 * element count for sigmoid + BCE, its row count for softmax + CCE). Element-wise, so any rows of
 * a batch give the bits the whole batch gives them.
 */
function headDelta(loss: i32, act: i32, Z: usize, A: usize, Y: usize, D: usize, rows: i32, m: i32, n: i32): void {
  const len = <usize>(rows * m);
  if (loss === BCE) {
    const scale = 1 / <f64>(<usize>(n * m));
    if (act === SIGMOID) {
      for (let i: usize = 0; i < len; i++) {
        store<f64>(D + i * 8, (load<f64>(A + i * 8) - load<f64>(Y + i * 8)) * scale);
      }
    } else {
      for (let i: usize = 0; i < len; i++) {
        const p = load<f64>(A + i * 8);
        store<f64>(D + i * 8, ((p - load<f64>(Y + i * 8)) / (p * (1 - p))) * scale);
      }
      activateBackward(act, Z, A, D, rows, m);
    }
  } else if (loss === CCE) {
    const scale = 1 / <f64>n;
    for (let i: usize = 0; i < len; i++) {
      store<f64>(D + i * 8, (load<f64>(A + i * 8) - load<f64>(Y + i * 8)) * scale);
    }
  } else if (loss === MSE) {
    const scale = 2 / <f64>(<usize>(n * m));
    for (let i: usize = 0; i < len; i++) {
      store<f64>(D + i * 8, (load<f64>(A + i * 8) - load<f64>(Y + i * 8)) * scale);
    }
    activateBackward(act, Z, A, D, rows, m);
  } else {
    unreachable();
  }
}

// ---------------------------------------------------------------------------------------------
// The training driver. Layer l is described by 12 i32 fields at table + 48·l:
//   0 in, 1 out, 2 activation, 3 K, 4 b, 5 gK, 6 gb, 7 Z, 8 A, 9 D, 10 K as tiles, 11 gK as tiles
// (10 and 11: 0 but for a split layer of a plain-SGD run on threads, see "Tiles")
// Z, A, D hold batchSize rows. KT is one scratch buffer for the largest kernel's transpose.

// @ts-ignore: decorator
@inline
function field(table: usize, l: i32, f: i32): i32 {
  return load<i32>(table + <usize>(l * 48 + f * 4));
}

/** w ← w − lr·g over len values: the SGD step (OPTIMIZERS.sgd), as the reference optimiser writes it. */
function sgdUpdate(w: usize, g: usize, len: i32, lr: f64): void {
  const vlr = f64x2.splat(lr);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i * 8;
    v128.store(w + o, f64x2.sub(v128.load(w + o), f64x2.mul(vlr, v128.load(g + o))));
  }
  for (; i < len; i++) {
    const o = <usize>i * 8;
    store<f64>(w + o, load<f64>(w + o) - lr * load<f64>(g + o));
  }
}

/**
 * Runs batches [first, first + count) of an epoch over the n examples of X [n×in], Y [n×out],
 * taken in the order of the u32 array `order` (or 0, 1, … when order = 0). Each batch: gather
 * its rows into xb/yb, forward, loss, backward into the gradients, the L2 penalty when l2 > 0,
 * then plain SGD with rate lr when lr > 0 (lr = 0: gradients only, for an optimiser run by
 * JavaScript). Writes each batch's loss to losses[b − first] (f64) and its correct count to
 * corrects[b − first] (i32). Returns the number of batches run: it stops after the first batch
 * whose loss is not finite.
 */
export function trainBatches(
  table: usize,
  depth: i32,
  lossKind: i32,
  X: usize,
  Y: usize,
  order: usize,
  n: i32,
  batchSize: i32,
  first: i32,
  count: i32,
  lr: f64,
  l2: f64,
  xb: usize,
  yb: usize,
  KT: usize,
  losses: usize,
  corrects: usize,
): i32 {
  const nIn = field(table, 0, 0);
  const last = depth - 1;
  const nOut = field(table, last, 1);
  const rowX = <usize>nIn * 8;
  const rowY = <usize>nOut * 8;
  for (let bi = 0; bi < count; bi++) {
    const start = (first + bi) * batchSize;
    const size = min(batchSize, n - start);
    // The batch's rows: read in place when contiguous (no shuffling, or one row), else gathered.
    let x0 = xb;
    let y0 = yb;
    if (!order || size === 1) {
      const r = <usize>(order ? load<u32>(order + <usize>start * 4) : <u32>start);
      x0 = X + r * rowX;
      y0 = Y + r * rowY;
    } else {
      for (let i = 0; i < size; i++) {
        const r = <usize>load<u32>(order + <usize>(start + i) * 4);
        memory.copy(xb + <usize>i * rowX, X + r * rowX, rowX);
        memory.copy(yb + <usize>i * rowY, Y + r * rowY, rowY);
      }
    }
    // Forward.
    let input = x0;
    for (let l = 0; l < depth; l++) {
      const k = field(table, l, 0);
      const m = field(table, l, 1);
      const Z = <usize>field(table, l, 7);
      const A = <usize>field(table, l, 8);
      gemmNN(input, <usize>field(table, l, 3), <usize>field(table, l, 4), Z, size, k, m);
      activate(field(table, l, 2), Z, A, size, m);
      input = A;
    }
    correctCount = 0;
    let loss = head(
      lossKind,
      field(table, last, 2),
      <usize>field(table, last, 7),
      <usize>field(table, last, 8),
      y0,
      <usize>field(table, last, 9),
      size,
      nOut,
    );
    // Backward.
    for (let l = last; l >= 0; l--) {
      const k = field(table, l, 0);
      const m = field(table, l, 1);
      const D = <usize>field(table, l, 9);
      const K = <usize>field(table, l, 3);
      const gK = <usize>field(table, l, 5);
      const prevA = l === 0 ? x0 : <usize>field(table, l - 1, 8);
      gemmTN(prevA, D, gK, size, k, m); // ∂L/∂kernel = A_prevᵀ·δ (eq. 7, 6)
      sumRows(D, <usize>field(table, l, 6), size, m); // ∂L/∂b = Σ_batch δ
      if (l2 > 0) {
        // + ∂Ω/∂kernel = 2·l2·kernel, and Ω = l2·Σ kernel² added to the loss, as backProp does.
        const len = k * m;
        addScaled(gK, K, 2 * l2, len);
        let s = 0.0;
        for (let i = 0; i < len; i++) {
          const w = load<f64>(K + <usize>i * 8);
          s += w * w;
        }
        loss += l2 * s;
      }
      if (l > 0) {
        // δ_prev = δ·Kᵀ (each element summed over j in order), then ∘ f'(Z_prev).
        const Dp = <usize>field(table, l - 1, 9);
        passDown(D, K, 0, KT, Dp, size, k, m, 0, k);
        activateBackward(field(table, l - 1, 2), <usize>field(table, l - 1, 7), prevA, Dp, size, k);
      }
    }
    store<f64>(losses + <usize>bi * 8, loss);
    store<i32>(corrects + <usize>bi * 4, correctCount);
    if (!isFinite(loss)) return bi + 1;
    if (lr > 0) {
      for (let l = 0; l < depth; l++) {
        const k = field(table, l, 0);
        const m = field(table, l, 1);
        sgdUpdate(<usize>field(table, l, 3), <usize>field(table, l, 5), k * m, lr);
        sgdUpdate(<usize>field(table, l, 4), <usize>field(table, l, 6), m, lr);
      }
    }
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// One batch split between threads by units (src/train/parallel-split.ts). Each thread owns a run
// of every layer's units — columns [j0, j1) of its kernel, bias, Z, A and δ — for the whole run,
// and computes for them, over all the batch's rows:
// 1. `unitsForward`: z = a_prev·K + b and a = f(z) there (eq. 1–2); the output layer's owner
//    also δ at the output (`unitsHead`, eq. 3);
// 2. `unitsPassDown`: δ_prev = δ·Kᵀ ∘ f'(z_prev) for the units it owns one layer down (eq. 4–5),
//    reading those rows of K before anyone steps it;
// 3. `unitsGradient`: ∂L/∂K = a_prevᵀ·δ and ∂L/∂b = Σ δ for its columns (eq. 6–7), + 2·λ·K;
// 4. `unitsUpdate`: the SGD step there.
// A thread only ever writes its own columns, and reads another's only after a barrier, so a
// kernel stays in the cache of the core that owns it. Each element is computed by the same
// operations in the same order as `trainBatches` computes it on one thread (a product sums each
// element over its index in order from +0 whatever the block of columns), so any split, and any
// thread count, gives its bits.

/** Layer l's Z and A (its activation) for units [j0, j1) over the n rows of the layer's input (X for layer 0). */
export function unitsForward(table: usize, l: i32, X: usize, n: i32, j0: i32, j1: i32): void {
  const k = field(table, l, 0);
  const m = field(table, l, 1);
  const mm = <usize>m * 8;
  const input = l === 0 ? X : <usize>field(table, l - 1, 8);
  const at = <usize>j0 * 8;
  const Z = <usize>field(table, l, 7) + at;
  const A = <usize>field(table, l, 8) + at;
  const b = <usize>field(table, l, 4) + at;
  const T = <usize>field(table, l, 10);
  if (T && (j0 & 3) !== 0) unreachable(); // tiles start every 4 columns
  if (T) panel(input, <usize>k * 8, 8, tile(T, k, j0), 32, k, Z, mm, n, j1 - j0, b, tileBytes(k), 0); // eq. 1
  else panel(input, <usize>k * 8, 8, <usize>field(table, l, 3) + at, mm, k, Z, mm, n, j1 - j0, b); // eq. 1
  activateColumns(field(table, l, 2), Z, A, A, n, j1 - j0, m, false); // eq. 2
}

/** δ at the output layer (all its units) for a batch of n rows with targets Y (eq. 3), as `trainBatches`' head computes it. */
export function unitsHead(table: usize, depth: i32, lossKind: i32, Y: usize, n: i32): void {
  const last = depth - 1;
  const f = field(table, last, 2);
  const Z = <usize>field(table, last, 7);
  const A = <usize>field(table, last, 8);
  headDelta(lossKind, f, Z, A, Y, <usize>field(table, last, 9), n, field(table, last, 1), n);
}

/**
 * δ of layer l − 1 for its units [p0, p1): δ_prev = δ·Kᵀ through rows p0…p1 of layer l's kernel
 * K, then ∘ f'(z_prev) (eq. 4–5), as `trainBatches`' `passDown` computes it. KT: this thread's
 * transpose scratch.
 */
export function unitsPassDown(table: usize, l: i32, n: i32, p0: i32, p1: i32, KT: usize): void {
  const k = field(table, l, 0);
  const at = <usize>p0 * 8;
  const Dp = <usize>field(table, l - 1, 9);
  const K = <usize>field(table, l, 3);
  passDown(<usize>field(table, l, 9), K, <usize>field(table, l, 10), KT, Dp, n, k, field(table, l, 1), p0, p1);
  const f = field(table, l - 1, 2);
  activateColumns(f, <usize>field(table, l - 1, 7) + at, <usize>field(table, l - 1, 8) + at, Dp + at, n, p1 - p0, k, true);
}

/**
 * Layer l's gradients for its units [j0, j1): ∂L/∂K = a_prevᵀ·δ (eq. 6, 7) and ∂L/∂b = Σ δ over
 * the n rows (X: the batch's input, for layer 0), + 2·l2·K when l2 > 0, as `gemmTN`, `sumRows`
 * and `addScaled` compute them; then, when lr > 0, their SGD step, a block of PANEL_COLS columns
 * at a time, so that a block's gradients are still in the cache when its step reads them. A layer
 * with tiles has its kernel's gradients in tiles too.
 */
export function unitsGradient(table: usize, l: i32, X: usize, n: i32, j0: i32, j1: i32, l2: f64, lr: f64): void {
  if (field(table, l, 10) !== 0 && (j0 & 3) !== 0) unreachable(); // tiles start every 4 columns
  for (let b0 = j0; b0 < j1; b0 += PANEL_COLS) {
    const b1 = min(j1, b0 + PANEL_COLS);
    gradientColumns(table, l, X, n, b0, b1, l2);
    if (lr > 0) unitsUpdate(table, l, b0, b1, lr);
  }
}

/** `unitsGradient`'s gradients for the columns [j0, j1). */
function gradientColumns(table: usize, l: i32, X: usize, n: i32, j0: i32, j1: i32, l2: f64): void {
  const k = field(table, l, 0);
  const m = field(table, l, 1);
  const mm = <usize>m * 8;
  const kk = <usize>k * 8;
  const prevA = l === 0 ? X : <usize>field(table, l - 1, 8);
  const at = <usize>j0 * 8;
  const D = <usize>field(table, l, 9);
  const T = <usize>field(table, l, 10);
  sumColumns(D + at, <usize>field(table, l, 6) + at, n, j1 - j0, mm); // ∂L/∂b = Σ_batch δ
  if (T) {
    // In tiles every column goes through the panel, an odd last one too: each element is still
    // summed over the rows in order from +0, as `lastColumn` sums it.
    const G = tile(<usize>field(table, l, 11), k, j0);
    panel(prevA, 8, kk, D + at, mm, n, G, 32, k, j1 - j0, 0, 0, tileBytes(k));
    if (l2 > 0) addScaled(G, tile(T, k, j0), 2 * l2, tileDoubles(k, j0, j1));
    return;
  }
  const gK = <usize>field(table, l, 5);
  // gemmTN's split: an odd last column of the layer is summed over p in vectors.
  const odd = j1 === m && (m & 1) !== 0;
  const even = odd ? j1 - 1 - j0 : j1 - j0;
  if (even > 0) panel(prevA, 8, kk, D + at, mm, n, gK + at, mm, k, even, 0);
  if (odd) lastColumn(prevA, D, gK, n, k, m, kk);
  if (l2 > 0) {
    const K = <usize>field(table, l, 3);
    for (let p = 0; p < k; p++) addScaled(gK + <usize>p * mm + at, K + <usize>p * mm + at, 2 * l2, j1 - j0);
  }
}

/** w ← w − lr·g for layer l's units [j0, j1): its kernel's columns (in tiles, if it has them) and biases. */
export function unitsUpdate(table: usize, l: i32, j0: i32, j1: i32, lr: f64): void {
  const k = field(table, l, 0);
  if (field(table, l, 10) !== 0 && (j0 & 3) !== 0) unreachable(); // tiles start every 4 columns
  const mm = <usize>field(table, l, 1) * 8;
  const at = <usize>j0 * 8;
  const T = <usize>field(table, l, 10);
  if (T) {
    sgdUpdate(tile(T, k, j0), tile(<usize>field(table, l, 11), k, j0), tileDoubles(k, j0, j1), lr);
  } else {
    const K = <usize>field(table, l, 3) + at;
    const gK = <usize>field(table, l, 5) + at;
    for (let p = 0; p < k; p++) sgdUpdate(K + <usize>p * mm, gK + <usize>p * mm, j1 - j0, lr);
  }
  sgdUpdate(<usize>field(table, l, 4) + at, <usize>field(table, l, 6) + at, j1 - j0, lr);
}

// Tiles. A split layer of a plain-SGD run on threads keeps its kernel, and the kernel's gradients,
// as tiles: its columns in runs of 4, each run a k×4 row-major matrix of its own (rows 32 bytes
// apart, the layout the panels pack into), one after the other, the last one padded with zeros.
// A thread's units are then one stretch of memory, apart from the other threads': in a row-major
// kernel every thread's columns sit in every row, beside another thread's, and two threads each
// computing half of 784-256-1's layer so ran 5 % (forward) and 14 % (gradient and step) slower
// than each on memory of its own. `toTiles` and `fromTiles` convert at the edges of a run's
// epochs; the weights the network and the optimiser see stay row-major.

/** Bytes of one tile of a kernel with k rows. */
// @ts-ignore: decorator
@inline
function tileBytes(k: i32): usize {
  return <usize>k * 32;
}

/** The tile holding column j (a multiple of 4) of a kernel with k rows stored as tiles at T. */
// @ts-ignore: decorator
@inline
function tile(T: usize, k: i32, j: i32): usize {
  return T + <usize>(j >> 2) * tileBytes(k);
}

/** Doubles in the tiles of columns [j0, j1) (j0 a multiple of 4), padding included. */
// @ts-ignore: decorator
@inline
function tileDoubles(k: i32, j0: i32, j1: i32): i32 {
  return ((j1 - j0 + 3) >> 2) * k * 4;
}

/** Where K[p][j] is when K (k rows) is stored as tiles at T. */
// @ts-ignore: decorator
@inline
function tiled(T: usize, k: i32, p: i32, j: i32): usize {
  return tile(T, k, j) + <usize>p * 32 + <usize>(j & 3) * 8;
}

/** Layer l's kernel into its tiles, and its gradients' tiles cleared (their padding stays 0). */
export function toTiles(table: usize, l: i32): void {
  const k = field(table, l, 0);
  const m = field(table, l, 1);
  const T = <usize>field(table, l, 10);
  const K = <usize>field(table, l, 3);
  const bytes = <usize>tileDoubles(k, 0, m) * 8;
  memory.fill(T, 0, bytes);
  memory.fill(<usize>field(table, l, 11), 0, bytes);
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < m; j++) store<f64>(tiled(T, k, p, j), load<f64>(K + <usize>(p * m + j) * 8));
  }
}

/** Layer l's kernel back from its tiles. */
export function fromTiles(table: usize, l: i32): void {
  const k = field(table, l, 0);
  const m = field(table, l, 1);
  const T = <usize>field(table, l, 10);
  const K = <usize>field(table, l, 3);
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < m; j++) store<f64>(K + <usize>(p * m + j) * 8, load<f64>(tiled(T, k, p, j)));
  }
}

/** Σ K² of layer l's kernel in its tiles, summed in the kernel's row-major order (as `squaredNorm`). */
export function tiledSquaredNorm(table: usize, l: i32): f64 {
  const k = field(table, l, 0);
  const m = field(table, l, 1);
  const T = <usize>field(table, l, 10);
  let s = 0.0;
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < m; j++) {
      const w = load<f64>(tiled(T, k, p, j));
      s += w * w;
    }
  }
  return s;
}

/**
 * `activate` (backward: `activateBackward` on D) over `cols` columns of n rows `m` values long:
 * in one call when they are the whole rows (softmax needs them), else row by row, which gives
 * each element the same bits (the other activations are element-wise).
 */
function activateColumns(f: i32, Z: usize, A: usize, D: usize, n: i32, cols: i32, m: i32, backward: bool): void {
  if (cols === m) {
    if (backward) activateBackward(f, Z, A, D, n, m);
    else activate(f, Z, A, n, m);
    return;
  }
  if (f === SOFTMAX) unreachable(); // a softmax layer is never split
  const mm = <usize>m * 8;
  for (let i = 0; i < n; i++) {
    const o = <usize>i * mm;
    if (backward) activateBackward(f, Z + o, A + o, D + o, 1, cols);
    else activate(f, Z + o, A + o, 1, cols);
  }
}

/**
 * The batch's mean loss once its output layer is computed (as `trainBatches` adds it, before the L2
 * term); its correct count at `correct` (i32).
 */
export function splitLoss(table: usize, depth: i32, lossKind: i32, Y: usize, n: i32, correct: usize): f64 {
  const last = depth - 1;
  correctCount = 0;
  const m = field(table, last, 1);
  const loss = batchLoss(lossKind, field(table, last, 2), <usize>field(table, last, 7), <usize>field(table, last, 8), Y, n, m);
  store<i32>(correct, correctCount);
  return loss;
}

/** g ← g + a·w over len values, as `trainBatches` adds the L2 term. */
function addScaled(g: usize, w: usize, a: f64, len: i32): void {
  for (let i = 0; i < len; i++) {
    const o = <usize>i * 8;
    store<f64>(g + o, load<f64>(g + o) + a * load<f64>(w + o));
  }
}

/**
 * Columns [p0, p1) of δ_prev = δ·Kᵀ for `rows` rows, each element summed over j in order from +0
 * (eq. 4–5's δ·U): through the transpose of those rows of K into KT and a product; with few rows,
 * where the transpose would cost as much as the product, as dot products. T: K as tiles (else 0).
 */
function passDown(D: usize, K: usize, T: usize, KT: usize, Dp: usize, rows: i32, k: i32, m: i32, p0: i32, p1: i32): void {
  const mm = <usize>m * 8;
  const kk = <usize>k * 8;
  if (rows >= 4) {
    if (T) {
      for (let p = p0; p < p1; p++) {
        for (let j = 0; j < m; j++) store<f64>(KT + (<usize>(j * k + p)) * 8, load<f64>(tiled(T, k, p, j)));
      }
    } else transposeRows(K, KT, k, m, p0, p1);
    panel(D, mm, 8, KT + <usize>p0 * 8, kk, m, Dp + <usize>p0 * 8, kk, rows, p1 - p0, 0);
    return;
  }
  for (let i = 0; i < rows; i++) {
    const d = D + <usize>i * mm;
    for (let p = p0; p < p1; p++) {
      let s = 0.0;
      for (let j = 0; j < m; j++) {
        const w = T ? load<f64>(tiled(T, k, p, j)) : load<f64>(K + <usize>p * mm + <usize>j * 8);
        s += load<f64>(d + <usize>j * 8) * w;
      }
      store<f64>(Dp + <usize>i * kk + <usize>p * 8, s);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Plain SGD one example at a time (batch size 1, no L2): whole epochs in one call, the update
// fused into the backward pass — each layer's weights are updated right after δ has been passed
// down through them, w ← w − lr·(a·δ) (eq. 6/7 for one example, in the SGD step). The
// gradient of one example is a single product (0 + a·δ = a·δ), so this is exactly the separate
// gradient-then-update of the reference path.

/** z = a·K + b for one example (a [k], K [k×m]): each z[j] summed from +0 over p, then + b[j]. */
function forward1(a: usize, K: usize, b: usize, Z: usize, k: i32, m: i32): void {
  const mm = <usize>m * 8;
  let j = 0;
  for (; j + 2 <= m; j += 2) {
    let acc = f64x2.splat(0.0);
    let pk = K + <usize>j * 8;
    for (let p = 0; p < k; p++) {
      acc = f64x2.add(acc, f64x2.mul(f64x2.splat(load<f64>(a + <usize>p * 8)), v128.load(pk)));
      pk += mm;
    }
    v128.store(Z + <usize>j * 8, f64x2.add(acc, v128.load(b + <usize>j * 8)));
  }
  if (j < m) {
    let s = 0.0;
    let pk = K + <usize>j * 8;
    for (let p = 0; p < k; p++) {
      s += load<f64>(a + <usize>p * 8) * load<f64>(pk);
      pk += mm;
    }
    store<f64>(Z + <usize>j * 8, s + load<f64>(b + <usize>j * 8));
  }
}

/** K[p][j] −= lr·(a[p]·δ[j]), b[j] −= lr·δ[j]: eq. 6/7's one-example gradient in the SGD step. */
function update1(K: usize, b: usize, a: usize, D: usize, k: i32, m: i32, lr: f64): void {
  const vlr = f64x2.splat(lr);
  const even = m & ~1;
  let pk = K;
  for (let p = 0; p < k; p++) {
    const ap = load<f64>(a + <usize>p * 8);
    const va = f64x2.splat(ap);
    let j = 0;
    for (; j < even; j += 2) {
      const o = pk + <usize>j * 8;
      v128.store(o, f64x2.sub(v128.load(o), f64x2.mul(vlr, f64x2.mul(va, v128.load(D + <usize>j * 8)))));
    }
    if (j < m) {
      const o = pk + <usize>j * 8;
      store<f64>(o, load<f64>(o) - lr * (ap * load<f64>(D + <usize>j * 8)));
    }
    pk += <usize>m * 8;
  }
  let j = 0;
  for (; j < even; j += 2) {
    const o = b + <usize>j * 8;
    v128.store(o, f64x2.sub(v128.load(o), f64x2.mul(vlr, v128.load(D + <usize>j * 8))));
  }
  if (j < m) {
    const o = b + <usize>j * 8;
    store<f64>(o, load<f64>(o) - lr * load<f64>(D + <usize>j * 8));
  }
}

/** How many examples ahead the batch-1 kernels touch the rows of a shuffled order. */
const AHEAD = 16;

/** Examples whose losses the two-layer batch-1 kernel sums at a time (see `twoLayerSteps`). */
const LOSS_BLOCK = 64;

/**
 * Reads the first and last values of example `i`'s row of X and its target: in a shuffled order the rows
 * come from anywhere in memory, and each example's update waits on the one before, so a row
 * first read when its turn comes would stall the chain for the whole cache miss; read AHEAD
 * examples early, the miss overlaps the work in between. The values only feed a sum written
 * to `out + 16`, which keeps the loads from being optimised away.
 */
// @ts-ignore: decorator
@inline
function touch(X: usize, Y: usize, order: usize, i: i32, rowX: usize, rowY: usize): f64 {
  const r = <usize>load<u32>(order + <usize>i * 4);
  const x = X + r * rowX;
  return load<f64>(x) + load<f64>(x + rowX - 8) + load<f64>(Y + r * rowY);
}

/**
 * An epoch of plain SGD with batch size 1 over the n examples of X [n×in], Y [n×out] in the
 * order of the u32 array `order` (or 0, 1, … when order = 0), for any network `trainBatches`
 * covers (its table, with one-row Z, A, D buffers). Adds the examples' losses, in order, to the
 * f64 at out and their correct count to the i32 at out + 8 (so that an epoch can run in several
 * calls), and returns n; or, at the first example whose loss is not finite, writes that loss to
 * out and returns its 1-based step. out + 16 receives an f64 of no meaning (see `touch`).
 */
export function sgd1Epoch(table: usize, depth: i32, lossKind: i32, X: usize, Y: usize, order: usize, n: i32, lr: f64, out: usize): i32 {
  const nIn = field(table, 0, 0);
  const last = depth - 1;
  const nOut = field(table, last, 1);
  const outAct = field(table, last, 2);
  const rowX = <usize>nIn * 8;
  const rowY = <usize>nOut * 8;
  const Zl = <usize>field(table, last, 7);
  const Al = <usize>field(table, last, 8);
  const Dl = <usize>field(table, last, 9);
  let lossSum = load<f64>(out);
  let correct = load<i32>(out, 8);
  let touched = 0.0;
  for (let i = 0; i < n; i++) {
    const r = <usize>(order ? load<u32>(order + <usize>i * 4) : <u32>i);
    if (order && i + AHEAD < n) touched += touch(X, Y, order, i + AHEAD, rowX, rowY);
    const x0 = X + r * rowX;
    let input = x0;
    for (let l = 0; l < depth; l++) {
      const m = field(table, l, 1);
      const Z = <usize>field(table, l, 7);
      const A = <usize>field(table, l, 8);
      forward1(input, <usize>field(table, l, 3), <usize>field(table, l, 4), Z, field(table, l, 0), m);
      activate(field(table, l, 2), Z, A, 1, m);
      input = A;
    }
    correctCount = 0;
    const loss = head(lossKind, outAct, Zl, Al, Y + r * rowY, Dl, 1, nOut);
    correct += correctCount;
    if (!isFinite(loss)) {
      store<f64>(out, loss);
      store<i32>(out, correct, 8);
      return i + 1;
    }
    lossSum += loss;
    for (let l = last; l >= 0; l--) {
      const k = field(table, l, 0);
      const m = field(table, l, 1);
      const K = <usize>field(table, l, 3);
      const D = <usize>field(table, l, 9);
      const prevA = l === 0 ? x0 : <usize>field(table, l - 1, 8);
      if (l > 0) {
        // δ_prev[p] = Σⱼ δ[j]·K[p][j] (from +0, j in order) with the old K, then ∘ f'(Z_prev).
        const Dp = <usize>field(table, l - 1, 9);
        const mm = <usize>m * 8;
        let pk = K;
        for (let p = 0; p < k; p++) {
          let s = 0.0;
          for (let j = 0; j < m; j++) s += load<f64>(D + <usize>j * 8) * load<f64>(pk + <usize>j * 8);
          store<f64>(Dp + <usize>p * 8, s);
          pk += mm;
        }
        activateBackward(field(table, l - 1, 2), <usize>field(table, l - 1, 7), prevA, Dp, 1, k);
      }
      update1(K, <usize>field(table, l, 4), prevA, D, k, m, lr);
    }
  }
  store<f64>(out, lossSum);
  store<f64>(out, touched, 16);
  store<i32>(out, correct, 8);
  return n;
}

/** σ(t) two lanes at a time, as `activate` computes it (scalar code for far-out lanes). */
// @ts-ignore: decorator
@inline
function sigmoid2(t: v128): v128 {
  if (i64x2.all_true(f64x2.lt(f64x2.abs(t), f64x2.splat(700.0)))) {
    const e = exp2Lanes(f64x2.neg(f64x2.abs(t)));
    const one = f64x2.splat(1.0);
    return f64x2.div(v128.bitselect(one, e, f64x2.ge(t, f64x2.splat(0.0))), f64x2.add(one, e));
  }
  return f64x2.replace_lane(f64x2.splat(sigmoid(f64x2.extract_lane(t, 0))), 1, sigmoid(f64x2.extract_lane(t, 1)));
}

/**
 * `sgd1Epoch` specialised to the notes' kind of network: two layers, any element-wise hidden
 * activation, one sigmoid output unit with binary cross-entropy. The hidden layer runs in
 * f64x2 lanes over a copy of its weights padded to an even width (the padding lanes compute
 * garbage that never reaches a real one: the output sum and the weights written back take the
 * real lanes only); the output unit's exp(−|z|) serves both its sigmoid and its loss. `scratch`
 * holds (in + 5)·⌈m/2⌉·16 + LOSS_BLOCK·16 bytes. Same results, bit for bit, as `sgd1Epoch`.
 *
 * The reference path starts every sum at +0: z = ((0 + a₀w₀) + a₁w₁) + … + b, and δ1 = (0 + δ2·w2)
 * ∘ f'. Adding +0 first changes a sum only when it would otherwise be −0 (all its terms −0), so
 * it changes z only when the bias is −0 too, and δ1's sign of zero only matters to a weight or
 * bias that is −0 (w − (±0) = w otherwise). A weight or bias never becomes −0 by w − v unless
 * it already is one. So when no first-layer weight and no bias is −0 at the start of the call,
 * the `+0 +` is left out (three fewer additions on the critical path of each example); else
 * the literal form runs.
 */
export function sgd1TwoLayer(table: usize, X: usize, Y: usize, order: usize, n: i32, lr: f64, scratch: usize, out: usize): i32 {
  const k = field(table, 0, 0);
  const m = field(table, 0, 1);
  const K1 = <usize>field(table, 0, 3);
  const B1 = <usize>field(table, 0, 4);
  const K2 = <usize>field(table, 1, 3);
  const B2 = <usize>field(table, 1, 4);
  const mv = (m + 1) >> 1;
  const rowW = <usize>mv * 16;
  const W = scratch; // [k × 2mv]
  const b = W + <usize>k * rowW; // [2mv]
  const w2 = b + rowW; // [2mv]
  const mp = mv * 2;
  let negZero = reinterpret<u64>(load<f64>(B2)) == 0x8000000000000000;
  for (let j = 0; j < mp; j++) {
    const o = <usize>j * 8;
    for (let p = 0; p < k; p++) {
      const v = j < m ? load<f64>(K1 + (<usize>(p * m + j)) * 8) : 0.0;
      negZero = negZero || reinterpret<u64>(v) == 0x8000000000000000;
      store<f64>(W + <usize>p * rowW + o, v);
    }
    const bj = j < m ? load<f64>(B1 + o) : 0.0;
    negZero = negZero || reinterpret<u64>(bj) == 0x8000000000000000;
    store<f64>(b + o, bj);
    store<f64>(w2 + o, j < m ? load<f64>(K2 + o) : 0.0);
  }
  store<f64>(scratch + <usize>(k + 4) * rowW, load<f64>(B2));
  let ran = 0;
  if (negZero) ran = twoLayerSteps(true, table, X, Y, order, n, lr, scratch, out);
  // The notes' network and its neighbours (2–4 inputs, 3 or 4 hidden units): weights in locals.
  else if (mv == 2 && k == 3) ran = twoLayerStepsInRegisters(3, table, X, Y, order, n, lr, scratch, out);
  else if (mv == 2 && k == 2) ran = twoLayerStepsInRegisters(2, table, X, Y, order, n, lr, scratch, out);
  else if (mv == 2 && k == 4) ran = twoLayerStepsInRegisters(4, table, X, Y, order, n, lr, scratch, out);
  else ran = twoLayerSteps(false, table, X, Y, order, n, lr, scratch, out);
  // The weights back into the engine's own layout.
  for (let j = 0; j < m; j++) {
    const o = <usize>j * 8;
    for (let p = 0; p < k; p++) store<f64>(K1 + (<usize>(p * m + j)) * 8, load<f64>(W + <usize>p * rowW + o));
    store<f64>(B1 + o, load<f64>(b + o));
    store<f64>(K2 + o, load<f64>(w2 + o));
  }
  store<f64>(B2, load<f64>(scratch + <usize>(k + 4) * rowW));
  return ran;
}

/** `x + y`, or `0 + (x + y)`… : `plus0(literal, v)` is +0 + v when `literal`, else v (see above). */
// @ts-ignore: decorator
@inline
function plus0(literal: bool, v: f64): f64 {
  return literal ? 0.0 + v : v;
}

// @ts-ignore: decorator
@inline
function plus0x2(literal: bool, v: v128): v128 {
  return literal ? f64x2.add(f64x2.splat(0.0), v) : v;
}

/** The steps of `sgd1TwoLayer` over its padded copy of the weights (b2 in row k + 4). */
// @ts-ignore: decorator
@inline
function twoLayerSteps(literal: bool, table: usize, X: usize, Y: usize, order: usize, n: i32, lr: f64, scratch: usize, out: usize): i32 {
  const k = field(table, 0, 0);
  const m = field(table, 0, 1);
  const hAct = field(table, 0, 2);
  const mv = (m + 1) >> 1;
  const rowW = <usize>mv * 16;
  const W = scratch;
  const b = W + <usize>k * rowW;
  const w2 = b + rowW;
  const A = w2 + rowW; // hidden activations
  const G = A + rowW; // hidden f'(z)
  const B2 = G + rowW;
  let b2 = load<f64>(B2);
  const rowX = <usize>k * 8;
  const rowY: usize = 8;
  const vlr = f64x2.splat(lr);
  const zero = f64x2.splat(0.0);
  const one = f64x2.splat(1.0);
  const oddLast = (m & 1) != 0;
  let lossSum = load<f64>(out);
  let correct = load<i32>(out, 8);
  let touched = 0.0;
  let ran = n;
  let stopped = false;
  // The examples' losses wait in `pend` (t = max(z2, 0) − z2·y and e per example) and are added,
  // in order, block by block: log1p is off the chain, but inside the chain's loop it still slowed
  // it (by ~4% of a W1 epoch, measured); the stop at a non-finite loss needs only t.
  const pend = B2 + rowW;
  let i = 0;
  while (i < n) {
    const i0 = i;
    const i1 = min<i32>(n, i0 + LOSS_BLOCK);
    for (; i < i1; i++) {
      const r = <usize>(order ? load<u32>(order + <usize>i * 4) : <u32>i);
      if (order && i + AHEAD < n) touched += touch(X, Y, order, i + AHEAD, rowX, rowY);
      const x = X + r * rowX;
      const y = load<f64>(Y + r * 8);
      // Hidden layer, two units per vector; the output sum over the real units in order.
      let z2 = 0.0;
      for (let c = 0; c < mv; c++) {
        const co = <usize>c * 16;
        let acc = plus0x2(literal, f64x2.mul(f64x2.splat(load<f64>(x)), v128.load(W + co)));
        let pw = W + co + rowW;
        for (let p = 1; p < k; p++) {
          acc = f64x2.add(acc, f64x2.mul(f64x2.splat(load<f64>(x + <usize>p * 8)), v128.load(pw)));
          pw += rowW;
        }
        const z = f64x2.add(acc, v128.load(b + co));
        let a = zero; // every branch below sets a and g, or traps
        let g = zero;
        if (hAct === SIGMOID) {
          a = sigmoid2(z);
          g = f64x2.mul(a, f64x2.sub(one, a));
        } else if (hAct === TANH) {
          a = f64x2.replace_lane(f64x2.splat(tanh(f64x2.extract_lane(z, 0))), 1, tanh(f64x2.extract_lane(z, 1)));
          g = f64x2.sub(one, f64x2.mul(a, a));
        } else if (hAct === RELU) {
          a = f64x2.max(z, zero);
          g = v128.and(f64x2.gt(z, zero), one);
        } else if (hAct === LINEAR) {
          a = z;
          g = one;
        } else {
          unreachable();
        }
        v128.store(A + co, a);
        v128.store(G + co, g);
        const pr = f64x2.mul(a, v128.load(w2 + co));
        z2 = c == 0 ? plus0(literal, f64x2.extract_lane(pr, 0)) : z2 + f64x2.extract_lane(pr, 0);
        if (c + 1 < mv || !oddLast) z2 += f64x2.extract_lane(pr, 1);
      }
      z2 += b2;
      // Output: σ(z2) and the loss share e = exp(−|z2|) (= exp(−z2) for z2 ≥ 0, exp(z2) below).
      const e = expInline(-abs<f64>(z2));
      const a2 = z2 >= 0 ? 1 / (1 + e) : e / (1 + e);
      // CE(σ(θ), y) from the logit, as `bceOfLogit` (src/nn/losses.ts) writes it.
      // For e in [0, 1] (or NaN with z2), log1p(e) is finite: the loss is finite where t is.
      const t = max<f64>(z2, 0) - z2 * y;
      if ((a2 >= 0.5 ? 1 : 0) === (y >= 0.5 ? 1 : 0)) correct++;
      if (!isFinite(t)) {
        lossSum = 0.0 + (t + log1pInline(e));
        ran = i + 1;
        stopped = true;
        break;
      }
      const pe = pend + <usize>(i - i0) * 16;
      store<f64>(pe, t);
      store<f64>(pe, e, 8);
      // Here the output is layer 2: its δ (the notes' δ1, eq. 3) is d2 = (a2 − y)·(1/1), and the
      // hidden δ (the notes' δ2, eq. 4–5) is d1 = (0 + d2·w2)∘f'(z1) with the old w2; then the
      // SGD updates of eq. 7 and eq. 6.
      const d2 = a2 - y;
      const vd2 = f64x2.splat(d2);
      for (let c = 0; c < mv; c++) {
        const co = <usize>c * 16;
        const w2c = v128.load(w2 + co);
        const a = v128.load(A + co);
        const d1 = f64x2.mul(plus0x2(literal, f64x2.mul(vd2, w2c)), v128.load(G + co));
        v128.store(w2 + co, f64x2.sub(w2c, f64x2.mul(vlr, f64x2.mul(a, vd2))));
        v128.store(b + co, f64x2.sub(v128.load(b + co), f64x2.mul(vlr, d1)));
        let pw = W + co;
        for (let p = 0; p < k; p++) {
          v128.store(pw, f64x2.sub(v128.load(pw), f64x2.mul(vlr, f64x2.mul(f64x2.splat(load<f64>(x + <usize>p * 8)), d1))));
          pw += rowW;
        }
      }
      b2 -= lr * d2;
    }
    if (stopped) break; // (at the last example too: then ran = n)
    for (let j = 0; j < i1 - i0; j++) {
      const pe = pend + <usize>j * 16;
      const e = load<f64>(pe, 8);
      lossSum += 0.0 + (load<f64>(pe) + log1pInline(e));
    }
  }
  store<f64>(B2, b2);
  store<f64>(out, lossSum);
  store<f64>(out, touched, 16);
  store<i32>(out, correct, 8);
  return ran;
}


/** f(z) of a hidden activation, two units at a time (as `twoLayerSteps` computes it). */
// @ts-ignore: decorator
@inline
function hidden2(hAct: i32, z: v128): v128 {
  if (hAct === SIGMOID) return sigmoid2(z);
  if (hAct === TANH) return f64x2.replace_lane(f64x2.splat(tanh(f64x2.extract_lane(z, 0))), 1, tanh(f64x2.extract_lane(z, 1)));
  if (hAct === RELU) return f64x2.max(z, f64x2.splat(0.0));
  if (hAct === LINEAR) return z;
  unreachable();
  return z;
}

/** f'(z) from z and a = f(z), two units at a time (as `twoLayerSteps` computes it). */
// @ts-ignore: decorator
@inline
function hiddenSlope2(hAct: i32, z: v128, a: v128): v128 {
  const one = f64x2.splat(1.0);
  if (hAct === SIGMOID) return f64x2.mul(a, f64x2.sub(one, a));
  if (hAct === TANH) return f64x2.sub(one, f64x2.mul(a, a));
  if (hAct === RELU) return v128.and(f64x2.gt(z, f64x2.splat(0.0)), one);
  return one;
}

/**
 * `twoLayerSteps` for K = 2–4 inputs and 3 or 4 hidden units (two vectors) — the notes' network
 * and its neighbours — with every weight in a local instead of memory: each example's update then
 * reaches the next example's forward pass without a store and a load on the chain. The same
 * operations in the same order, without the literal `+0` (sgd1TwoLayer runs `twoLayerSteps` when
 * a weight is −0).
 */
// @ts-ignore: decorator
@inline
function twoLayerStepsInRegisters(K: i32, table: usize, X: usize, Y: usize, order: usize, n: i32, lr: f64, scratch: usize, out: usize): i32 {
  const m = field(table, 0, 1);
  const hAct = field(table, 0, 2);
  const rowW: usize = 32;
  const Wp = scratch;
  const bp = Wp + <usize>K * rowW;
  const w2p = bp + rowW;
  const B2 = w2p + rowW * 3;
  const zero = f64x2.splat(0.0);
  let W00 = v128.load(Wp);
  let W01 = v128.load(Wp, 16);
  let W10 = K > 1 ? v128.load(Wp + rowW) : zero;
  let W11 = K > 1 ? v128.load(Wp + rowW, 16) : zero;
  let W20 = K > 2 ? v128.load(Wp + rowW * 2) : zero;
  let W21 = K > 2 ? v128.load(Wp + rowW * 2, 16) : zero;
  let W30 = K > 3 ? v128.load(Wp + rowW * 3) : zero;
  let W31 = K > 3 ? v128.load(Wp + rowW * 3, 16) : zero;
  let b0 = v128.load(bp);
  let b1 = v128.load(bp, 16);
  let v0 = v128.load(w2p);
  let v1 = v128.load(w2p, 16);
  let b2 = load<f64>(B2);
  const rowX = <usize>K * 8;
  const rowY: usize = 8;
  const vlr = f64x2.splat(lr);
  const oddLast = (m & 1) != 0;
  let lossSum = load<f64>(out);
  let correct = load<i32>(out, 8);
  let touched = 0.0;
  let ran = n;
  let stopped = false;
  const pend = B2 + rowW;
  let i = 0;
  while (i < n) {
    const i0 = i;
    const i1 = min<i32>(n, i0 + LOSS_BLOCK);
    for (; i < i1; i++) {
      const r = <usize>(order ? load<u32>(order + <usize>i * 4) : <u32>i);
      if (order && i + AHEAD < n) touched += touch(X, Y, order, i + AHEAD, rowX, rowY);
      const x = X + r * rowX;
      const y = load<f64>(Y + r * 8);
      const x0 = f64x2.splat(load<f64>(x));
      const x1 = K > 1 ? f64x2.splat(load<f64>(x, 8)) : zero;
      const x2 = K > 2 ? f64x2.splat(load<f64>(x, 16)) : zero;
      const x3 = K > 3 ? f64x2.splat(load<f64>(x, 24)) : zero;
      let z0 = f64x2.mul(x0, W00);
      let z1 = f64x2.mul(x0, W01);
      if (K > 1) {
        z0 = f64x2.add(z0, f64x2.mul(x1, W10));
        z1 = f64x2.add(z1, f64x2.mul(x1, W11));
      }
      if (K > 2) {
        z0 = f64x2.add(z0, f64x2.mul(x2, W20));
        z1 = f64x2.add(z1, f64x2.mul(x2, W21));
      }
      if (K > 3) {
        z0 = f64x2.add(z0, f64x2.mul(x3, W30));
        z1 = f64x2.add(z1, f64x2.mul(x3, W31));
      }
      z0 = f64x2.add(z0, b0);
      z1 = f64x2.add(z1, b1);
      const a0 = hidden2(hAct, z0);
      const a1 = hidden2(hAct, z1);
      const g0 = hiddenSlope2(hAct, z0, a0);
      const g1 = hiddenSlope2(hAct, z1, a1);
      const p0 = f64x2.mul(a0, v0);
      const p1 = f64x2.mul(a1, v1);
      let z2 = f64x2.extract_lane(p0, 0) + f64x2.extract_lane(p0, 1) + f64x2.extract_lane(p1, 0);
      if (!oddLast) z2 += f64x2.extract_lane(p1, 1);
      z2 += b2;
      const e = expInline(-abs<f64>(z2));
      const a2 = z2 >= 0 ? 1 / (1 + e) : e / (1 + e);
      const t = max<f64>(z2, 0) - z2 * y;
      if ((a2 >= 0.5 ? 1 : 0) === (y >= 0.5 ? 1 : 0)) correct++;
      if (!isFinite(t)) {
        lossSum = 0.0 + (t + log1pInline(e));
        ran = i + 1;
        stopped = true;
        break;
      }
      const pe = pend + <usize>(i - i0) * 16;
      store<f64>(pe, t);
      store<f64>(pe, e, 8);
      const d2 = a2 - y;
      const vd2 = f64x2.splat(d2);
      const d10 = f64x2.mul(f64x2.mul(vd2, v0), g0);
      const d11 = f64x2.mul(f64x2.mul(vd2, v1), g1);
      v0 = f64x2.sub(v0, f64x2.mul(vlr, f64x2.mul(a0, vd2)));
      v1 = f64x2.sub(v1, f64x2.mul(vlr, f64x2.mul(a1, vd2)));
      b0 = f64x2.sub(b0, f64x2.mul(vlr, d10));
      b1 = f64x2.sub(b1, f64x2.mul(vlr, d11));
      W00 = f64x2.sub(W00, f64x2.mul(vlr, f64x2.mul(x0, d10)));
      W01 = f64x2.sub(W01, f64x2.mul(vlr, f64x2.mul(x0, d11)));
      if (K > 1) {
        W10 = f64x2.sub(W10, f64x2.mul(vlr, f64x2.mul(x1, d10)));
        W11 = f64x2.sub(W11, f64x2.mul(vlr, f64x2.mul(x1, d11)));
      }
      if (K > 2) {
        W20 = f64x2.sub(W20, f64x2.mul(vlr, f64x2.mul(x2, d10)));
        W21 = f64x2.sub(W21, f64x2.mul(vlr, f64x2.mul(x2, d11)));
      }
      if (K > 3) {
        W30 = f64x2.sub(W30, f64x2.mul(vlr, f64x2.mul(x3, d10)));
        W31 = f64x2.sub(W31, f64x2.mul(vlr, f64x2.mul(x3, d11)));
      }
      b2 -= lr * d2;
    }
    if (stopped) break; // (at the last example too: then ran = n)
    for (let j = 0; j < i1 - i0; j++) {
      const pe = pend + <usize>j * 16;
      const e = load<f64>(pe, 8);
      lossSum += 0.0 + (load<f64>(pe) + log1pInline(e));
    }
  }
  v128.store(Wp, W00);
  v128.store(Wp, W01, 16);
  if (K > 1) {
    v128.store(Wp + rowW, W10);
    v128.store(Wp + rowW, W11, 16);
  }
  if (K > 2) {
    v128.store(Wp + rowW * 2, W20);
    v128.store(Wp + rowW * 2, W21, 16);
  }
  if (K > 3) {
    v128.store(Wp + rowW * 3, W30);
    v128.store(Wp + rowW * 3, W31, 16);
  }
  v128.store(bp, b0);
  v128.store(bp, b1, 16);
  v128.store(w2p, v0);
  v128.store(w2p, v1, 16);
  store<f64>(B2, b2);
  store<f64>(out, lossSum);
  store<f64>(out, touched, 16);
  store<i32>(out, correct, 8);
  return ran;
}

// ---------------------------------------------------------------------------------------------
// Scoring (validation): trainBatches' forward pass and its head's loss sum (`lossSum`), no δ
// and no backward pass, over rows fed in blocks. The loss sum is carried across blocks in `out`, each
// element's term added in the order `head` adds them over one batch of all the rows, so
// `meanLoss` gives the bits of one trainBatches batch of every row (and of `lossOf`). Blocks
// start at a multiple of 4 rows, where the callers put them, so each layer's values fall into
// the same lanes as in one batch.

/** Correct predictions among n rows of A against Y (m outputs), as `head` counts them. */
function countCorrect(A: usize, Y: usize, n: i32, m: i32): i32 {
  const mm = <usize>m * 8;
  let count = 0;
  for (let r = 0; r < n; r++) {
    const a = A + <usize>r * mm;
    const y = Y + <usize>r * mm;
    if (m === 1) {
      if ((load<f64>(a) >= 0.5 ? 1 : 0) === (load<f64>(y) >= 0.5 ? 1 : 0)) count++;
    } else {
      let p = 0;
      let t = 0;
      for (let j = 1; j < m; j++) {
        if (load<f64>(a + <usize>j * 8) > load<f64>(a + <usize>p * 8)) p = j;
        if (load<f64>(y + <usize>j * 8) > load<f64>(y + <usize>t * 8)) t = j;
      }
      if (p === t) count++;
    }
  }
  return count;
}

/**
 * Rows [0, n) of X [n×in] forward through the layer table (its Z and A hold ≥ n rows), their
 * loss terms added to the f64 sum at `out` and, for the cross-entropies, their correct
 * predictions to the i32 count at out + 8. Start both at 0 and call once per block, in order.
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
  const sum = lossSum(lossKind, act, Z, A, Y, n, m, load<f64>(out));
  store<f64>(out, sum);
  if (lossKind !== MSE) store<i32>(out + 8, load<i32>(out + 8) + countCorrect(A, Y, n, m));
}

/**
 * The mean loss of `rows` rows from the sum `evaluateRows` left at `out`, plus the L2 penalty
 * l2·Σ kernel² layer by layer from the last, as trainBatches adds it.
 */
export function meanLoss(table: usize, depth: i32, lossKind: i32, rows: i32, l2: f64, out: usize): f64 {
  const m = field(table, depth - 1, 1);
  let loss = load<f64>(out) / (lossKind === CCE ? <f64>rows : <f64>(<usize>(rows * m)));
  if (l2 > 0) {
    for (let l = depth - 1; l >= 0; l--) {
      const len = field(table, l, 0) * field(table, l, 1);
      const K = <usize>field(table, l, 3);
      let s = 0.0;
      for (let i = 0; i < len; i++) {
        const w = load<f64>(K + <usize>i * 8);
        s += w * w;
      }
      loss += l2 * s;
    }
  }
  return loss;
}
