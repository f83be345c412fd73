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
export function planArena(base: number): { alloc(bytes: number): number; bytes(): number } {
  let top = base;
  return {
    alloc(bytes) {
      top = Math.ceil(top / 16) * 16;
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

/** Where one shard's kernels work in a sharded run's shared memory (byte addresses). */
export interface ShardRegion {
  /** Its layer table: the shared weights, its gradient slot, its own Z, A and δ. */
  readonly table: number;
  /** Its transposed-kernel and packing scratch. */
  readonly kt: number;
  readonly pack: number;
  /** Its mean loss (f64) and correct count (i32), as `trainBatches` writes them. */
  readonly loss: number;
  readonly correct: number;
}

/**
 * A sharded run's one shared memory (docs/threads.md): the batch, the weights once, one gradient
 * slot of P doubles per shard back to back (slot k at `grads` + k·P·8), and — when the shared
 * kernels compute the shards — each shard's own region, so that two threads never write the same
 * bytes. The weights and each slot are in `parameterArrays` order without gaps, the layout the
 * JavaScript update and `networkOver` read.
 */
export interface ShardedLayout {
  /** The batch's inputs and targets, `rows` rows, gathered there by the calling thread. */
  readonly x: number;
  readonly y: number;
  readonly params: number;
  readonly grads: number;
  /** Scratch the kernels are given for xb/yb (never written: no order is passed). */
  readonly xb: number;
  readonly yb: number;
  /** One per shard when the shared kernels run, else none. */
  readonly shards: readonly ShardRegion[];
  /** Bytes the memory must hold. */
  readonly bytes: number;
}

/**
 * Plans a sharded run's memory from `base`; with `packBytes` > 0 (the shared kernels compute the
 * shards), each shard's region for shards of up to `shardRows` rows. `writeTables` writes the
 * regions' layer tables into the memory once it exists (the calling thread, before any other).
 * @param base the first free byte (the shared module's heap base, or 0 without kernels)
 * @param net the network (its shapes and activations)
 * @param rows the largest batch
 * @param shardRows the largest shard
 * @param shards the number of shards
 * @param packBytes the kernels' packing scratch, or 0 when no kernels run over the memory
 */
export function layoutShards(
  base: number,
  net: Network,
  rows: number,
  shardRows: number,
  shards: number,
  packBytes: number,
): { layout: ShardedLayout; writeTables(buffer: ArrayBufferLike): void } {
  const { alloc, bytes } = planArena(base);
  const widths = [net.inputSize, ...net.layers.map((l) => l.bias.length)];
  const sizes = net.layers.map((_, i) => widths[i] * widths[i + 1]);
  const P = net.layers.reduce((n, l, i) => n + sizes[i] + l.bias.length, 0);
  const x = alloc(rows * net.inputSize * 8);
  const y = alloc(rows * widths[widths.length - 1] * 8);
  const params = alloc(P * 8);
  const grads = alloc(shards * P * 8);
  const xb = alloc(16);
  const yb = alloc(16);
  const regions: ShardRegion[] = [];
  const tables: number[][] = [];
  for (let k = 0; packBytes > 0 && k < shards; k++) {
    const region = {
      table: alloc(net.layers.length * FIELDS * 4),
      kt: alloc(Math.max(...sizes) * 8),
      pack: alloc(packBytes),
      loss: alloc(8),
      correct: alloc(8),
    };
    regions.push(region);
    // The weights and slot k as parameterArrays lays them out: kernel 1, bias 1, kernel 2, …
    let off = 0;
    const fields: number[] = [];
    net.layers.forEach((l, i) => {
      const m = widths[i + 1];
      const [K, b] = [off, off + sizes[i] * 8];
      off = b + m * 8;
      const rowsBytes = shardRows * m * 8;
      const [Z, A, D] = [alloc(rowsBytes), alloc(rowsBytes), alloc(rowsBytes)];
      const slot = grads + k * P * 8;
      fields.push(
        widths[i],
        m,
        ACTIVATION_CODES[l.activation.name],
        params + K,
        params + b,
        slot + K,
        slot + b,
        Z,
        A,
        D,
      );
      fields.push(0, 0); // the table's stride is FIELDS
    });
    tables.push(fields);
  }
  return {
    layout: { x, y, params, grads, xb, yb, shards: regions, bytes: bytes() },
    writeTables(buffer) {
      regions.forEach((r, k) => new Int32Array(buffer, r.table, tables[k].length).set(tables[k]));
    },
  };
}
