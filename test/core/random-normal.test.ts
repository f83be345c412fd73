/**
 * The seeded normals (Marsaglia's polar method over backprop's own log): their moments and
 * tail masses against the standard normal's, and the same stream from the same seed.
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/random.js';

describe('createRandom(seed).normal()', () => {
  it('draws the standard normal: mean, variance, kurtosis and the 1σ/2σ/3σ masses', () => {
    const rng = createRandom(42);
    const n = 400_000;
    let s1 = 0;
    let s2 = 0;
    let s4 = 0;
    const within = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const v = rng.normal();
      s1 += v;
      s2 += v * v;
      s4 += v ** 4;
      for (let k = 0; k < 3; k++) if (Math.abs(v) < k + 1) within[k]++;
    }
    // Standard errors over 400k draws: mean 0.0016, variance 0.0022, kurtosis ~0.012.
    expect(Math.abs(s1 / n)).toBeLessThan(0.008);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.011);
    expect(Math.abs(s4 / n - 3)).toBeLessThan(0.06);
    // Φ(k) − Φ(−k) for k = 1, 2, 3 (erf(k/√2)); binomial standard errors ≤ 0.0008.
    [0.682689492, 0.954499736, 0.997300204].forEach((p, k) => {
      expect(Math.abs(within[k] / n - p)).toBeLessThan(0.004);
    });
  });

  it('gives the same stream for the same seed, and another for another seed', () => {
    const draw = (seed: number) => {
      const rng = createRandom(seed);
      return Array.from({ length: 101 }, () => rng.normal());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(8)).not.toEqual(draw(7));
  });
});
