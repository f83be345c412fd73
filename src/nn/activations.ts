/**
 * Activation functions as small records: the forward map beside its derivative, as in
 * micrograd and TensorFlow Playground.
 *
 * Element-wise activations give `f(z)` and `df(z, a)` = f'(z), where `a = f(z)` is passed in so
 * that sigmoid and tanh can reuse it (σ' = σ(1 − σ), tanh' = 1 − tanh²). Softmax mixes a row's
 * units, so it is applied row by row and its derivative is a Jacobian–vector product.
 */
import { ConfigError } from '../core/errors.js';
import type { Matrix } from '../core/matrix.js';

/** The names of the supported activations. */
export type ActivationName = 'sigmoid' | 'tanh' | 'relu' | 'linear' | 'softmax';

export const ACTIVATION_NAMES: readonly ActivationName[] = ['sigmoid', 'tanh', 'relu', 'linear', 'softmax'];

/** An activation applied unit by unit. */
export interface ElementwiseActivation {
  readonly name: Exclude<ActivationName, 'softmax'>;
  readonly kind: 'elementwise';
  /** a = f(z) */
  f(z: number): number;
  /** f'(z), given z and a = f(z) */
  df(z: number, a: number): number;
}

/** Softmax over each row (each example's output units). */
export interface SoftmaxActivation {
  readonly name: 'softmax';
  readonly kind: 'rowwise';
}

export type Activation = ElementwiseActivation | SoftmaxActivation;

/** The logistic sigmoid σ(t) = 1 / (1 + e^−t), written so that e^−t never overflows. */
export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

export const ACTIVATIONS: { readonly [K in ActivationName]: Activation } = {
  sigmoid: { name: 'sigmoid', kind: 'elementwise', f: sigmoid, df: (_z, a) => a * (1 - a) },
  tanh: { name: 'tanh', kind: 'elementwise', f: Math.tanh, df: (_z, a) => 1 - a * a },
  // relu'(0) = 0, as in TensorFlow.
  relu: { name: 'relu', kind: 'elementwise', f: (z) => Math.max(z, 0), df: (z) => (z > 0 ? 1 : 0) },
  linear: { name: 'linear', kind: 'elementwise', f: (z) => z, df: () => 1 },
  softmax: { name: 'softmax', kind: 'rowwise' },
};

/** Looks an activation up by name, with a clear error for an unknown one. */
export function getActivation(name: string): Activation {
  if (!Object.hasOwn(ACTIVATIONS, name)) {
    throw new ConfigError(`unknown activation '${name}': expected one of ${ACTIVATION_NAMES.join(', ')}`);
  }
  return ACTIVATIONS[name as ActivationName];
}

/** A = f(Z), element-wise or row-wise. `a` may not alias `z`: backprop needs both. */
export function activate(act: Activation, z: Matrix, a: Matrix): void {
  const Z = z.data;
  const A = a.data;
  const n = z.rows * z.cols;
  if (act.kind === 'elementwise') {
    const f = act.f;
    for (let i = 0; i < n; i++) A[i] = f(Z[i]);
    return;
  }
  const m = z.cols;
  for (let r = 0; r < z.rows; r++) {
    const o = r * m;
    // Subtracting the row maximum keeps exp() from overflowing; softmax is shift-invariant.
    let max = -Infinity;
    for (let j = 0; j < m; j++) if (Z[o + j] > max) max = Z[o + j];
    let sum = 0;
    for (let j = 0; j < m; j++) {
      const e = Math.exp(Z[o + j] - max);
      A[o + j] = e;
      sum += e;
    }
    for (let j = 0; j < m; j++) A[o + j] /= sum;
  }
}

/**
 * Converts the gradient on a layer's output into the gradient on its pre-activation
 * (Deep Learning book §6.5): ∂L/∂Z = ∂L/∂A ∘ f'(Z) for element-wise f; for softmax,
 * ∂L/∂zⱼ = aⱼ (∂L/∂aⱼ − Σₖ aₖ ∂L/∂aₖ). `dZ` may alias `dA`.
 */
export function activationBackward(act: Activation, z: Matrix, a: Matrix, dA: Matrix, dZ: Matrix): void {
  const Z = z.data;
  const A = a.data;
  const G = dA.data;
  const D = dZ.data;
  const n = z.rows * z.cols;
  if (act.kind === 'elementwise') {
    const df = act.df;
    for (let i = 0; i < n; i++) D[i] = G[i] * df(Z[i], A[i]);
    return;
  }
  const m = z.cols;
  for (let r = 0; r < z.rows; r++) {
    const o = r * m;
    let dot = 0;
    for (let j = 0; j < m; j++) dot += A[o + j] * G[o + j];
    for (let j = 0; j < m; j++) D[o + j] = A[o + j] * (G[o + j] - dot);
  }
}
