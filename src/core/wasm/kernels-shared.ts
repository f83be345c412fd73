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

/** The module's exports: the float64 kernels', with the packing scratch settable and the split batch's steps. */
export interface SharedWasmKernels extends WasmKernels {
  /** Packs panels at `at` ({@link packScratchBytes} bytes, 16-byte aligned) instead of the static block. */
  setPackScratch(at: number): void;
  /** Bytes of the packing scratch. */
  packScratchBytes(): number;
  /** Layer l's Z and A for its units [j0, j1) over a batch of n rows (X: the batch's input). */
  unitsForward(table: number, l: number, X: number, n: number, j0: number, j1: number): void;
  /** δ at the output layer, all its units, for a batch of n rows with targets Y. */
  unitsHead(table: number, depth: number, lossKind: number, Y: number, n: number): void;
  /** δ of layer l − 1 for its units [p0, p1), through those rows of layer l's kernel; KT the thread's transpose scratch. */
  unitsPassDown(table: number, l: number, n: number, p0: number, p1: number, KT: number): void;
  /** Layer l's kernel and bias gradients for its units [j0, j1) (+ 2·l2·kernel), then their SGD step when lr > 0. */
  unitsGradient(table: number, l: number, X: number, n: number, j0: number, j1: number, l2: number, lr: number): void;
  /** The SGD step of layer l's units [j0, j1). */
  unitsUpdate(table: number, l: number, j0: number, j1: number, lr: number): void;
  /** Layer l's kernel into its tiles (a layer with tiles: table fields 10 and 11). */
  toTiles(table: number, l: number): void;
  /** Layer l's kernel back from its tiles. */
  fromTiles(table: number, l: number): void;
  /** Σ kernel² of layer l from its tiles, summed in row-major order. */
  tiledSquaredNorm(table: number, l: number): number;
  /** The batch's mean loss once the output layer is computed (no L2 term); its correct count as an i32 at `correct`. */
  splitLoss(table: number, depth: number, lossKind: number, Y: number, n: number, correct: number): number;
}

const PAGE = 65536;
let compiled: WebAssembly.Module | null | undefined;
let probed: SharedKernelsInfo | null | undefined;

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

/** What a split run's memory layout needs to know of the module. */
export interface SharedKernelsInfo {
  /** The first byte the module leaves free. */
  heapBase: number;
  /** Bytes of a thread's packing scratch. */
  packBytes: number;
}

/**
 * The module's first free byte and its scratch sizes (from an instance over a one-page memory,
 * made once), or undefined where the module cannot run here.
 */
export function sharedKernelsLayout(): SharedKernelsInfo | undefined {
  if (probed === undefined) {
    const memory = createSharedMemory(PAGE);
    const k = memory && instantiateSharedWasmKernels(memory);
    probed = k ? { heapBase: k.heapBase(), packBytes: k.packScratchBytes() } : null;
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
