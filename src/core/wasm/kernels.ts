/**
 * Loader of the WebAssembly SIMD kernels (assembly/kernels.ts, compiled at build time and
 * embedded as base64 in `kernels.generated.ts`). Loading is synchronous — the module is a few
 * kilobytes — and silently yields `undefined` where WebAssembly or its SIMD proposal is missing
 * (old browsers), so callers fall back to JavaScript. See docs/wasm.md.
 */
import { KERNELS_WASM_BASE64 } from './kernels.generated.js';

/** The module's exports. Pointers are byte offsets into `memory`. */
export interface WasmKernels {
  readonly memory: WebAssembly.Memory;
  /** First free byte after the module's own static data. */
  heapBase(): number;
  /** C[n×m] = A[n×k]·B[k×m] (+ bias when bias ≠ 0), in the reference `matmul` order. */
  gemmNN(A: number, B: number, bias: number, C: number, n: number, k: number, m: number): void;
  /** G[k×m] = A[n×k]ᵀ·D[n×m], in the reference `matmulTransA` order. */
  gemmTN(A: number, D: number, G: number, n: number, k: number, m: number): void;
  /** A = f(Z) for an n×m block (activation codes: sigmoid 0, tanh 1, relu 2, linear 3, softmax 4). */
  activate(code: number, Z: number, A: number, n: number, m: number): void;
  /** e^x by backprop's own exp (src/core/exp.ts's algorithm): the bits of `exp` there, on every host. */
  exp(x: number): number;
  /** dst[i] = e^src[i] for i < n, pairs through the kernels' two-lane exp (for tests). */
  expPairs(src: number, dst: number, n: number): void;
  /** log, log1p, expm1 and tanh by fdlibm's algorithms: the bits of src/core/libm.ts's, on every host (for tests). */
  log(x: number): number;
  log1p(x: number): number;
  expm1(x: number): number;
  tanh(x: number): number;
  /** See `sgd1Epoch` in assembly/kernels.ts: an epoch of batch-1 plain SGD; returns the steps run. */
  sgd1Epoch(
    table: number,
    depth: number,
    loss: number,
    x: number,
    y: number,
    order: number,
    n: number,
    learningRate: number,
    out: number,
  ): number;
  /** See `sgd1TwoLayer` in assembly/kernels.ts: `sgd1Epoch` specialised to in-h-1 sigmoid/BCE networks. */
  sgd1TwoLayer(
    table: number,
    x: number,
    y: number,
    order: number,
    n: number,
    learningRate: number,
    scratch: number,
    out: number,
  ): number;
  /** See `trainBatches` in assembly/kernels.ts. */
  trainBatches(
    table: number,
    depth: number,
    loss: number,
    x: number,
    y: number,
    order: number,
    n: number,
    batchSize: number,
    first: number,
    count: number,
    learningRate: number,
    l2: number,
    xb: number,
    yb: number,
    kt: number,
    losses: number,
    corrects: number,
  ): number;
  /**
   * See `evaluateRows` in the kernels: rows [0, n) forward, their loss terms added to the
   * f64 sum at `out`, i32 count at out + 8 (validation in blocks, no backward pass).
   */
  evaluateRows(table: number, depth: number, loss: number, x: number, y: number, n: number, out: number): void;
  /**
   * See assembly/shuffle.ts: `Random.shuffle` of the u32 array of n indices at `order`, with the
   * generator's four state words (i32) at `state`, which it advances.
   */
  shuffleIndices(state: number, order: number, n: number): void;
  /** See `meanLoss` in the kernels: the mean of `rows` rows' loss from `evaluateRows`' sum, plus the L2 penalty. */
  meanLoss(table: number, depth: number, loss: number, rows: number, l2: number, out: number): number;
}

let compiled: WebAssembly.Module | null | undefined;
/** The bytes of a base64 string (atob: in browsers and Node alike). */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** The compiled module, or null when this runtime cannot compile it (no WebAssembly or SIMD). */
function compiledModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = typeof WebAssembly === 'object' ? new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64)) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/**
 * Compiles the kernels asynchronously ahead of first use, for a browser's main thread where
 * synchronous compilation may be refused; resolves to whether they are available. Optional
 * in Node and workers, where the first training run compiles them synchronously.
 */
export async function preloadWasmKernels(): Promise<boolean> {
  if (compiled !== undefined) return compiled !== null;
  try {
    compiled = await WebAssembly.compile(decodeBase64(KERNELS_WASM_BASE64));
  } catch {
    compiled = null;
  }
  return compiled !== null;
}

/** True when the SIMD kernels can run here. */
export function wasmKernelsAvailable(): boolean {
  return compiledModule() !== null;
}

/**
 * A fresh instance of the kernels with its own memory (one per training run, so that growing
 * one run's memory never detaches another's views), or undefined when unavailable.
 */
export function instantiateWasmKernels(): WasmKernels | undefined {
  const mod = compiledModule();
  if (mod === null) return undefined;
  try {
    // No imports: exp, log, log1p and tanh are the module's own, the reference path's algorithms.
    return new WebAssembly.Instance(mod, {}).exports as unknown as WasmKernels;
  } catch {
    return undefined;
  }
}
