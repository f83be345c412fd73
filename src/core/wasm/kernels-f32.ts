/**
 * Loader of the float32 WebAssembly SIMD kernels (assembly/kernels-f32.ts, compiled at build time
 * and embedded as base64 in `kernels-f32.generated.ts`), for `dtype: 'float32'`. Synchronous, as
 * the float64 loader (kernels.ts); `undefined` where WebAssembly SIMD is missing. The module
 * imports nothing: its exp, log, log1p and tanh are compiled in, so its results do not depend on
 * the host.
 */

import { decodeBase64 } from './kernels.js';
import { KERNELS_F32_WASM_BASE64 } from './kernels-f32.generated.js';

/** The module's exports. Pointers are byte offsets into `memory`; every value is an f32. */
export interface WasmKernelsF32 {
  readonly memory: WebAssembly.Memory;
  /** First free byte after the module's own static data. */
  heapBase(): number;
  /** C[n×m] = A[n×k]·B[k×m] (+ bias when bias ≠ 0). */
  gemmNN(A: number, B: number, bias: number, C: number, n: number, k: number, m: number): void;
  /** G[k×m] = A[n×k]ᵀ·D[n×m]. */
  gemmTN(A: number, D: number, G: number, n: number, k: number, m: number): void;
  /** A = f(Z) over an n×m block, f by its activation code (ACTIVATION_CODES). */
  activate(code: number, Z: number, A: number, n: number, m: number): void;
  /** See `setOptimizer` in assembly/kernels-f32.ts: the update `trainBatches` applies (0 SGD, 1 momentum, 2 Nesterov, 3 Adam). */
  setOptimizer(
    kind: number,
    momentum: number,
    learningRate64: number,
    beta1: number,
    beta2: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    epsilon: number,
    slots: number,
  ): void;
  /** The optimiser's step count before the next update (Adam's bias correction). */
  setStep(t: number): void;
  /** See `trainBatches` in assembly/kernels-f32.ts: `count` batches of rows stored in order. */
  trainBatches(
    table: number,
    depth: number,
    loss: number,
    x: number,
    y: number,
    n: number,
    batchSize: number,
    count: number,
    learningRate: number,
    l2: number,
    kt: number,
    losses: number,
    corrects: number,
  ): number;
  /**
   * See `evaluateRows` in the kernels: rows [0, n) forward, their loss terms added to the
   * f32 sum at `out`, i32 count at out + 4 (validation in blocks, no backward pass).
   */
  evaluateRows(table: number, depth: number, loss: number, x: number, y: number, n: number, out: number): void;
  /** See `meanLoss` in the kernels: the mean of `rows` rows' loss from `evaluateRows`' sum, plus the L2 penalty. */
  meanLoss(table: number, depth: number, loss: number, rows: number, l2: number, out: number): number;
}

let compiled: WebAssembly.Module | null | undefined;

function compiledModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = typeof WebAssembly === 'object' ? new WebAssembly.Module(decodeBase64(KERNELS_F32_WASM_BASE64)) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** True when the float32 SIMD kernels can run here. */
export function wasmKernelsF32Available(): boolean {
  return compiledModule() !== null;
}

/** A fresh instance with its own memory (one per training run), or undefined when unavailable. */
export function instantiateWasmKernelsF32(): WasmKernelsF32 | undefined {
  const mod = compiledModule();
  if (mod === null) return undefined;
  try {
    return new WebAssembly.Instance(mod, {}).exports as unknown as WasmKernelsF32;
  } catch {
    return undefined;
  }
}
