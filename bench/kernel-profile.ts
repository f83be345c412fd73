/**
 * Where a W2 or W3 batch's time goes in the float64 and float32 WebAssembly kernels: each product
 * and pass of one training batch timed alone, in CPU time (`process.cpuUsage`), as medians of a
 * few rounds. `npx tsx bench/kernel-profile.ts [W2|W3]`.
 */
import { instantiateWasmKernels } from '../src/core/wasm/kernels.js';
import { instantiateWasmKernelsF32 } from '../src/core/wasm/kernels-f32.js';

const SHAPES: Record<string, [number, number, number]> = {
  W2: [32, 30, 64],
  W3: [64, 784, 256],
  L1: [64, 48, 64],
  L2: [64, 256, 256],
};

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Median µs per call of `f` over 5 rounds of `reps` calls. */
function time(f: () => void, reps: number): number {
  const rounds: number[] = [];
  for (let r = 0; r < 6; r++) {
    const t0 = cpuMicros();
    for (let i = 0; i < reps; i++) f();
    if (r > 0) rounds.push((cpuMicros() - t0) / reps);
  }
  rounds.sort((a, b) => a - b);
  return rounds[2];
}

function profile(id: string, bytes: 4 | 8): void {
  const [n, k, m] = SHAPES[id];
  const wasm = bytes === 8 ? instantiateWasmKernels() : instantiateWasmKernelsF32();
  if (!wasm) throw new Error('no WebAssembly SIMD');
  let top = Math.ceil(wasm.heapBase() / 16) * 16;
  const alloc = (count: number) => {
    const at = top;
    top += Math.ceil((count * bytes) / 16) * 16;
    return at;
  };
  const X = alloc(n * k);
  const K = alloc(k * m);
  const b = alloc(m);
  const Z = alloc(n * m);
  const D = alloc(n * m);
  const G = alloc(k * m);
  const K2 = alloc(m);
  const Z2 = alloc(n);
  const G2 = alloc(m);
  wasm.memory.grow(Math.ceil(top / 65536));
  const view = bytes === 8 ? new Float64Array(wasm.memory.buffer) : new Float32Array(wasm.memory.buffer);
  for (let i = 0; i < view.length; i++) view[i] = Math.sin(i) * 0.1;
  const reps = Math.max(20, Math.round(2e8 / (n * k * m)));
  const rows: [string, number][] = [
    ['gemmNN forward X·K', time(() => wasm.gemmNN(X, K, b, Z, n, k, m), reps)],
    ['gemmTN ∂K = Xᵀ·δ', time(() => wasm.gemmTN(X, D, G, n, k, m), reps)],
    ['gemmNN head A·K2', time(() => wasm.gemmNN(Z, K2, 0, Z2, n, m, 1), reps * 20)],
    ['gemmTN ∂K2 = Aᵀ·δ2', time(() => wasm.gemmTN(Z, Z2, G2, n, m, 1), reps * 20)],
  ];
  if (bytes === 8) {
    // activateBackward and sumRows are exported by the module but not part of WasmKernels' interface.
    const w = wasm as NonNullable<ReturnType<typeof instantiateWasmKernels>> & {
      activateBackward(code: number, Z: number, A: number, D: number, n: number, m: number): void;
      sumRows(D: number, out: number, n: number, m: number): void;
    };
    rows.push(['activate sigmoid', time(() => w.activate(0, Z, D, n, m), reps * 5)]);
    rows.push(['activateBackward', time(() => w.activateBackward(0, Z, Z, D, n, m), reps * 5)]);
    rows.push(['sumRows ∂b', time(() => w.sumRows(D, b, n, m), reps * 5)]);
    rows.push(['δ·K2ᵀ (k = 1)', time(() => w.gemmNN(Z2, K2, 0, D, n, 1, m), reps * 5)]);
  }
  const flops = 2 * n * k * m;
  console.log(`${id} float${bytes * 8} (n ${n}, k ${k}, m ${m}); µs per call, CPU time`);
  for (const [name, us] of rows) {
    const gf = name.startsWith('gemm') && !name.includes('2') ? ` ${(flops / us / 1e3).toFixed(2)} GFlop/s` : '';
    console.log(`  ${name.padEnd(22)} ${us.toFixed(2).padStart(9)}${gf}`);
  }
}

const ids = process.argv.slice(2);
for (const id of ids.length > 0 ? ids : ['W2', 'W3']) {
  profile(id, 8);
  profile(id, 4);
}
