/**
 * How the training kernels (assembly/kernels.ts) find a network in WebAssembly linear memory: a
 * bump allocator from the module's heap base, each layer's arrays, and the layer table the
 * kernels read them through. The one memory set-up of the WebAssembly engine, for `fit` and for
 * the thread shards of `fitParallel` alike. Activation codes are the vocabulary's
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

export function createArena(wasm: WasmKernels): WasmArena {
  let top = wasm.heapBase();
  return {
    alloc(bytes) {
      top = Math.ceil(top / 16) * 16;
      const at = top;
      top += bytes;
      return at;
    },
    commit() {
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

/** A network laid out for batches of up to `rows` examples; see {@link layoutNetwork}. */
export interface NetworkLayout {
  /** Address of the layer table. */
  readonly table: number;
  /** Scratch for one transposed kernel (the widest). */
  readonly kt: number;
  /**
   * Writes the layer table into the committed memory and returns views of the parameters and
   * their gradients, in `parameterArrays` order (kernel 1, bias 1, kernel 2, …).
   */
  bind(buffer: ArrayBuffer): { params: Float64Array[]; grads: Float64Array[] };
}

/** Reserves each layer's kernel, bias, their gradients and its Z, A and δ for `rows` examples. */
export function layoutNetwork(arena: WasmArena, net: Network, rows: number): NetworkLayout {
  const widths = [net.inputSize, ...net.layers.map((l) => l.bias.length)];
  const table = arena.alloc(net.layers.length * FIELDS * 4);
  const layers = net.layers.map((l, i) => {
    const k = widths[i];
    const m = widths[i + 1];
    return {
      k,
      m,
      K: arena.alloc(k * m * 8),
      b: arena.alloc(m * 8),
      gK: arena.alloc(k * m * 8),
      gb: arena.alloc(m * 8),
      Z: arena.alloc(rows * m * 8),
      A: arena.alloc(rows * m * 8),
      D: arena.alloc(rows * m * 8),
      act: ACTIVATION_CODES[l.activation.name],
    };
  });
  const kt = arena.alloc(Math.max(...layers.map((l) => l.k * l.m)) * 8);
  return {
    table,
    kt,
    bind(buffer) {
      const view = new Int32Array(buffer, table, layers.length * FIELDS);
      layers.forEach((l, i) => {
        view.set([l.k, l.m, l.act, l.K, l.b, l.gK, l.gb, l.Z, l.A, l.D], i * FIELDS);
      });
      const f64 = (at: number, len: number) => new Float64Array(buffer, at, len);
      return {
        params: layers.flatMap((l) => [f64(l.K, l.k * l.m), f64(l.b, l.m)]),
        grads: layers.flatMap((l) => [f64(l.gK, l.k * l.m), f64(l.gb, l.m)]),
      };
    },
  };
}
