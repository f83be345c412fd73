/**
 * Seeded pseudo-random numbers: xoshiro128** seeded through splitmix32.
 *
 * Chosen because it is small, fast in 32-bit integer arithmetic (which JavaScript does exactly),
 * passes the usual statistical batteries, and gives the same stream in every JavaScript engine,
 * so one seed reproduces a run bit for bit in Node and in the browser.
 */
import { ConfigError } from './errors.js';
import { log } from './libm.js';

/** A deterministic source of random numbers. */
export interface Random {
  /** Uniform float64 in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform float64 in [low, high). */
  uniform(low: number, high: number): number;
  /** Standard normal N(0, 1) (Box–Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T;
  /**
   * The generator's state, xoshiro128**'s four words, live: for code that draws the same numbers
   * elsewhere and hands the state back (the WebAssembly kernels' shuffle, assembly/shuffle.ts).
   */
  readonly state: Int32Array;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A new generator. Any finite number is a valid seed; its integer part (mod 2³²) together with
 * its high 32 bits picks the stream.
 */
export function createRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new ConfigError(`seed must be a finite number, got ${seed}`);
  const mix = splitmix32((Math.trunc(seed) >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) >>> 0, 0x27d4eb2d));
  // The state (a, b, c, d) in a typed array rather than captured variables: V8 boxes a captured
  // int32 outside the small-integer range on every write, an allocation per number drawn.
  const s = Int32Array.of(mix(), mix(), mix(), mix());
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // the all-zero state is a fixed point

  function nextUint32(): number {
    return xoshiroNext(s);
  }

  /**
   * `shuffle` for an index array, with the same draws and swaps: a loop of its own keeps its
   * element accesses monomorphic (the generic one also shuffles plain arrays), which makes an
   * epoch's shuffle of 144,000 indices about twice as fast.
   */
  function shuffleIndices(items: Uint32Array): Uint32Array {
    for (let i = items.length - 1; i > 0; i--) {
      const hi = xoshiroNext(s) >>> 5;
      const lo = xoshiroNext(s) >>> 6;
      const j = Math.floor(((hi * 67108864 + lo) / 9007199254740992) * (i + 1));
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  // The polar method makes normals in pairs; the spare waits in a typed array, not a captured
  // variable, because V8 boxes a captured double on every write.
  const spare = new Float64Array(1);
  let hasSpare = false;

  const random: Random = {
    state: s,
    next() {
      const hi = nextUint32() >>> 5; // 27 bits
      const lo = nextUint32() >>> 6; // 26 bits
      return (hi * 67108864 + lo) / 9007199254740992;
    },
    uniform(low, high) {
      return low + (high - low) * random.next();
    },
    normal() {
      if (hasSpare) {
        hasSpare = false;
        return spare[0];
      }
      // Marsaglia's polar method: a point (u, v) uniform in the unit disc gives two independent
      // normals u·m and v·m, m = √(−2 ln s / s), s = u² + v². Box–Muller's sin and cos would give
      // other bits in browsers than in Node; √ is exact everywhere and log is ours (libm.ts).
      let u = 0;
      let v = 0;
      let s = 0;
      do {
        u = 2 * random.next() - 1;
        v = 2 * random.next() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const m = Math.sqrt((-2 * log(s)) / s);
      spare[0] = v * m;
      hasSpare = true;
      return u * m;
    },
    int(n) {
      return Math.floor(random.next() * n);
    },
    shuffle(items) {
      if (items instanceof Uint32Array) return shuffleIndices(items) as unknown as typeof items;
      for (let i = items.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        const tmp = items[i];
        items[i] = items[j];
        items[j] = tmp;
      }
      return items;
    },
  };
  return random;
}

/** xoshiro128**'s next output (as a uint32) from the state [a, b, c, d], which it advances. */
function xoshiroNext(s: Int32Array): number {
  const b = s[1];
  const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
  const t = b << 9;
  s[2] ^= s[0];
  s[3] ^= b;
  s[1] = b ^ s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
