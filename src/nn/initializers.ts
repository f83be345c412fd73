/**
 * Weight initialisers, as in Keras: `glorot_uniform` for kernels and `zeros` for biases are
 * Keras's Dense defaults. Every draw comes from the caller's seeded {@link Random}.
 */
import { ConfigError } from '../core/errors.js';
import type { Random } from '../core/random.js';

export type InitializerName = 'glorot_uniform' | 'glorot_normal' | 'he_uniform' | 'he_normal' | 'zeros';

export const INITIALIZER_NAMES: readonly InitializerName[] = [
  'glorot_uniform',
  'glorot_normal',
  'he_uniform',
  'he_normal',
  'zeros',
];

/**
 * Fills `out` (a kernel of shape [fanIn, fanOut], or a bias with fanIn = 1) in place.
 * - glorot_uniform: U(−l, l), l = √(6 / (fanIn + fanOut))
 * - glorot_normal: truncated N(0, s²) with s = √(2 / (fanIn + fanOut)) / 0.8796…, redrawn beyond 2s
 * - he_uniform: U(−l, l), l = √(6 / fanIn); he_normal likewise with s = √(2 / fanIn) / 0.8796…
 * - zeros
 */
export function initialize(name: InitializerName, out: Float64Array, fanIn: number, fanOut: number, rng: Random): void {
  switch (name) {
    case 'zeros':
      out.fill(0);
      return;
    case 'glorot_uniform':
      fillUniform(out, Math.sqrt(6 / (fanIn + fanOut)), rng);
      return;
    case 'he_uniform':
      fillUniform(out, Math.sqrt(6 / fanIn), rng);
      return;
    case 'glorot_normal':
      fillTruncatedNormal(out, Math.sqrt(2 / (fanIn + fanOut)), rng);
      return;
    case 'he_normal':
      fillTruncatedNormal(out, Math.sqrt(2 / fanIn), rng);
      return;
    default:
      throw new ConfigError(`unknown initializer '${name}': expected one of ${INITIALIZER_NAMES.join(', ')}`);
  }
}

function fillUniform(out: Float64Array, limit: number, rng: Random): void {
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
}

// Keras (VarianceScaling) divides by the std of a unit normal truncated at ±2 so that the
// truncated draws have the intended variance.
const TRUNCATED_STD = 0.87962566103423978;

function fillTruncatedNormal(out: Float64Array, std: number, rng: Random): void {
  const s = std / TRUNCATED_STD;
  for (let i = 0; i < out.length; i++) {
    let v: number;
    do v = rng.normal();
    while (Math.abs(v) > 2);
    out[i] = v * s;
  }
}
