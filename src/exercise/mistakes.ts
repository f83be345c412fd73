/**
 * The mistakes students make on the notes' derivation, each as the formula it amounts to, so
 * that an answer can be recognised as "right under this mistake". Transposed answers (∂L/∂W as
 * x ⊗ δ2, ∂L/∂b1 in δ2's 1×α shape) are told by their shape instead; see {@link shapeMistake}.
 */
import type { Exercise } from './problem.js';
import { evaluate, type QuantityKey, type Values, type Variant } from './quantities.js';
import { close } from './tolerance.js';

export type MistakeCode =
  | 'slide-typo'
  | 'no-sigma-prime'
  | 'sigma-for-sigma-prime'
  | 'delta1-sign'
  | 'step-added'
  | 'untransposed'
  | 'b1-shape'
  | 'transposed';

/** A known mistake: the quantity it is made in, and what it computes instead. */
export interface Mistake extends Variant {
  readonly code: MistakeCode;
  readonly message: string;
  /** False where the mistake cannot show (the slide's typo needs α ≥ 2). */
  applies(ex: Exercise): boolean;
}

const always = () => true;
const sigmoidPrime = (h: number) => h * (1 - h);

/** P + η·∂L/∂P: the SGD step taken along the gradient instead of against it. */
function addedStep(key: QuantityKey, param: (ex: Exercise) => number[][], grad: QuantityKey): Mistake {
  return {
    key,
    code: 'step-added',
    message: 'the step was added: P_new = P − η·∂L/∂P moves against the gradient',
    applies: always,
    compute: (v: Values, ex) => param(ex).map((row, i) => row.map((p, j) => p + ex.eta * v[grad][i][j])),
  };
}

/** Every known mistake made in a value (not a shape). */
export const MISTAKES: readonly Mistake[] = [
  {
    key: 'delta1',
    code: 'delta1-sign',
    message: 'the sign of δ1 is flipped: δ1 = ŷ − y (eq. 3), not y − ŷ',
    applies: always,
    compute: (v, ex) => [[ex.y - v.yhat[0][0]]],
  },
  {
    key: 'delta2',
    code: 'no-sigma-prime',
    message: 'σ′(z) is left out: δ2 = δ1·U ∘ σ′(z) (eq. 4–5) turns the gradient on h into one on z',
    applies: always,
    compute: (v, ex) => [ex.U[0].map((u) => v.delta1[0][0] * u)],
  },
  {
    key: 'delta2',
    code: 'sigma-for-sigma-prime',
    message: 'σ′(z) was taken as σ(z): σ′(z) = σ(z)(1 − σ(z)) = h(1 − h)',
    applies: always,
    compute: (v, ex) => [ex.U[0].map((u, i) => v.delta1[0][0] * u * v.h[i][0])],
  },
  {
    key: 'dW',
    code: 'slide-typo',
    message: "the last row of ∂L/∂W uses σ′(z1): that is the slide's typo in eq. 6 — row i uses σ′(z_i)",
    applies: (ex) => ex.W.length >= 2,
    compute: (v, ex) => {
      const last = ex.W.length - 1;
      return ex.U[0].map((u, i) => {
        const s = sigmoidPrime(v.h[i === last ? 0 : i][0]);
        return ex.x.map(([xj]) => v.delta1[0][0] * u * s * xj);
      });
    },
  },
  addedStep('W_new', (ex) => ex.W, 'dW'),
  addedStep('b1_new', (ex) => ex.b1, 'db1'),
  addedStep('U_new', (ex) => ex.U, 'dU'),
  addedStep('b2_new', (ex) => [[ex.b2]], 'db2'),
];

/** What it means when an answer has the right numbers in the transposed shape. */
export function shapeMistake(key: QuantityKey, expected: [number, number]): { code: MistakeCode; message: string } {
  const [r, c] = expected;
  if (key === 'dW') {
    return {
      code: 'untransposed',
      message: `this is x ⊗ δ2 (${c}×${r}): ∂L/∂W = δ2ᵀ ⊗ xᵀ (eq. 6) has W's shape, ${r}×${c}`,
    };
  }
  if (key === 'db1') {
    return { code: 'b1-shape', message: `∂L/∂b1 = δ2ᵀ has b1's shape, ${r}×${c}, not δ2's ${c}×${r}` };
  }
  return { code: 'transposed', message: `the numbers are right but the shape is ${c}×${r}; expected ${r}×${c}` };
}

/**
 * True when every applicable mistake changes its own quantity beyond the tolerance, and no two
 * mistakes in one quantity agree, so that each diagnosis can be told apart on this problem.
 */
export function mistakesDistinguishable(ex: Exercise): boolean {
  const truth = evaluate(ex);
  const seen = new Map<QuantityKey, number[][][]>();
  for (const m of MISTAKES) {
    if (!m.applies(ex)) continue;
    const wrong = evaluate(ex, {}, m)[m.key];
    const others = seen.get(m.key) ?? [truth[m.key]];
    if (others.some((o) => close(wrong, o) || close(o, wrong))) return false;
    seen.set(m.key, [...others, wrong]);
  }
  return true;
}
