/**
 * How the training kernels (assembly/kernels.ts) find a network in WebAssembly linear memory: a
 * bump allocator from the module's heap base, each layer's arrays, and the layer table the
 * kernels read them through. The one memory set-up of the WebAssembly engine, for `fit` on one
 * thread and for a batch split between threads alike. Activation codes are the vocabulary's
 * (ACTIVATION_CODES, from which assembly/codes.ts is generated).
 */
import type { WasmKernels } from '../../core/wasm/kernels.js';
import { ACTIVATION_CODES } from '../../nn/activations.js';
import type { Network } from '../../nn/network.js';

/** Stride, in 32-bit fields, of a layer's entry in the layer table. */
const FIELDS = 12;

/** Space in an instance's memory, handed out in 16-byte-aligned blocks. */
export interface WasmArena {
  /** Reserves `bytes` and returns their address. */
  alloc(bytes: number): number;
  /** Grows the memory to hold everything reserved; false when the runtime refuses. */
  commit(): boolean;
}

/** An arena in `wasm`'s memory (either module's: they share the layout). */
export function createArena(wasm: Pick<WasmKernels, 'heapBase' | 'memory'>): WasmArena {
  const planned = planArena(wasm.heapBase());
  return {
    alloc: planned.alloc,
    commit() {
      const top = planned.bytes();
      const need = Math.ceil(top / 65536) - wasm.memory.buffer.byteLength / 65536;
      try {
        if (need > 0) wasm.memory.grow(need);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * Space from `base` in a memory not made yet: `bytes()` is what it must hold (a shared memory,
 * sized once before the threads start).
 * @param base the first free byte
 */
export function planArena(base: number): { alloc(bytes: number, align?: number): number; bytes(): number } {
  let top = base;
  return {
    alloc(bytes, align = 16) {
      top = Math.ceil(top / align) * align;
      const at = top;
      top += bytes;
      return at;
    },
    bytes: () => top,
  };
}

/** A network laid out for batches of up to `rows` examples; see {@link layoutNetwork}. */
export interface NetworkLayout<V = Float64Array> {
  /** Address of the layer table. */
  readonly table: number;
  /** Scratch for one transposed kernel (the widest). */
  readonly kt: number;
  /**
   * Writes the layer table into the committed memory and returns views of the parameters and
   * their gradients, in `parameterArrays` order (kernel 1, bias 1, kernel 2, …).
   */
  bind(buffer: ArrayBuffer): { params: V[]; grads: V[] };
}

/** A typed-array type the layout can hold its values in. */
interface ValueType<V> {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: ArrayBuffer, at: number, length: number): V;
}

/** Reserves each layer's kernel, bias, their gradients and its Z, A and δ for `rows` examples, as float64. */
export function layoutNetwork(
  arena: Pick<WasmArena, 'alloc'>,
  net: Network,
  rows: number,
): NetworkLayout<Float64Array> {
  return layoutValues(arena, net, rows, Float64Array);
}

/** {@link layoutNetwork} with float32 values, for the float32 kernels (assembly/kernels-f32.ts). */
export function layoutNetworkF32(
  arena: Pick<WasmArena, 'alloc'>,
  net: Network,
  rows: number,
): NetworkLayout<Float32Array> {
  return layoutValues(arena, net, rows, Float32Array);
}

function layoutValues<V>(
  arena: Pick<WasmArena, 'alloc'>,
  net: Network,
  rows: number,
  type: ValueType<V>,
): NetworkLayout<V> {
  const size = type.BYTES_PER_ELEMENT;
  const widths = [net.inputSize, ...net.layers.map((l) => l.bias.length)];
  const table = arena.alloc(net.layers.length * FIELDS * 4);
  const layers = net.layers.map((l, i) => {
    const k = widths[i];
    const m = widths[i + 1];
    return {
      k,
      m,
      K: arena.alloc(k * m * size),
      b: arena.alloc(m * size),
      gK: arena.alloc(k * m * size),
      gb: arena.alloc(m * size),
      Z: arena.alloc(rows * m * size),
      A: arena.alloc(rows * m * size),
      D: arena.alloc(rows * m * size),
      act: ACTIVATION_CODES[l.activation.name],
    };
  });
  const kt = arena.alloc(Math.max(...layers.map((l) => l.k * l.m)) * size);
  return {
    table,
    kt,
    bind(buffer) {
      const view = new Int32Array(buffer, table, layers.length * FIELDS);
      layers.forEach((l, i) => {
        view.set([l.k, l.m, l.act, l.K, l.b, l.gK, l.gb, l.Z, l.A, l.D], i * FIELDS);
      });
      const values = (at: number, len: number) => new type(buffer, at, len);
      return {
        params: layers.flatMap((l) => [values(l.K, l.k * l.m), values(l.b, l.m)]),
        grads: layers.flatMap((l) => [values(l.gK, l.k * l.m), values(l.gb, l.m)]),
      };
    },
  };
}

/** One thread's own bytes in a split run's shared memory (byte addresses). */
export interface SplitScratch {
  /** Its transposed-kernel and packing scratch. */
  readonly kt: number;
  readonly pack: number;
  /** Where `splitLoss` writes the correct count (i32). */
  readonly correct: number;
}

/**
 * A split run's one shared memory (docs/threads.md): two batch buffers (a batch is gathered into
 * one while the threads read the other), one layer table, the weights and their gradients once,
 * each in `parameterArrays` order without gaps (the layout the JavaScript optimiser and
 * `networkOver` read), the tiled layers' kernels and gradients as tiles too, every layer's Z, A
 * and δ for the whole batch, and each thread's scratch. Arrays start on
 * 64-byte cache lines, so that two threads writing different arrays never share a line.
 */
export interface SplitLayout {
  /** The batch's inputs and targets, `rows` rows, for even and odd rounds. */
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  readonly table: number;
  readonly params: number;
  readonly grads: number;
  /** One per thread. */
  readonly threads: readonly SplitScratch[];
  /** Bytes the memory must hold. */
  readonly bytes: number;
}

/**
 * Plans a split run's memory from `base`. `writeTable` writes the layer table into the memory
 * once it exists (the calling thread, before any other).
 * @param base the first free byte (the shared module's heap base)
 * @param net the network (its shapes and activations)
 * @param rows the largest batch
 * @param threads the threads of the run
 * @param packBytes the kernels' packing scratch
 * @param tiled which layers keep their kernel and its gradients as tiles as well (assembly/kernels.ts, "Tiles")
 */
export function layoutSplit(
  base: number,
  net: Network,
  rows: number,
  threads: number,
  packBytes: number,
  tiled: readonly boolean[] = [],
): { layout: SplitLayout; writeTable(buffer: ArrayBufferLike): void } {
  const arena = planArena(base);
  const alloc = (bytes: number) => arena.alloc(bytes, 64);
  const widths = [net.inputSize, ...net.layers.map((l) => l.bias.length)];
  const sizes = net.layers.map((_, i) => widths[i] * widths[i + 1]);
  const P = net.layers.reduce((n, l, i) => n + sizes[i] + l.bias.length, 0);
  const nOut = widths[widths.length - 1];
  const x: [number, number] = [alloc(rows * net.inputSize * 8), alloc(rows * net.inputSize * 8)];
  const y: [number, number] = [alloc(rows * nOut * 8), alloc(rows * nOut * 8)];
  const table = alloc(net.layers.length * FIELDS * 4);
  const params = alloc(P * 8);
  const grads = alloc(P * 8);
  const fields: number[] = [];
  let off = 0;
  net.layers.forEach((l, i) => {
    const m = widths[i + 1];
    const [K, b] = [off, off + sizes[i] * 8];
    off = b + m * 8;
    const [Z, A, D] = [alloc(rows * m * 8), alloc(rows * m * 8), alloc(rows * m * 8)];
    const act = ACTIVATION_CODES[l.activation.name];
    // Tiles: runs of 4 columns, the last one padded.
    const tileBytes = widths[i] * Math.ceil(m / 4) * 4 * 8;
    const [T, gT] = tiled[i] ? [alloc(tileBytes), alloc(tileBytes)] : [0, 0];
    fields.push(widths[i], m, act, params + K, params + b, grads + K, grads + b, Z, A, D, T, gT);
  });
  const scratch = Array.from({ length: threads }, () => ({
    kt: alloc(Math.max(...sizes) * 8),
    pack: alloc(packBytes),
    correct: alloc(8),
  }));
  return {
    layout: { x, y, table, params, grads, threads: scratch, bytes: arena.bytes() },
    writeTable(buffer) {
      new Int32Array(buffer, table, fields.length).set(fields);
    },
  };
}
