/**
 * The instance of a kernels module that the last run to end normally left behind, for the next
 * run of that module to take. Its memory is grown and its pages are touched already: a page of a
 * fresh memory costs ~16 µs to fault in on the VMs we measure on (W3 in float32: ~10 ms a `fit`
 * call, 3 % of a one-epoch call), so a loop of short `fit` calls would pay it every time.
 */

/** The largest memory kept for the next run (the threads' shared memory is kept to the same size). */
export const SPARE_MAX_BYTES = 64 * 2 ** 20;

/** An instance as far as keeping it goes: its memory and where its free bytes start. */
interface Instance {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
}

/** One slot holding a spare instance of one module. */
export interface SpareInstance<K extends Instance> {
  /** The spare instance, its bytes from the heap base up zeroed (as a fresh one's are), or undefined. */
  take(): K | undefined;
  /** Keeps `kernels` for the next run, if its memory is at most {@link SPARE_MAX_BYTES}; the caller must not touch it again. */
  keep(kernels: K): void;
}

/** An empty slot. */
export function createSpareInstance<K extends Instance>(): SpareInstance<K> {
  let spare: K | undefined;
  return {
    take() {
      const k = spare;
      spare = undefined;
      // Zeroed so that a run sees what a fresh instance shows (memset speed: ~0.3 ms for 2 MB).
      if (k !== undefined) new Uint8Array(k.memory.buffer, k.heapBase()).fill(0);
      return k;
    },
    keep(kernels) {
      spare = kernels.memory.buffer.byteLength <= SPARE_MAX_BYTES ? kernels : undefined;
    },
  };
}
