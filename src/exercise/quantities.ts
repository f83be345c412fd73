/**
 * The quantities a student computes, in the notes' order, each with its formula, equation number
 * and shape, and computed from the ones before it. Computing each from its *inputs* (not all at
 * once, as `notesQuantities` does) is what lets the checker ask "is this answer right given the
 * student's own earlier answers?" and so tell a new mistake from one carried forward.
 */
import { sigmoid } from '../nn/activations.js';
import type { Exercise, Rows } from './problem.js';

/** The answer keys, in the order the notes derive them (the explain command's keys). */
export const QUANTITY_KEYS = [
  'z',
  'h',
  'theta',
  'yhat',
  'loss',
  'delta1',
  'delta2',
  'dW',
  'dU',
  'db1',
  'db2',
  'W_new',
  'b1_new',
  'U_new',
  'b2_new',
] as const;

export type QuantityKey = (typeof QUANTITY_KEYS)[number];

/** Every quantity as rows; a scalar is 1×1. */
export type Values = Record<QuantityKey, Rows>;

/** One quantity: how it is written, where the notes derive it, and how it is computed. */
export interface Quantity {
  readonly key: QuantityKey;
  /** As the notes write it: `δ2`, `∂L/∂W`. */
  readonly symbol: string;
  /** Its right-hand side in the notes' notation. */
  readonly formula: string;
  /** The notes' equation number, where it has one. */
  readonly equation?: string;
  /** The quantities its formula reads (besides the problem's own W, b1, U, b2, x, y, η). */
  readonly inputs: readonly QuantityKey[];
  readonly scalar: boolean;
  /** [rows, cols] for a problem with α hidden units and β inputs. */
  shape(alpha: number, beta: number): [number, number];
  /** The quantity from the problem and the values of its inputs. */
  compute(v: Values, ex: Exercise): Rows;
}

const col = (v: readonly number[]): Rows => v.map((e) => [e]);
const scalar = (v: number): Rows => [[v]];
const flat = (m: Rows): number[] => m.flat();
const at = (m: Rows): number => m[0][0];
/** σ′(z) written as the notes do, from h = σ(z): σ′(z) = h(1 − h). */
const sigmoidPrime = (h: number): number => h * (1 - h);
/** P_new = P − η·∂L/∂P, entry by entry (the notes' SGD step). */
const sgd = (p: Rows, g: Rows, eta: number): Rows => p.map((row, i) => row.map((w, j) => w - eta * g[i][j]));

const vec = (alpha: number): [number, number] => [alpha, 1];
const row = (alpha: number): [number, number] => [1, alpha];
const one = (): [number, number] => [1, 1];

/** The notes' forward pass, backward pass and SGD step, one line per quantity. */
export const QUANTITIES: readonly Quantity[] = [
  {
    key: 'z',
    symbol: 'z',
    formula: 'W x + b1',
    inputs: [],
    scalar: false,
    shape: vec,
    compute: (_v, ex) => col(ex.W.map((r, i) => r.reduce((s, w, j) => s + w * ex.x[j][0], ex.b1[i][0]))),
  },
  {
    key: 'h',
    symbol: 'h',
    formula: 'σ(z)',
    inputs: ['z'],
    scalar: false,
    shape: vec,
    compute: (v) => col(flat(v.z).map(sigmoid)),
  },
  {
    key: 'theta',
    symbol: 'θ',
    formula: 'U h + b2',
    inputs: ['h'],
    scalar: true,
    shape: one,
    compute: (v, ex) => scalar(ex.U[0].reduce((s, u, i) => s + u * v.h[i][0], ex.b2)),
  },
  {
    key: 'yhat',
    symbol: 'ŷ',
    formula: 'σ(θ)',
    inputs: ['theta'],
    scalar: true,
    shape: one,
    compute: (v) => scalar(sigmoid(at(v.theta))),
  },
  {
    key: 'loss',
    symbol: 'L',
    formula: 'CE(ŷ, y) = −[y·log ŷ + (1 − y)·log(1 − ŷ)]',
    inputs: ['yhat'],
    scalar: true,
    shape: one,
    compute: (v, ex) => scalar(-(ex.y * Math.log(at(v.yhat)) + (1 - ex.y) * Math.log(1 - at(v.yhat)))),
  },
  {
    key: 'delta1',
    symbol: 'δ1',
    formula: '∂L/∂θ = ŷ − y',
    equation: '3',
    inputs: ['yhat'],
    scalar: true,
    shape: one,
    compute: (v, ex) => scalar(at(v.yhat) - ex.y),
  },
  {
    key: 'delta2',
    symbol: 'δ2',
    formula: 'δ1·U ∘ σ′(z), with σ′(z) = h(1 − h)',
    equation: '4–5',
    inputs: ['delta1', 'h'],
    scalar: false,
    shape: row,
    compute: (v, ex) => [ex.U[0].map((u, i) => at(v.delta1) * u * sigmoidPrime(v.h[i][0]))],
  },
  {
    key: 'dW',
    symbol: '∂L/∂W',
    formula: 'δ2ᵀ ⊗ xᵀ',
    equation: '6',
    inputs: ['delta2'],
    scalar: false,
    shape: (alpha, beta) => [alpha, beta],
    compute: (v, ex) => v.delta2[0].map((d) => ex.x.map(([xj]) => d * xj)),
  },
  {
    key: 'dU',
    symbol: '∂L/∂U',
    formula: 'δ1·hᵀ',
    equation: '7',
    inputs: ['delta1', 'h'],
    scalar: false,
    shape: row,
    compute: (v) => [flat(v.h).map((h) => at(v.delta1) * h)],
  },
  {
    key: 'db1',
    symbol: '∂L/∂b1',
    formula: 'δ2ᵀ',
    inputs: ['delta2'],
    scalar: false,
    shape: vec,
    compute: (v) => col(v.delta2[0]),
  },
  {
    key: 'db2',
    symbol: '∂L/∂b2',
    formula: 'δ1',
    inputs: ['delta1'],
    scalar: true,
    shape: one,
    compute: (v) => scalar(at(v.delta1)),
  },
  {
    key: 'W_new',
    symbol: 'W_new',
    formula: 'W − η·∂L/∂W',
    inputs: ['dW'],
    scalar: false,
    shape: (alpha, beta) => [alpha, beta],
    compute: (v, ex) => sgd(ex.W, v.dW, ex.eta),
  },
  {
    key: 'b1_new',
    symbol: 'b1_new',
    formula: 'b1 − η·∂L/∂b1',
    inputs: ['db1'],
    scalar: false,
    shape: vec,
    compute: (v, ex) => sgd(ex.b1, v.db1, ex.eta),
  },
  {
    key: 'U_new',
    symbol: 'U_new',
    formula: 'U − η·∂L/∂U',
    inputs: ['dU'],
    scalar: false,
    shape: row,
    compute: (v, ex) => sgd(ex.U, v.dU, ex.eta),
  },
  {
    key: 'b2_new',
    symbol: 'b2_new',
    formula: 'b2 − η·∂L/∂b2',
    inputs: ['db2'],
    scalar: true,
    shape: one,
    compute: (v, ex) => sgd([[ex.b2]], v.db2, ex.eta),
  },
];

const BY_KEY = new Map(QUANTITIES.map((q) => [q.key, q]));

/** The quantity for `key`. */
export function quantity(key: QuantityKey): Quantity {
  return BY_KEY.get(key)!;
}

/** The quantities `key` depends on, directly or through others. */
export function ancestors(key: QuantityKey): Set<QuantityKey> {
  const found = new Set<QuantityKey>();
  const visit = (k: QuantityKey) => {
    for (const i of quantity(k).inputs) {
      if (!found.has(i)) {
        found.add(i);
        visit(i);
      }
    }
  };
  visit(key);
  return found;
}

/** α and β of a problem. */
export function sizesOf(ex: Exercise): { alpha: number; beta: number } {
  return { alpha: ex.W.length, beta: ex.W[0].length };
}

/** A different formula for one quantity: how a known mistake computes it. */
export interface Variant {
  readonly key: QuantityKey;
  compute(v: Values, ex: Exercise): Rows;
}

/**
 * Every quantity in order, each from the ones before it. `given` values replace the computed
 * ones (a student's earlier answers); `variant` replaces one quantity's formula (a mistake).
 */
export function evaluate(ex: Exercise, given: Partial<Values> = {}, variant?: Variant): Values {
  const v = {} as Values;
  for (const q of QUANTITIES) {
    v[q.key] = given[q.key] ?? (variant?.key === q.key ? variant.compute(v, ex) : q.compute(v, ex));
  }
  return v;
}
