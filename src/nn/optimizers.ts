/**
 * Optimisers in Keras's form. Each updates parameter arrays in place from gradient arrays of the
 * same shapes, keeping its state (velocities, moments) per array, allocated on the first step.
 */
import { ConfigError } from '../core/errors.js';

/**
 * The vocabulary of optimisers: each kind once with its update rule. The update itself is written
 * beside it in {@link createOptimizer} (one loop per kind, keyed by this table's names); the
 * engines' own copy of the SGD step cites `OPTIMIZERS.sgd`.
 */
const TABLE = {
  sgd: { formula: "P_new = P_old − η·∂L/∂P_old (the notes' SGD step)" },
  momentum: { formula: 'v ← m·v − η·g; w ← w + v (keras.optimizers.SGD(momentum=m))' },
  nesterov: { formula: 'v ← m·v − η·g; w ← w + m·v − η·g (SGD(momentum=m, nesterov=True))' },
  adam: {
    formula: 'm ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; w ← w − η·√(1−β2ᵗ)/(1−β1ᵗ)·m / (√v + ε) (keras Adam)',
  },
} as const;

export type OptimizerName = keyof typeof TABLE;

export const OPTIMIZER_NAMES: readonly OptimizerName[] = Object.freeze(Object.keys(TABLE) as OptimizerName[]);

/** Each optimiser's update rule, by name. */
export const OPTIMIZERS: { readonly [K in OptimizerName]: { readonly formula: string } } = TABLE;

/** An optimiser's serialisable configuration; omitted fields take Keras's defaults. */
export interface OptimizerConfig {
  name: OptimizerName;
  /** η (default 0.01 for the SGD family, 0.001 for Adam, as in Keras). */
  learningRate?: number;
  /** m for momentum and nesterov (default 0.9). */
  momentum?: number;
  /** Adam's β1 (default 0.9). */
  beta1?: number;
  /** Adam's β2 (default 0.999). */
  beta2?: number;
  /** Adam's ε (default 1e-7, Keras's; PyTorch uses 1e-8). */
  epsilon?: number;
}

export interface Optimizer {
  /** The configuration with every default filled in. */
  readonly config: Required<OptimizerConfig>;
  /** Applies one update: `params[i]` moves against `grads[i]`. */
  step(params: readonly Float64Array[], grads: readonly Float64Array[]): void;
  /** Number of steps taken. */
  readonly iterations: number;
  /**
   * A copy of the state the next step starts from (to save it and resume later); every
   * optimiser {@link createOptimizer} makes has it.
   */
  state?(): OptimizerState;
}

/**
 * What an optimiser carries from one step to the next, as Keras's `model.save` keeps it: the
 * step count t and, per parameter array (in `parameterArrays` order: kernel 1 row-major, bias 1,
 * kernel 2, …), momentum's and Nesterov's velocity `v`, or Adam's first and second moments `m`
 * and `v`. Plain SGD keeps only t. An array not yet stepped is all zeros.
 */
export interface OptimizerState {
  iterations: number;
  /** Velocities (momentum, nesterov) or Adam's first moments, one array per parameter array. */
  slots1?: number[][];
  /** Adam's second moments, one array per parameter array. */
  slots2?: number[][];
}

/** The slot arrays each optimiser keeps: 0 for SGD, 1 for the momentum family, 2 for Adam. */
export function optimizerSlots(name: OptimizerName): 0 | 1 | 2 {
  return name === 'sgd' ? 0 : name === 'adam' ? 2 : 1;
}

/** Fills in Keras's defaults and checks every value. */
export function resolveOptimizerConfig(config: OptimizerConfig): Required<OptimizerConfig> {
  if (!OPTIMIZER_NAMES.includes(config.name)) {
    throw new ConfigError(`unknown optimizer '${config.name}': expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  const cfg: Required<OptimizerConfig> = {
    name: config.name,
    learningRate: config.learningRate ?? (config.name === 'adam' ? 0.001 : 0.01),
    momentum: config.momentum ?? 0.9,
    beta1: config.beta1 ?? 0.9,
    beta2: config.beta2 ?? 0.999,
    epsilon: config.epsilon ?? 1e-7,
  };
  if (!(cfg.learningRate > 0 && Number.isFinite(cfg.learningRate))) {
    throw new ConfigError(`learning rate must be a finite number > 0, got ${config.learningRate}`);
  }
  for (const key of ['momentum', 'beta1', 'beta2'] as const) {
    if (!(cfg[key] >= 0 && cfg[key] < 1)) throw new ConfigError(`${key} must be in [0, 1), got ${config[key]}`);
  }
  if (!(cfg.epsilon > 0 && Number.isFinite(cfg.epsilon))) {
    throw new ConfigError(`epsilon must be a finite number > 0, got ${config.epsilon}`);
  }
  return cfg;
}

/**
 * Builds an optimiser from its configuration, starting from a saved state when given (so that
 * training resumes exactly where {@link Optimizer.state} was taken).
 * @param config the kind and its settings
 * @param state the step count and slot arrays to start from (default: t = 0, zero slots)
 * @example
 * const opt = createOptimizer({ name: 'adam' }, saved); // continues the saved run's moments
 */
export function createOptimizer(config: OptimizerConfig, state?: OptimizerState): Optimizer {
  const cfg = resolveOptimizerConfig(config);
  const { learningRate: lr, momentum: mu, beta1, beta2, epsilon } = cfg;
  const slots1: Float64Array[] = (state?.slots1 ?? []).map((a) => Float64Array.from(a));
  const slots2: Float64Array[] = (state?.slots2 ?? []).map((a) => Float64Array.from(a));
  let t = state?.iterations ?? 0;
  if (!(Number.isInteger(t) && t >= 0))
    throw new ConfigError(`optimizer state: iterations must be an integer ≥ 0, got ${t}`);
  const slot = (slots: Float64Array[], i: number, n: number) => {
    if (slots[i] === undefined) slots[i] = new Float64Array(n);
    else if (slots[i].length !== n) {
      throw new ConfigError(
        `this ${cfg.name} optimiser holds state for a parameter of ${slots[i].length} values, got one of ${n}: use a new optimiser for a different network`,
      );
    }
    return slots[i];
  };

  // One loop per optimiser, chosen once: the update runs after every batch, so for small
  // networks a switch or a closure per parameter array would cost as much as the update itself.
  const updates: Record<OptimizerName, (w: Float64Array, g: Float64Array, p: number) => void> = {
    sgd(w, g) {
      for (let i = 0; i < w.length; i++) w[i] -= lr * g[i]; // P_new = P_old − η·∂L/∂P_old
    },
    momentum(w, g, p) {
      const v = slot(slots1, p, w.length);
      for (let i = 0; i < w.length; i++) {
        v[i] = mu * v[i] - lr * g[i];
        w[i] += v[i];
      }
    },
    nesterov(w, g, p) {
      const v = slot(slots1, p, w.length);
      for (let i = 0; i < w.length; i++) {
        v[i] = mu * v[i] - lr * g[i];
        w[i] += mu * v[i] - lr * g[i];
      }
    },
    adam(w, g, p) {
      const m = slot(slots1, p, w.length);
      const v = slot(slots2, p, w.length);
      for (let i = 0; i < w.length; i++) {
        m[i] += (g[i] - m[i]) * (1 - beta1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - beta2);
        w[i] -= (adamLr * m[i]) / (Math.sqrt(v[i]) + epsilon);
      }
    },
  };
  const update = updates[cfg.name];
  let adamLr = 0;

  const optimizer: Optimizer = {
    config: cfg,
    get iterations() {
      return t;
    },
    state() {
      const copy = (slots: Float64Array[]) => Array.from(slots, (a) => Array.from(a));
      const n = optimizerSlots(cfg.name);
      return {
        iterations: t,
        ...(n >= 1 ? { slots1: copy(slots1) } : {}),
        ...(n === 2 ? { slots2: copy(slots2) } : {}),
      };
    },
    step(params, grads) {
      t++;
      // Adam's bias correction, folded into the step size as Keras does.
      if (cfg.name === 'adam') adamLr = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      for (let p = 0; p < params.length; p++) update(params[p], grads[p], p);
    },
  };
  // Plain SGD keeps no state but its step count: an engine may run its steps in a kernel.
  if (cfg.name === 'sgd') stateless.set(optimizer, (steps) => (t += steps));
  const kinds = optimizerSlots(cfg.name);
  slotAccess.set(optimizer, {
    config: cfg,
    slots: (sizes) => ({
      slots1: kinds >= 1 ? sizes.map((n, p) => slot(slots1, p, n)) : [],
      slots2: kinds === 2 ? sizes.map((n, p) => slot(slots2, p, n)) : [],
    }),
    advance: (steps) => (t += steps),
  });
  return optimizer;
}

/**
 * The live state of an optimiser made by {@link createOptimizer}, for an engine that runs its
 * updates in its own arithmetic (the float32 engine): it reads the slots before a run, writes
 * them back after, and counts the updates it ran.
 */
export interface OptimizerSlotAccess {
  readonly config: Required<OptimizerConfig>;
  /**
   * The optimiser's own slot arrays for parameter arrays of `sizes` values (zeros where not yet
   * stepped): slot 1 for the momentum family and Adam, slot 2 for Adam, none for SGD. Throws a
   * ConfigError when it holds state for arrays of other sizes.
   */
  slots(sizes: readonly number[]): { slots1: Float64Array[]; slots2: Float64Array[] };
  /** Records `steps` updates run outside {@link Optimizer.step}. */
  advance(steps: number): void;
}

const slotAccess = new WeakMap<Optimizer, OptimizerSlotAccess>();

/**
 * The state of `optimizer` for an engine to run its updates, when it was made by
 * {@link createOptimizer}; undefined for any other optimiser.
 * @param optimizer the run's optimiser
 */
export function optimizerSlotAccess(optimizer: Optimizer): OptimizerSlotAccess | undefined {
  return slotAccess.get(optimizer);
}

/** Step counters of the plain-SGD optimisers made by {@link createOptimizer}. */
const stateless = new WeakMap<Optimizer, (steps: number) => void>();

/** An optimiser whose update an engine may run itself; see {@link kernelUpdate}. */
export interface KernelUpdate {
  readonly name: 'sgd';
  readonly learningRate: number;
  /** Records `steps` updates run outside {@link Optimizer.step}. */
  advance(steps: number): void;
}

/**
 * The plain-SGD update of `optimizer` as data an engine can run in its own kernels, when it was
 * made by {@link createOptimizer} (so its only state is the step count, advanced through
 * `advance`); undefined for any other optimiser, which must be stepped through `step`.
 */
export function kernelUpdate(optimizer: Optimizer): KernelUpdate | undefined {
  const advance = stateless.get(optimizer);
  if (advance === undefined) return undefined;
  return { name: 'sgd', learningRate: optimizer.config.learningRate, advance };
}
