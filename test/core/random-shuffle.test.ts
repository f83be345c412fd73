/**
 * The seeded generator against a plain transcription of its published algorithms (splitmix32
 * seeding, xoshiro128**, 53-bit floats, Fisher–Yates), and the index-array shuffle `fit` uses
 * against the generic one: the same seed must give the same numbers and permutations, since
 * every saved model depends on them.
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/random.js';

/** xoshiro128** seeded by splitmix32 as createRandom documents it, in BigInt-free 32-bit steps. */
function transcription(seed: number) {
  let sm = seed >>> 0;
  const mix = () => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = [mix(), mix(), mix(), mix()];
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const u32 = () => {
    const out = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return out;
  };
  const next = () => ((u32() >>> 5) * 2 ** 26 + (u32() >>> 6)) / 2 ** 53;
  return {
    next,
    shuffle(items: number[]) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j], items[i]];
      }
      return items;
    },
  };
}

describe('createRandom', () => {
  it.each([0, 1, 7, 123456789])('seed %i: the same floats as the algorithms written out', (seed) => {
    const rng = createRandom(seed);
    const ref = transcription(seed);
    for (let i = 0; i < 1000; i++) expect(rng.next()).toBe(ref.next());
  });

  it.each([0, 3, 42])(
    'seed %i: a Uint32Array shuffles as a plain array and as Fisher–Yates written out, epoch after epoch',
    (seed) => {
      const n = 10_007;
      const indices = Uint32Array.from({ length: n }, (_, i) => i);
      const plain = Array.from({ length: n }, (_, i) => i);
      const written = Array.from({ length: n }, (_, i) => i);
      const a = createRandom(seed);
      const b = createRandom(seed);
      const ref = transcription(seed);
      for (let epoch = 0; epoch < 3; epoch++) {
        a.shuffle(indices);
        b.shuffle(plain);
        ref.shuffle(written);
        expect(Array.from(indices)).toEqual(plain);
        expect(plain).toEqual(written);
        // The stream goes on from the same state after either shuffle.
        const after = [a.next(), b.next(), ref.next()];
        expect(after).toEqual([after[2], after[2], after[2]]);
      }
      expect(Array.from(indices)).not.toEqual(Array.from({ length: n }, (_, i) => i));
    },
  );
});
