/**
 * Our batched backprop (`computeGradients`) against TensorFlow.js autodiff, an independent
 * implementation (test/helpers/tfjs-reference.ts builds the same networks from plain arrays with
 * tfjs ops and lets `tf.valueAndGrads` differentiate them), and against central finite
 * differences through our public `gradientCheck`.
 *
 * Random networks come from a seeded stream (`createRandom`), so every run checks the same cases.
 * Weights and inputs are rounded to float32 before either side sees them, so both differentiate
 * exactly the same function and the only disagreement left is tfjs's float32 arithmetic.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVATION_NAMES,
  type ActivationName,
  computeGradients,
  createNetwork,
  createRandom,
  fromRows,
  type GradientCheckOptions,
  type GradientResult,
  gradientCheck,
  type InitializerName,
  type LayerWeights,
  type LossName,
  type Network,
  type NetworkConfig,
  networkFromWeights,
  type Random,
  toRows,
} from '../../src/index.js';
import { initTfjs, type ReferenceResult, referenceGradients } from '../helpers/tfjs-reference.js';

// ─── Tolerances ───────────────────────────────────────────────────────────────────────────────

/**
 * ours (float64) vs tfjs (float32), per parameter array: |ours − tf| ≤ GRAD_TOL · max(1, max|ours|).
 * float32 rounds each op to ~6e-8 relative; a gradient is a chain of a few dozen ops (depth ≤ 4,
 * sums over ≤ 7 examples and ≤ 6 units), so errors of a few 1e-7 of the magnitudes involved are
 * expected (the worst seen over these cases is 1.8e-7, so 1e-5 leaves a 50× margin). The scale is
 * the array's largest entry, not each entry's own size, because float32 promises no better: an
 * entry that is a sum of cancelling terms keeps the absolute error of those terms. The floor of 1
 * stands for the O(1) intermediates (activations, δ's) every gradient is built from, so arrays of
 * tiny gradients (saturated units) are not held to more than float32 resolves.
 */
const GRAD_TOL = 1e-5;
/** Loss agreement: relative float32 tolerance plus a small absolute one for losses near 0. */
const LOSS_REL_TOL = 1e-5;
const LOSS_ABS_TOL = 1e-6;
/** Finite differences vs our analytic gradient (both float64), as `gradientCheck` measures it. */
const FD_TOL = 1e-6;
/** Relu pre-activations must stay this far from the kink, where neither side is differentiable. */
const RELU_MARGIN = 1e-3;
/** A case whose gradients are all below this would compare zeros with zeros: regenerate it. */
const MIN_GRADIENT = 1e-3;

// ─── Cases ────────────────────────────────────────────────────────────────────────────────────

interface Head {
  activation: ActivationName;
  loss: LossName;
  /** Fixed output width, or undefined for a random one (≥ 2 for softmax). */
  units?: number;
}

const HEADS: readonly Head[] = [
  { activation: 'sigmoid', loss: 'binary_crossentropy', units: 1 },
  { activation: 'sigmoid', loss: 'binary_crossentropy', units: 3 },
  { activation: 'softmax', loss: 'categorical_crossentropy' },
  { activation: 'softmax', loss: 'binary_crossentropy' },
  { activation: 'linear', loss: 'mean_squared_error' },
  { activation: 'tanh', loss: 'mean_squared_error' },
  { activation: 'relu', loss: 'mean_squared_error' },
  { activation: 'sigmoid', loss: 'mean_squared_error' },
];
const BATCH_SIZES = [1, 7] as const;
/** Random networks per (head, batch size): 8 heads × 2 batch sizes × 2 = 32. */
const PER_HEAD_AND_BATCH = 2;

const SHORT: Record<LossName, string> = {
  binary_crossentropy: 'bce',
  categorical_crossentropy: 'cce',
  mean_squared_error: 'mse',
};
const KERNEL_INITS: readonly InitializerName[] = ['glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal'];
const BIAS_INITS: readonly InitializerName[] = ['zeros', 'glorot_uniform', 'he_normal'];

interface Case {
  name: string;
  config: NetworkConfig;
  weights: LayerWeights[];
  x: number[][];
  y: number[][];
  /** `gradientCheck` options where its defaults cannot resolve this case (why: where set). */
  fd?: GradientCheckOptions;
  /** For the saturated cases: what "saturated" means, checked on the output logits. */
  saturation?: { what: string; holds: (logits: number[][]) => boolean };
}

const f32 = Math.fround;
const pick = <T>(rng: Random, items: readonly T[]): T => items[rng.int(items.length)];
const table = (rows: number, cols: number, value: (r: number, c: number) => number): number[][] =>
  Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => value(r, c)));

/** A network's weights as plain data, rounded to float32 so tfjs holds them exactly. */
function float32Weights(net: Network): LayerWeights[] {
  return net.layers.map((l) => ({
    kernel: toRows(l.kernel).map((row) => row.map(f32)),
    bias: Array.from(l.bias, f32),
  }));
}

function caseName(config: NetworkConfig, batch: number): string {
  const widths = [config.inputSize, ...config.layers.map((l) => l.units)].join('-');
  const acts = config.layers.map((l) => l.activation).join('→');
  return `depth ${config.layers.length} [${widths}] ${acts}+${SHORT[config.loss.name]} batch ${batch}`;
}

function labels(rng: Random, loss: LossName, rows: number, cols: number): number[][] {
  switch (loss) {
    case 'binary_crossentropy':
      return table(rows, cols, () => rng.int(2));
    case 'categorical_crossentropy': {
      return Array.from({ length: rows }, () => {
        const hot = rng.int(cols);
        return Array.from({ length: cols }, (_, c) => (c === hot ? 1 : 0));
      });
    }
    case 'mean_squared_error':
      return table(rows, cols, () => f32(rng.normal()));
  }
}

function usable(c: Case): boolean {
  const net = networkFromWeights(c.config, c.weights);
  const { gradients, workspace } = computeGradients(net, fromRows(c.x), fromRows(c.y));
  const awayFromKinks = c.config.layers.every(
    (l, i) => l.activation !== 'relu' || workspace.z[i].data.every((z) => Math.abs(z) >= RELU_MARGIN),
  );
  let largest = 0;
  for (const g of gradients) for (const v of [...g.kernel.data, ...g.bias]) largest = Math.max(largest, Math.abs(v));
  return awayFromKinks && largest >= MIN_GRADIENT;
}

/**
 * A random network of the given depth and head, with random inputs and labels; hidden
 * activations are taken in turn from `hidden` so that every one is exercised. Networks with a
 * relu pre-activation near 0, or with no gradient worth comparing (dead relu head), are redrawn.
 */
function randomCase(rng: Random, head: Head, batch: number, depth: number, hidden: () => ActivationName): Case {
  const hiddenActs = Array.from({ length: depth - 1 }, hidden);
  for (let attempt = 0; attempt < 200; attempt++) {
    const outUnits = head.units ?? (head.activation === 'softmax' ? 2 + rng.int(5) : 1 + rng.int(6));
    const config: NetworkConfig = {
      inputSize: 1 + rng.int(5),
      layers: [
        // A softmax over one unit is the constant 1 and would cut every earlier layer off
        // (zero gradients compared with zeros), so a softmax layer gets 2–6 units.
        ...hiddenActs.map((activation) => ({
          units: activation === 'softmax' ? 2 + rng.int(5) : 1 + rng.int(6),
          activation,
        })),
        { units: outUnits, activation: head.activation },
      ],
      loss: { name: head.loss },
    };
    const net = createNetwork(config, {
      seed: rng.int(2 ** 31),
      kernelInitializer: pick(rng, KERNEL_INITS),
      biasInitializer: pick(rng, BIAS_INITS),
    });
    const c: Case = {
      name: caseName(config, batch),
      config,
      weights: float32Weights(net),
      x: table(batch, config.inputSize, () => f32(rng.normal())),
      y: labels(rng, head.loss, batch, outUnits),
      // Central differences with h = 1e-5 carry rounding noise ~ε·L/h ≈ 1e-11 (L ~ 1) and a
      // truncation error h²·f'''/6 of the same order, so a gradient below ~1e-4 cannot be resolved
      // to 1e-6 relative: below it, judge absolutely (1e-10), as `backprop gradcheck` does.
      fd: { floor: 1e-4 },
    };
    if (usable(c)) return c;
  }
  throw new Error(`could not draw a usable ${hiddenActs.join('→')}→${head.activation}+${head.loss} network`);
}

function randomCases(): Case[] {
  const rng = createRandom(20240917);
  let next = 0;
  const hidden = () => ACTIVATION_NAMES[next++ % ACTIVATION_NAMES.length];
  const cases: Case[] = [];
  HEADS.forEach((head, h) => {
    BATCH_SIZES.forEach((batch, b) => {
      for (let v = 0; v < PER_HEAD_AND_BATCH; v++) {
        // Each head meets every depth 1–4 once over its four networks.
        const depth = 1 + ((h + 2 * b + v) % 4);
        cases.push(randomCase(rng, head, batch, depth, hidden));
      }
    });
  });
  return cases;
}

/**
 * Hand-made saturated cases. The output logits are pushed far out through the last layer's bias
 * (and, for softmax, a scaled kernel); labels mix confidently right outputs (gradient ~e^−40,
 * which must not become NaN) with confidently wrong ones (loss ~40–800 per output, gradient
 * ŷ − y = ±1 per output before the mean, which a clipped loss would wrongly zero).
 */
function saturatedCases(): Case[] {
  const rng = createRandom(77);
  const withLastLayer = (net: Network, bias: number[], kernelScale = 1): LayerWeights[] => {
    const w = float32Weights(net);
    const last = w[w.length - 1];
    last.kernel = last.kernel.map((row) => row.map((v) => f32(v * kernelScale)));
    last.bias = bias.map(f32);
    return w;
  };
  const sigmoidLogits = (min: number, max = Infinity) => ({
    what: `every output logit has ${min} ≤ |z| ≤ ${max}`,
    holds: (z: number[][]) => z.flat().every((v) => Math.abs(v) >= min && Math.abs(v) <= max),
  });
  // Softmax is saturated when each row's top logit beats the others by ≥ 30: ŷ_top ≥ 1 − 1e-12.
  const softmaxGap = {
    what: "each row's largest logit exceeds every other by ≥ 30",
    holds: (z: number[][]) =>
      z.every((row) => {
        const top = Math.max(...row);
        return row.filter((v) => v === top).length === 1 && row.every((v) => v === top || top - v >= 30);
      }),
  };
  interface Saturated {
    config: NetworkConfig;
    /** Seed of the network's other weights. */
    seed: number;
    /** The last layer's bias, which pushes the logits out. */
    bias: number[];
    /** Multiplies the last kernel, to spread the logits too. */
    kernelScale?: number;
    batch: number;
    y: number[][];
    saturation: NonNullable<Case['saturation']>;
    fd?: GradientCheckOptions;
  }
  const make = ({ config, seed, bias, kernelScale = 1, batch, y, saturation, fd }: Saturated): Case => ({
    name:
      `saturated: ${caseName(config, batch)}, last bias [${bias.join(', ')}]` +
      (kernelScale === 1 ? '' : `, last kernel ×${kernelScale}`),
    config,
    weights: withLastLayer(createNetwork(config, { seed }), bias, kernelScale),
    x: table(batch, config.inputSize, () => f32(rng.normal())),
    y,
    saturation,
    fd,
  });
  const bce = { name: 'binary_crossentropy' } as const;
  const cce = { name: 'categorical_crossentropy' } as const;
  const alternating = (rows: number, cols: number) => table(rows, cols, (r, c) => (r + c) % 2);
  const oneHot = (rows: number, cols: number, hot: (r: number) => number) =>
    table(rows, cols, (r, c) => (c === hot(r) ? 1 : 0));
  return [
    make({
      config: {
        inputSize: 3,
        layers: [
          { units: 4, activation: 'tanh' },
          { units: 3, activation: 'sigmoid' },
        ],
        loss: bce,
      },
      seed: 11,
      bias: [40, -40, 40],
      batch: 7,
      y: alternating(7, 3),
      saturation: sigmoidLogits(30, 50),
    }),
    make({
      config: {
        inputSize: 3,
        layers: [
          { units: 4, activation: 'sigmoid' },
          { units: 1, activation: 'sigmoid' },
        ],
        loss: bce,
      },
      seed: 12,
      bias: [-800],
      batch: 7,
      y: alternating(7, 1),
      saturation: sigmoidLogits(790, 810),
      // The loss is ~340 (800 per wrong label), so with the default h = 1e-5 the rounding of
      // L(p ± h), ~ε·340/2h ≈ 4e-9, swamps the smallest first-layer gradients (~1.6e-4) at
      // ~1e-5 relative. h = 3e-4 cuts rounding 30-fold while truncation (~h²) stays ~1e-7.
      fd: { epsilon: 3e-4 },
    }),
    make({
      config: { inputSize: 2, layers: [{ units: 4, activation: 'sigmoid' }], loss: bce },
      seed: 13,
      bias: [40, -40, -800, 40],
      batch: 1,
      y: [[0, 1, 1, 1]], // the first three confidently wrong, the last confidently right
      saturation: sigmoidLogits(30, 810),
    }),
    make({
      config: {
        inputSize: 4,
        layers: [
          { units: 5, activation: 'tanh' },
          { units: 4, activation: 'softmax' },
        ],
        loss: cce,
      },
      seed: 14,
      bias: [50, -50, -50, -50],
      kernelScale: 2,
      batch: 7,
      y: oneHot(7, 4, (r) => r % 4),
      saturation: softmaxGap,
    }),
    make({
      config: { inputSize: 3, layers: [{ units: 3, activation: 'softmax' }], loss: cce },
      seed: 15,
      bias: [50, -50, 0],
      batch: 1,
      y: [[0, 1, 0]],
      saturation: softmaxGap,
    }),
  ];
}

const RANDOM_CASES = randomCases();
const SATURATED_CASES = saturatedCases();
const CASES = [...RANDOM_CASES, ...SATURATED_CASES].map((c, i) => ({
  ...c,
  name: `#${String(i + 1).padStart(2, '0')} ${c.name}`,
}));

// ─── Comparison ───────────────────────────────────────────────────────────────────────────────

function reference(c: Case): ReferenceResult {
  return referenceGradients({
    layers: c.config.layers.map((l, i) => ({ ...c.weights[i], activation: l.activation })),
    loss: c.config.loss.name,
    x: c.x,
    y: c.y,
  });
}

interface Mismatch {
  /** Which array, e.g. "layer 2 kernel", and the worst entry in it. */
  where: string;
  error: number;
  tolerance: number;
}

/** The worst |ours − tf| over one parameter array, with that array's float32 tolerance. */
function worstOf(where: string, ours: ArrayLike<number>, tf: ArrayLike<number>): Mismatch {
  if (ours.length !== tf.length) throw new Error(`${where}: ${ours.length} entries vs tfjs's ${tf.length}`);
  let scale = 1;
  for (let i = 0; i < ours.length; i++) scale = Math.max(scale, Math.abs(ours[i]));
  let worst = { where, error: 0, tolerance: GRAD_TOL * scale };
  for (let i = 0; i < ours.length; i++) {
    const error = Math.abs(ours[i] - tf[i]);
    // `!(error <= …)` also catches NaN on either side.
    if (!(error <= worst.error)) worst = { ...worst, where: `${where}[${i}]: ours ${ours[i]}, tfjs ${tf[i]}`, error };
  }
  return worst;
}

/** Every parameter array's worst disagreement, kernels and biases of every layer. */
function mismatches(ours: GradientResult, tf: ReferenceResult): Mismatch[] {
  return ours.gradients.flatMap((g, l) => [
    worstOf(`layer ${l + 1} kernel`, g.kernel.data, tf.kernels[l]),
    worstOf(`layer ${l + 1} bias`, g.bias, tf.biases[l]),
  ]);
}

const rejected = (ms: Mismatch[]) => ms.some((m) => !(m.error <= m.tolerance));

// ─── Tests ────────────────────────────────────────────────────────────────────────────────────

beforeAll(async () => {
  await initTfjs();
});

describe('backprop vs TensorFlow.js autodiff and finite differences', () => {
  it.each(CASES)('$name', (c) => {
    const net = networkFromWeights(c.config, c.weights);
    const x = fromRows(c.x);
    const y = fromRows(c.y);
    const ours = computeGradients(net, x, y);
    const tf = reference(c);

    if (c.saturation) {
      const logits = toRows(ours.workspace.z[c.config.layers.length - 1]);
      expect(c.saturation.holds(logits), `not saturated: expected ${c.saturation.what}`).toBe(true);
    }

    expect(Number.isFinite(ours.loss), `our loss is ${ours.loss}`).toBe(true);
    expect(Math.abs(ours.loss - tf.loss), `loss: ours ${ours.loss}, tfjs ${tf.loss}`).toBeLessThanOrEqual(
      LOSS_REL_TOL * Math.abs(ours.loss) + LOSS_ABS_TOL,
    );

    for (const m of mismatches(ours, tf)) expect(m.error, m.where).toBeLessThanOrEqual(m.tolerance);

    const fd = gradientCheck(net, x, y, c.fd);
    const worst = fd.layers.flatMap((l) =>
      [['kernel', l.kernel] as const, ['bias', l.bias] as const].map(
        ([what, p]) =>
          `layer ${l.layer} ${what}[${p.worstIndex}]: analytic ${p.analytic}, numeric ${p.numeric}, rel ${p.maxRelError}`,
      ),
    );
    expect(fd.maxRelError, worst.join('\n')).toBeLessThanOrEqual(FD_TOL);
  });
});

describe('the comparison is not vacuous', () => {
  it('covers every hidden activation, every head with batch 1 and 7, and depths 1–4', () => {
    expect(RANDOM_CASES.length).toBeGreaterThanOrEqual(24);
    const hidden = new Set(RANDOM_CASES.flatMap((c) => c.config.layers.slice(0, -1).map((l) => l.activation)));
    expect([...hidden].sort()).toEqual([...ACTIVATION_NAMES].sort());
    for (const head of HEADS) {
      for (const batch of BATCH_SIZES) {
        const found = RANDOM_CASES.some((c) => {
          const out = c.config.layers[c.config.layers.length - 1];
          return (
            out.activation === head.activation &&
            c.config.loss.name === head.loss &&
            (head.units === undefined || out.units === head.units) &&
            c.x.length === batch
          );
        });
        expect(found, `${head.activation}+${head.loss} (${head.units ?? 'any'} units) batch ${batch}`).toBe(true);
      }
    }
    expect(new Set(RANDOM_CASES.map((c) => c.config.layers.length))).toEqual(new Set([1, 2, 3, 4]));
    for (const c of RANDOM_CASES) {
      expect(c.config.inputSize).toBeGreaterThanOrEqual(1);
      expect(c.config.inputSize).toBeLessThanOrEqual(5);
      for (const l of c.config.layers) expect(l.units).toBeLessThanOrEqual(6);
    }
  });

  it('rejects a gradient of the summed instead of the mean loss (every batch-7 case)', () => {
    for (const c of CASES.filter((c) => c.x.length === 7)) {
      const ours = computeGradients(networkFromWeights(c.config, c.weights), fromRows(c.x), fromRows(c.y));
      for (const g of ours.gradients) {
        for (const arr of [g.kernel.data, g.bias]) for (let i = 0; i < arr.length; i++) arr[i] *= 7;
      }
      expect(rejected(mismatches(ours, reference(c))), c.name).toBe(true);
    }
  });

  it('rejects the gradient of a network whose first hidden activation is swapped (every case of depth ≥ 2 where that layer reaches the loss)', () => {
    const swap: Record<ActivationName, ActivationName> = {
      sigmoid: 'tanh',
      tanh: 'sigmoid',
      relu: 'sigmoid',
      linear: 'tanh',
      softmax: 'sigmoid',
    };
    // Where a dead relu unit cuts the first layer off from the loss (its gradient all zero), no
    // activation there changes any gradient: such a case cannot tell a swap.
    const reaches = (c: Case) => reference(c).kernels[0].some((v) => Math.abs(v) > MIN_GRADIENT);
    const deep = CASES.filter((c) => c.config.layers.length >= 2 && reaches(c));
    expect(deep.length).toBeGreaterThanOrEqual(CASES.filter((c) => c.config.layers.length >= 2).length - 2);
    for (const c of deep) {
      const layers = c.config.layers.map((l, i) => (i === 0 ? { ...l, activation: swap[l.activation] } : l));
      const wrong = networkFromWeights({ ...c.config, layers }, c.weights);
      const ours = computeGradients(wrong, fromRows(c.x), fromRows(c.y));
      expect(rejected(mismatches(ours, reference(c))), c.name).toBe(true);
    }
  });
});
