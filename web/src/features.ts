/**
 * Derived input features of the 2-D data: what the network sees is a choice of x1, x2, x1², x2²,
 * x1·x2, sin x1 and sin x2. XOR with (x1, x2, x1·x2) gives the notes' three-input network.
 */
import type { FeatureName } from './settings.js';

const DERIVE: Record<FeatureName, (x1: number, x2: number) => number> = {
  x1: (x1) => x1,
  x2: (_, x2) => x2,
  x1sq: (x1) => x1 * x1,
  x2sq: (_, x2) => x2 * x2,
  x1x2: (x1, x2) => x1 * x2,
  sinx1: (x1) => Math.sin(x1),
  sinx2: (_, x2) => Math.sin(x2),
};

/** Writes the chosen features of the point (x1, x2) into `out` from `offset`. */
export function deriveFeatures(
  features: readonly FeatureName[],
  x1: number,
  x2: number,
  out: Float64Array,
  offset = 0,
): void {
  for (let j = 0; j < features.length; j++) out[offset + j] = DERIVE[features[j]](x1, x2);
}
