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

/** An arena in `wasm`'s memory (either module's: they share the layout). */
export function createArena(wasm: Pick<WasmKernels, 'heapBase' | 'memory'>): WasmArena {
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
export function layoutNetwork(arena: WasmArena, net: Network, rows: number): NetworkLayout<Float64Array> {
  return layoutValues(arena, net, rows, Float64Array);
}

/** {@link layoutNetwork} with float32 values, for the float32 kernels (assembly/kernels-f32.ts). */
export function layoutNetworkF32(arena: WasmArena, net: Network, rows: number): NetworkLayout<Float32Array> {
  return layoutValues(arena, net, rows, Float32Array);
}

function layoutValues<V>(arena: WasmArena, net: Network, rows: number, type: ValueType<V>): NetworkLayout<V> {
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
