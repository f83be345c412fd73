// The epochs' shuffle in WebAssembly: `shuffle` of src/core/random.ts (Fisher–Yates over a u32
// index array with xoshiro128** draws), the same integer operations and the same float64 ones
// for the index j, so it gives the same permutation and leaves the generator in the same state.
// An engine that holds the epoch's order in its memory shuffles it here, in place, instead of
// in JavaScript and copying it in.

/** xoshiro128**'s next output from the state at `s`, which it advances (`xoshiroNext` in random.ts). */
// @ts-ignore: decorator
@inline
function next(s: usize): u32 {
  const s0 = load<u32>(s);
  const b = load<u32>(s, 4);
  let s2 = load<u32>(s, 8);
  let s3 = load<u32>(s, 12);
  const result = rotl<u32>(b * 5, 7) * 9;
  s2 ^= s0;
  s3 ^= b;
  store<u32>(s, b ^ s2, 4);
  store<u32>(s, s0 ^ s3);
  store<u32>(s, s2 ^ (b << 9), 8);
  store<u32>(s, rotl<u32>(s3, 11), 12);
  return result;
}

/**
 * Shuffles the n u32 indices at `order` in place as `Random.shuffle` does, drawing from the
 * generator whose four state words (s0…s3, as the Int32Array of random.ts holds them) are at
 * `state`, and advancing them.
 */
export function shuffleIndices(state: usize, order: usize, n: i32): void {
  for (let i = n - 1; i > 0; i--) {
    const hi = next(state) >>> 5;
    const lo = next(state) >>> 6;
    // random.ts: floor(((hi·2^26 + lo) / 2^53)·(i + 1)); the sum is an exact integer < 2^53, and
    // dividing it by 2^53 is exact, so multiplying by 2^−53 gives the same value.
    const u = (<f64>hi * 67108864.0 + <f64>lo) * 1.1102230246251565e-16;
    const j = <usize>(<i32>Math.floor(u * <f64>(i + 1)));
    const at = order + <usize>i * 4;
    const tmp = load<u32>(at);
    store<u32>(at, load<u32>(order + j * 4));
    store<u32>(order + j * 4, tmp);
  }
}
