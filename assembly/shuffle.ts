// The epochs' shuffle in WebAssembly: `shuffle` of src/core/random.ts (Fisher–Yates over a u32
// index array with xoshiro128** draws) step by step, the same integer operations and the same
// float64 ones for the index j, so it gives the same permutation and leaves the generator in
// the same state. The batch-1 kernels take one step per example, shuffling the next epoch's
// order while the current one trains: the steps are integer work and one swap, off the chain of
// floating-point updates that bounds an example, so they run in its idle execution slots.
//
// A shuffle's state, 24 bytes at `sh`: the generator's words s0…s3 (i32, as the Int32Array of
// src/core/random.ts holds them), at 16 the index i of the next step (which swaps order[i] with
// order[j], j ≤ i; the shuffle is done at i = 0) and at 20 the address of the u32 order.

/** xoshiro128**'s next output from the state at `sh`, which it advances (`xoshiroNext` in random.ts). */
// @ts-ignore: decorator
@inline
function next(sh: usize): u32 {
  const s0 = load<u32>(sh);
  const b = load<u32>(sh, 4);
  let s2 = load<u32>(sh, 8);
  let s3 = load<u32>(sh, 12);
  const result = rotl<u32>(b * 5, 7) * 9;
  s2 ^= s0;
  s3 ^= b;
  store<u32>(sh, b ^ s2, 4);
  store<u32>(sh, s0 ^ s3);
  store<u32>(sh, s2 ^ (b << 9), 8);
  store<u32>(sh, rotl<u32>(s3, 11), 12);
  return result;
}

/** One Fisher–Yates step of the shuffle at `sh`, if any is left. */
// @ts-ignore: decorator
@inline
export function shuffleStep(sh: usize): void {
  const i = load<i32>(sh, 16);
  if (i <= 0) return;
  const hi = next(sh) >>> 5;
  const lo = next(sh) >>> 6;
  // random.ts: floor(((hi·2^26 + lo) / 2^53)·(i + 1)); the sum is an exact integer < 2^53, and
  // dividing it by 2^53 is exact, so multiplying by 2^−53 gives the same value.
  const u = (<f64>hi * 67108864.0 + <f64>lo) * 1.1102230246251565e-16;
  const j = <usize>(<i32>Math.floor(u * <f64>(i + 1)));
  const order = <usize>load<u32>(sh, 20);
  const at = order + <usize>i * 4;
  const tmp = load<u32>(at);
  store<u32>(at, load<u32>(order + j * 4));
  store<u32>(order + j * 4, tmp);
  store<i32>(sh, i - 1, 16);
}

/** Runs the shuffle at `sh` to its end (the steps the kernels did not take). */
export function shuffleRest(sh: usize): void {
  while (load<i32>(sh, 16) > 0) shuffleStep(sh);
}
