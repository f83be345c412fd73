/**
 * Loader of the float64 kernels built over an imported shared memory (the `kernels-shared`
 * module of scripts/build-wasm.mjs: assembly/kernels.ts compiled with --importMemory
 * --sharedMemory). The threads of a split run each instantiate it over the run's one memory,
 * so the weights live there once and every thread's kernels read them in place. Node only: the
 * module is read from `kernels-shared.wasm` beside this file (not embedded, so browser bundles do
 * not carry it) through `process.getBuiltinModule`; every function yields `undefined` where the
 * file, the module or a shared memory cannot be had, and callers fall back.
 */
import type { WasmKernels } from './kernels.js';

/** The module's exports: the float64 kernels', with the packing scratch settable and the split batch's phases. */
export interface SharedWasmKernels extends WasmKernels {
  /** Packs panels at `at` ({@link packScratchBytes} bytes, 16-byte aligned) instead of the static block. */
  setPackScratch(at: number): void;
  /** Bytes of the packing scratch. */
  packScratchBytes(): number;
  /** Phase 1 of a split batch of n rows: Z, A and δ of every layer for rows [r0, r1); KT the thread's transpose scratch. */
  splitRows(
    table: number,
    depth: number,
    lossKind: number,
    X: number,
    Y: number,
    r0: number,
    r1: number,
    n: number,
    KT: number,
  ): void;
  /** Phase 2: slab `part` of `parts` of every layer's kernel (the last one with the biases): its gradients (+ 2·l2·kernel), and the SGD step when lr > 0. */
  splitSlabs(
    table: number,
    depth: number,
    X: number,
    n: number,
    part: number,
    parts: number,
    lr: number,
    l2: number,
  ): void;
  /** The batch's mean loss after phase 1 (no L2 term); its correct count as an i32 at `correct`. */
  splitLoss(table: number, depth: number, lossKind: number, Y: number, n: number, correct: number): number;
}

const PAGE = 65536;
let compiled: WebAssembly.Module | null | undefined;
let probed: { heapBase: number; packBytes: number } | null | undefined;

/** The module's bytes from beside this file, where Node's fs is at hand. */
function moduleBytes(): Uint8Array<ArrayBuffer> | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined;
  // A name in a variable: bundlers would otherwise copy the file as an asset of the browser build.
  const file = './kernels-shared.wasm';
  return fs?.readFileSync(new URL(file, import.meta.url)) as Uint8Array<ArrayBuffer> | undefined;
}

function compiledModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = moduleBytes();
    compiled = bytes ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/**
 * A zero-filled shared memory of at least `bytes`, which never grows (a layout planned up front
 * keeps its addresses), or undefined where shared memories are missing or the size is refused.
 * @param bytes the bytes the run's layout needs
 */
export function createSharedMemory(bytes: number): WebAssembly.Memory | undefined {
  const pages = Math.max(1, Math.ceil(bytes / PAGE));
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return undefined;
  }
}

/**
 * The module's first free byte and its packing scratch's size (from an instance over a one-page
 * memory, made once), or undefined where the module cannot run here.
 */
export function sharedKernelsLayout(): { heapBase: number; packBytes: number } | undefined {
  if (probed === undefined) {
    const memory = createSharedMemory(PAGE);
    const kernels = memory && instantiateSharedWasmKernels(memory);
    probed = kernels ? { heapBase: kernels.heapBase(), packBytes: kernels.packScratchBytes() } : null;
  }
  return probed ?? undefined;
}

/**
 * An instance of the shared-memory kernels over `memory`. Instantiating writes the module's
 * constant tables into the memory again (the same bytes): do it before any thread runs kernels
 * on that memory.
 * @param memory a shared memory from {@link createSharedMemory}
 */
export function instantiateSharedWasmKernels(memory: WebAssembly.Memory): SharedWasmKernels | undefined {
  const mod = compiledModule();
  if (mod === null) return undefined;
  try {
    return new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as SharedWasmKernels;
  } catch {
    return undefined;
  }
}
