/**
 * Activation functions as small records: the forward map beside its derivative, as in
 * micrograd and TensorFlow Playground.
 *
 * Element-wise activations give `f(z)` and `df(z, a)` = f'(z), where `a = f(z)` is passed in so
 * that sigmoid and tanh can reuse it (σ' = σ(1 − σ), tanh' = 1 − tanh²). Softmax mixes a row's
 * units, so it is applied row by row and its derivative is a Jacobian–vector product.
 */
import { ConfigError } from '../core/errors.js';
import { exp } from '../core/exp.js';
import { tanh } from '../core/libm.js';
import type { Matrix } from '../core/matrix.js';

/**
 * The logistic sigmoid σ(t) = 1 / (1 + e^−t), written so that e^−t never overflows. Its exp is
 * backprop's own (src/core/exp.ts), not Math.exp: one exp for every host, so a seeded run has the
 * same bits in Node and in any browser, and the WebAssembly kernels compute the same function.
 * @param t the pre-activation
 */
export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + exp(-t));
  const e = exp(t);
  return e / (1 + e);
}

/**
 * The vocabulary of activations: each kind once, its forward map beside its derivative and the
 * formula (with the notes' equation where it has one). Every other list of activations — names,
 * engine codes, the WebAssembly constants (generated from {@link ACTIVATION_CODES} at build
 * time) — is derived from this table, so a kind added here is a compile error wherever a kind
 * must be handled.
 */
const TABLE = {
  sigmoid: {
    kind: 'elementwise',
    f: sigmoid,
    df: (_z: number, a: number) => a * (1 - a),
    formula: "σ(z) = 1 / (1 + e^−z), σ'(z) = σ(z)(1 − σ(z)) (notes' conventions; σ' in eq. 4–5)",
  },
  tanh: {
    kind: 'elementwise',
    f: tanh,
    df: (_z: number, a: number) => 1 - a * a,
    formula: "tanh'(z) = 1 − tanh²(z)",
  },
  // relu'(0) = 0, as in TensorFlow.
  relu: {
    kind: 'elementwise',
    f: (z: number) => Math.max(z, 0),
    df: (z: number) => (z > 0 ? 1 : 0),
    formula: "relu(z) = max(z, 0), relu'(z) = [z > 0]",
  },
  linear: { kind: 'elementwise', f: (z: number) => z, df: () => 1, formula: "f(z) = z, f'(z) = 1" },
  softmax: {
    kind: 'rowwise',
    formula: 'aⱼ = e^zⱼ / Σₖ e^zₖ per row; ∂L/∂zⱼ = aⱼ (∂L/∂aⱼ − Σₖ aₖ ∂L/∂aₖ)',
  },
} as const;

/** The names of the supported activations. */
export type ActivationName = keyof typeof TABLE;

export const ACTIVATION_NAMES: readonly ActivationName[] = Object.freeze(Object.keys(TABLE) as ActivationName[]);

/**
 * The engines' integer code of each activation: its index in {@link ACTIVATION_NAMES}.
 * scripts/build-wasm.mjs writes the same codes into assembly/codes.ts.
 */
export const ACTIVATION_CODES: Readonly<Record<ActivationName, number>> = codesOf(ACTIVATION_NAMES);

/** `{ name: index }` over a list of names: the engine codes of a vocabulary. */
export function codesOf<N extends string>(names: readonly N[]): Readonly<Record<N, number>> {
  return Object.freeze(Object.fromEntries(names.map((n, i) => [n, i])) as Record<N, number>);
}

/** An activation applied unit by unit. */
export interface ElementwiseActivation {
  readonly name: Exclude<ActivationName, 'softmax'>;
  readonly kind: 'elementwise';
  /** a = f(z) */
  f(z: number): number;
  /** f'(z), given z and a = f(z) */
  df(z: number, a: number): number;
  readonly formula: string;
}

/** Softmax over each row (each example's output units). */
export interface SoftmaxActivation {
  readonly name: 'softmax';
  readonly kind: 'rowwise';
  readonly formula: string;
}

export type Activation = ElementwiseActivation | SoftmaxActivation;

/** Each activation as a record, by name (frozen: the vocabulary is not extended at run time). */
export const ACTIVATIONS: { readonly [K in ActivationName]: Activation } = Object.freeze(
  Object.fromEntries(ACTIVATION_NAMES.map((name) => [name, Object.freeze({ name, ...TABLE[name] })])) as {
    [K in ActivationName]: Activation;
  },
);

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
    // (backprop's exp, as in sigmoid: the same bits on every host and in the kernels.)
    let max = -Infinity;
    for (let j = 0; j < m; j++) if (Z[o + j] > max) max = Z[o + j];
    let sum = 0;
    for (let j = 0; j < m; j++) {
      const e = exp(Z[o + j] - max);
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
