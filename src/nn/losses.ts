/**
 * Loss functions. Each gives the mean loss over a batch and its gradient with respect to the
 * output layer's pre-activation Z, ∂L/∂Z — the δ where backpropagation starts.
 *
 * For the two pairs the notes care about, the gradient is the simplified one:
 * sigmoid + binary cross-entropy and softmax + categorical cross-entropy give
 * ∂L/∂θ = ŷ − y (the notes' equation 3, δ1), divided by the batch size because we
 * differentiate the MEAN loss. Any other pairing goes through ∂L/∂A and the activation's
 * derivative, so every loss works with every output activation it makes sense for.
 *
 * Stability: for sigmoid + BCE the loss is computed from the logit θ itself,
 *   CE(σ(θ), y) = max(θ, 0) − θ·y + log(1 + e^−|θ|),
 * which is finite for every finite θ (θ = 40 or θ = −800 included) and needs no clipping.
 * Keras-exact numbers are available with `epsilon: 1e-7`: see {@link LossConfig}.
 */
import { ConfigError, ShapeError, unhandledKind, ValueError } from '../core/errors.js';
import { exp } from '../core/exp.js';
import { log, log1p } from '../core/libm.js';
import type { Matrix } from '../core/matrix.js';
import { type Activation, activationBackward, codesOf } from './activations.js';

/**
 * The vocabulary of losses: each kind once, with its aliases and formula. Its value and its
 * gradient ∂L/∂Z are written side by side in the kind's factory below; names and engine codes
 * (and the WebAssembly constants generated from them) derive from this table.
 */
const TABLE = {
  binary_crossentropy: {
    aliases: ['bce'],
    formula: 'CE(ŷ, y) = −[y·log ŷ + (1 − y)·log(1 − ŷ)]; with a sigmoid output δ1 = ∂L/∂θ = ŷ − y (eq. 3)',
  },
  categorical_crossentropy: {
    aliases: ['cce'],
    formula: 'CE(ŷ, y) = −Σⱼ yⱼ log ŷⱼ; with a softmax output ∂L/∂z = ŷ − y (as eq. 3)',
  },
  mean_squared_error: { aliases: ['mse'], formula: 'L = mean (ŷ − y)², ∂L/∂ŷ = 2(ŷ − y) / outputs' },
} as const;

export type LossName = keyof typeof TABLE;

export const LOSS_NAMES: readonly LossName[] = Object.freeze(Object.keys(TABLE) as LossName[]);

/** The engines' integer code of each loss: its index in {@link LOSS_NAMES}. */
export const LOSS_CODES: Readonly<Record<LossName, number>> = codesOf(LOSS_NAMES);

/** A loss's formula, as the vocabulary states it. */
export function lossFormula(name: LossName): string {
  return TABLE[name].formula;
}

/**
 * CE(σ(θ), y) computed from the logit θ: max(θ, 0) − θ·y + log(1 + e^−|θ|), finite for every
 * finite θ. The notes' L = CE(ŷ, y) with ŷ = σ(θ); the fast paths compute the same expression,
 * with the same exp (backprop's own, src/core/exp.ts: the same bits on every host).
 */
export function bceOfLogit(t: number, y: number): number {
  return Math.max(t, 0) - t * y + log1p(exp(-Math.abs(t)));
}

/**
 * A loss's serialisable configuration.
 *
 * `epsilon` (cross-entropies only, default 0): when > 0, ŷ is clipped to [ε, 1 − ε] (both bounds
 * rounded to float32, as the float32 frameworks compute them) before the logarithm, and the
 * gradient is zero where the clip is active — what TensorFlow.js and Keras do when given
 * probabilities rather than logits (their ε is 1e-7). With ε = 0 the loss is the
 * exact cross-entropy of the logits: equal to Keras's whenever ε ≤ ŷ ≤ 1 − ε, and beyond that it
 * keeps growing (−log ŷ) and keeps its gradient ŷ − y, where Keras's saturates at −log ε ≈ 16.1
 * and its gradient vanishes.
 */
export interface LossConfig {
  name: LossName;
  epsilon?: number;
}

/** Keras's fuzz factor, `keras.backend.epsilon()`. */
export const KERAS_EPSILON = 1e-7;

/** A loss: the mean over the batch of the per-example loss. */
export interface Loss {
  readonly config: Readonly<LossConfig>;
  /** Mean loss over the batch, from the output layer's Z and A = f(Z) and the targets Y. */
  value(act: Activation, z: Matrix, a: Matrix, y: Matrix): number;
  /** delta = ∂(mean loss)/∂Z of the output layer. */
  outputDelta(act: Activation, z: Matrix, a: Matrix, y: Matrix, delta: Matrix): void;
  /** Throws unless the targets are valid for this loss (e.g. labels in {0, 1} for BCE). */
  checkTargets(y: Matrix): void;
  /** Throws unless this loss can follow the given output activation. */
  checkActivation(act: Activation): void;
}

/** Aliases accepted on input, as Keras accepts them. */
const ALIASES: Readonly<Record<string, LossName>> = Object.fromEntries(
  LOSS_NAMES.flatMap((name) => [[name, name], ...TABLE[name].aliases.map((alias) => [alias, name])]),
);

/** Canonical loss name for a name or alias (`bce`, `cce`, `mse`). */
export function lossName(name: string): LossName {
  const canonical = Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
  if (canonical === undefined) {
    throw new ConfigError(`unknown loss '${name}': expected one of ${LOSS_NAMES.join(', ')} (or bce, cce, mse)`);
  }
  return canonical;
}

/** Builds a loss from its configuration (or name). */
export function getLoss(config: LossConfig | string): Loss {
  const cfg: LossConfig =
    typeof config === 'string' ? { name: lossName(config) } : { ...config, name: lossName(config.name) };
  const eps = cfg.epsilon ?? 0;
  if (!(eps >= 0 && eps < 0.5)) throw new ConfigError(`loss epsilon must be in [0, 0.5), got ${cfg.epsilon}`);
  switch (cfg.name) {
    case 'binary_crossentropy':
      return binaryCrossentropy(cfg, eps);
    case 'categorical_crossentropy':
      return categoricalCrossentropy(cfg, eps);
    case 'mean_squared_error':
      if (eps > 0) throw new ConfigError('epsilon applies to the cross-entropies only, not to mean_squared_error');
      return meanSquaredError(cfg);
    default:
      return unhandledKind(cfg.name);
  }
}

function checkSameShape(a: Matrix, y: Matrix): void {
  if (a.rows !== y.rows || a.cols !== y.cols) {
    throw new ShapeError(`targets have shape [${y.rows}, ${y.cols}], expected [${a.rows}, ${a.cols}] like the outputs`);
  }
}

function checkFiniteTargets(y: Matrix): void {
  const Y = y.data;
  for (let i = 0; i < Y.length; i++) {
    if (!Number.isFinite(Y[i])) {
      throw new ValueError(
        `target at row ${Math.floor(i / y.cols)}, column ${i % y.cols} is ${Y[i]}, expected a finite number`,
      );
    }
  }
}

/**
 * The clip interval [ε, 1 − ε] with both bounds rounded to float32, as TensorFlow.js and Keras
 * compute them in their default float32 (1 − 1e-7 rounds to 1 − 2⁻²³ there).
 */
function clipBounds(eps: number): [number, number] {
  return [Math.fround(eps), Math.fround(1 - eps)];
}

/** [log p, log(1 − p)] with p clipped to [lo, hi]. */
function clippedLogs(p: number, lo: number, hi: number): [number, number] {
  const c = Math.min(Math.max(p, lo), hi);
  return [log(c), log(1 - c)];
}

function binaryCrossentropy(cfg: LossConfig, eps: number): Loss {
  const [lo, hi] = clipBounds(eps);
  return {
    config: cfg,
    checkActivation(act) {
      if (act.name !== 'sigmoid' && act.name !== 'softmax') {
        throw new ConfigError(
          `binary_crossentropy needs outputs in (0, 1): use a sigmoid (or softmax) output layer, not ${act.name}`,
        );
      }
    },
    checkTargets(y) {
      const Y = y.data;
      // y(y − 1) is 0 exactly for 0 and 1. Summing its size has no branch to mispredict on
      // random labels (4× faster on 200k rows); only a bad label needs the search below.
      let bad0 = 0;
      let bad1 = 0;
      const even = Y.length - (Y.length % 2);
      for (let i = 0; i < even; i += 2) {
        bad0 += Math.abs(Y[i] * (Y[i] - 1));
        bad1 += Math.abs(Y[i + 1] * (Y[i + 1] - 1));
      }
      if (even < Y.length) bad0 += Math.abs(Y[even] * (Y[even] - 1));
      if (bad0 + bad1 === 0) return;
      for (let i = 0; i < Y.length; i++) {
        if (Y[i] !== 0 && Y[i] !== 1) {
          throw new ValueError(
            `binary_crossentropy needs labels in {0, 1}; row ${Math.floor(i / y.cols)}, column ${i % y.cols} is ${Y[i]}`,
          );
        }
      }
    },
    value(act, z, a, y) {
      checkSameShape(a, y);
      const Z = z.data;
      const A = a.data;
      const Y = y.data;
      let sum = 0;
      for (let i = 0; i < Y.length; i++) {
        if (act.name === 'sigmoid' && eps === 0) {
          sum += bceOfLogit(Z[i], Y[i]);
        } else {
          const [logP, log1mP] = clippedLogs(A[i], lo, hi);
          sum -= Y[i] * logP + (1 - Y[i]) * log1mP;
        }
      }
      // Per-example loss is the mean over output units, then the mean over the batch (Keras).
      return sum / Y.length;
    },
    outputDelta(act, z, a, y, delta) {
      checkSameShape(a, y);
      const A = a.data;
      const Y = y.data;
      const D = delta.data;
      const scale = 1 / Y.length;
      const inRange = (p: number) => eps === 0 || (p >= lo && p <= hi);
      if (act.name === 'sigmoid') {
        // δ1 = ŷ − y (notes, eq. 3), over the batch size and output count of the mean loss.
        for (let i = 0; i < Y.length; i++) D[i] = inRange(A[i]) ? (A[i] - Y[i]) * scale : 0;
        return;
      }
      // General path: ∂L/∂ŷ = (ŷ − y) / (ŷ(1 − ŷ)), then through the activation.
      for (let i = 0; i < Y.length; i++) {
        const p = A[i];
        D[i] = inRange(p) ? ((p - Y[i]) / (p * (1 - p))) * scale : 0;
      }
      activationBackward(act, z, a, delta, delta);
    },
  };
}

function categoricalCrossentropy(cfg: LossConfig, eps: number): Loss {
  const [lo, hi] = clipBounds(eps);
  return {
    config: cfg,
    checkActivation(act) {
      if (act.name !== 'softmax') {
        throw new ConfigError(`categorical_crossentropy needs a softmax output layer, not ${act.name}`);
      }
    },
    checkTargets(y) {
      checkFiniteTargets(y);
      const Y = y.data;
      for (let r = 0; r < y.rows; r++) {
        let s = 0;
        for (let j = 0; j < y.cols; j++) {
          const v = Y[r * y.cols + j];
          if (v < 0 || v > 1)
            throw new ValueError(`categorical_crossentropy needs targets in [0, 1]; row ${r}, column ${j} is ${v}`);
          s += v;
        }
        if (Math.abs(s - 1) > 1e-9) {
          throw new ValueError(
            `categorical_crossentropy needs one-hot targets (each row summing to 1); row ${r} sums to ${s}`,
          );
        }
      }
    },
    value(_act, z, a, y) {
      checkSameShape(a, y);
      const Z = z.data;
      const A = a.data;
      const Y = y.data;
      const m = y.cols;
      let sum = 0;
      for (let r = 0; r < y.rows; r++) {
        const o = r * m;
        if (eps === 0) {
          // −Σ y log softmax(z) = −Σ y (z − logsumexp z), exact for any finite z.
          let max = -Infinity;
          for (let j = 0; j < m; j++) if (Z[o + j] > max) max = Z[o + j];
          let s = 0;
          for (let j = 0; j < m; j++) s += exp(Z[o + j] - max);
          const lse = max + log(s);
          for (let j = 0; j < m; j++) if (Y[o + j] !== 0) sum -= Y[o + j] * (Z[o + j] - lse);
        } else {
          for (let j = 0; j < m; j++) if (Y[o + j] !== 0) sum -= Y[o + j] * clippedLogs(A[o + j], lo, hi)[0];
        }
      }
      return sum / y.rows;
    },
    outputDelta(act, z, a, y, delta) {
      checkSameShape(a, y);
      const A = a.data;
      const Y = y.data;
      const D = delta.data;
      const scale = 1 / y.rows;
      if (eps === 0) {
        // Softmax + CCE: ∂L/∂z = ŷ − y, the same simplification as the notes' δ1.
        for (let i = 0; i < Y.length; i++) D[i] = (A[i] - Y[i]) * scale;
        return;
      }
      // Clipped: ∂L/∂ŷ = −y/ŷ where the clip is inactive, 0 where it is, then through softmax.
      for (let i = 0; i < Y.length; i++) {
        const p = A[i];
        D[i] = p >= lo && p <= hi ? (-Y[i] / p) * scale : 0;
      }
      activationBackward(act, z, a, delta, delta);
    },
  };
}

function meanSquaredError(cfg: LossConfig): Loss {
  return {
    config: cfg,
    checkActivation() {},
    checkTargets: checkFiniteTargets,
    value(_act, _z, a, y) {
      checkSameShape(a, y);
      const A = a.data;
      const Y = y.data;
      let sum = 0;
      for (let i = 0; i < Y.length; i++) sum += (A[i] - Y[i]) ** 2;
      return sum / Y.length;
    },
    outputDelta(act, z, a, y, delta) {
      checkSameShape(a, y);
      const A = a.data;
      const Y = y.data;
      const D = delta.data;
      const scale = 2 / Y.length;
      for (let i = 0; i < Y.length; i++) D[i] = (A[i] - Y[i]) * scale;
      activationBackward(act, z, a, delta, delta);
    },
  };
}
