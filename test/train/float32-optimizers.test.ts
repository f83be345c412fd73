/**
 * Momentum, Nesterov and Adam in the float32 engine (assembly/kernels-f32.ts): each update rule
 * against a hand-written float32 version of Keras's formula (Math.fround after every operation,
 * which rounds each +, −, ×, ÷ and √ of two float32 values exactly as float32 arithmetic does);
 * trajectories over the vocabulary's cases within float32 tolerance of the float64 path; the
 * same bits on every run, stepped batch by batch or in whole epochs, and when resumed from the
 * optimiser's saved state.
 */
import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_NAMES,
  type ActivationName,
  ConfigError,
  cloneNetwork,
  createNetwork,
  createOptimizer,
  type FitOptions,
  fit,
  LOSS_NAMES,
  type LossName,
  type Network,
  type NetworkConfig,
  type OptimizerConfig,
} from '../../src/index.js';
import { createWasmF32Engine } from '../../src/train/engines/wasm-f32.js';
import { bits, dataset } from '../helpers/engine-equality.js';

const f = Math.fround;

/** Every weight and example rounded to float32, so that only the arithmetic differs. */
function toFloat32Values(net: Network, ...arrays: Float64Array[]): void {
  for (const a of [...net.layers.flatMap((l) => [l.kernel.data, l.bias]), ...arrays]) {
    for (let i = 0; i < a.length; i++) a[i] = f(a[i]);
  }
}

const params = (net: Network) => net.layers.flatMap((l) => [l.kernel.data, l.bias]);

/** The optimisers with state, with settings whose steps are large enough to show an error. */
const STATEFUL: OptimizerConfig[] = [
  { name: 'momentum', learningRate: 0.05, momentum: 0.9 },
  { name: 'nesterov', learningRate: 0.05, momentum: 0.8 },
  { name: 'adam', learningRate: 0.01 },
];

/** The settings as float32 values: what the float32 engine computes with (Keras casts them so). */
function float32Settings(c: OptimizerConfig): OptimizerConfig {
  const r = createOptimizer(c).config;
  return {
    ...r,
    learningRate: f(r.learningRate),
    momentum: f(r.momentum),
    beta1: f(r.beta1),
    beta2: f(r.beta2),
    epsilon: f(r.epsilon),
  };
}

describe('each update rule against Keras’s formula in float32 arithmetic', () => {
  const config: NetworkConfig = {
    inputSize: 5,
    layers: [
      { units: 7, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    loss: { name: 'categorical_crossentropy' },
  };

  it.each(STATEFUL)('$name: the same bits over 6 steps, weights and slots', (cfg) => {
    const net = createNetwork(config, { seed: 5 });
    const data = dataset(5, 3, 'categorical_crossentropy', 30, 6);
    toFloat32Values(net, data.x.data, data.y.data);
    const ours = cloneNetwork(net);
    const optimizer = createOptimizer(cfg);
    const engine = createWasmF32Engine({
      net: ours,
      data,
      batchSize: 5,
      l2: 0,
      epochs: 1,
      optimizer,
      perStepCallback: true,
    })!;
    // The reference: the float32 engine's gradient (tested against float64 in float32.test.ts) at
    // the reference's own weights, then the update written out here.
    const ref = cloneNetwork(net);
    const grads = createWasmF32Engine({ net: ref, data, batchSize: 5, l2: 0, epochs: 1, perStepCallback: false })!;
    const { learningRate: lr, momentum: mu, beta1, beta2, epsilon } = createOptimizer(cfg).config;
    const [c1, c2, b1, b2] = [f(1 - beta1), f(1 - beta2), f(beta1), f(beta2)];
    const w = params(ref);
    const s1 = w.map((a) => new Float64Array(a.length));
    const s2 = w.map((a) => new Float64Array(a.length));
    engine.startEpoch(null);
    for (let t = 1; t <= 6; t++) {
      const start = (t - 1) * 5;
      engine.runBatch(start, 5);
      grads.startEpoch(null);
      grads.gradient(start, 5);
      const alpha = f((f(lr) * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t));
      w.forEach((wp, p) => {
        const g = grads.grads[p];
        const [slot1, slot2] = [s1[p], s2[p]];
        for (let i = 0; i < wp.length; i++) {
          if (cfg.name === 'adam') {
            slot1[i] = f(slot1[i] + f(f(g[i] - slot1[i]) * c1));
            slot2[i] = f(slot2[i] + f(f(f(g[i] * g[i]) - slot2[i]) * c2));
            wp[i] = f(wp[i] - f(f(alpha * slot1[i]) / f(f(Math.sqrt(slot2[i])) + f(epsilon))));
          } else {
            const lg = f(f(lr) * g[i]);
            slot1[i] = f(f(f(mu) * slot1[i]) - lg);
            wp[i] = f(wp[i] + (cfg.name === 'nesterov' ? f(f(f(mu) * slot1[i]) - lg) : slot1[i]));
          }
        }
      });
    }
    engine.storeWeights();
    expect(bits(ours)).toBe(bits(ref));
    expect(bits(ours)).not.toBe(bits(net));
    const state = optimizer.state!();
    expect(state.iterations).toBe(6);
    expect(state.slots1).toEqual(s1.map((a) => Array.from(a)));
    if (cfg.name === 'adam') expect(state.slots2).toEqual(s2.map((a) => Array.from(a)));
    else expect(state.slots2).toBeUndefined();
  });
});

function networkFor(hidden: ActivationName, output: ActivationName, loss: LossName) {
  const units = output === 'softmax' ? 3 : loss === 'mean_squared_error' ? 2 : 1;
  const config: NetworkConfig = {
    inputSize: 6,
    layers: [
      { units: 9, activation: hidden },
      { units, activation: output },
    ],
    loss: { name: loss },
  };
  try {
    return createNetwork(config, { seed: 8 });
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

const cases = ACTIVATION_NAMES.flatMap((hidden) =>
  ACTIVATION_NAMES.flatMap((output) =>
    LOSS_NAMES.filter((loss) => networkFor(hidden, output, loss) !== undefined).flatMap((loss) =>
      STATEFUL.map((optimizer) => ({ hidden, output, loss, optimizer, name: optimizer.name })),
    ),
  ),
);

/** Updates in a trajectory below: 3 epochs of 64 examples in batches of 8. */
const UPDATES = 3 * 8;

describe('float32 trajectories against the float64 path', () => {
  it('covers generated cases', () => expect(cases.length).toBeGreaterThan(60));

  it.each(cases)('$name: hidden $hidden → $output, $loss', ({ hidden, output, loss, optimizer }) => {
    const net = networkFor(hidden, output, loss)!;
    const outputs = net.layers[1].bias.length;
    const data = dataset(6, outputs, loss, 64, 9);
    toFloat32Values(net, data.x.data, data.y.data);
    const run = (dtype: 'float32' | 'float64') => {
      const copy = cloneNetwork(net);
      // The float64 path with the float32 engine's constants: only the arithmetic differs.
      const history = fit(copy, data, {
        dtype,
        epochs: 3,
        batchSize: 8,
        seed: 2,
        l2: 0.001,
        optimizer: float32Settings(optimizer),
      });
      return { weights: params(copy), losses: history.epochs.map((e) => e.loss) };
    };
    const a = run('float32');
    const b = run('float64');
    // Per update, float32 rounds every weight (2⁻²⁴·|w|, |w| ≲ 2) and its gradient: 2⁻²² per
    // update. Adam's step does not shrink with the gradient, so a component whose sum cancels
    // carries its float32 error into the weight at the step's full size η: η·2⁻¹⁶ per update allows
    // 8 of 24 bits lost to cancellation (the TF.js parity suite allows 10: test/parity/harness.ts).
    // The worst measured over these cases: 2.9e-7 (momentum), 2.6e-7 (Nesterov), 4.2e-7 (Adam),
    // against 5.7e-6 and 3.7e-6 allowed.
    const tol = optimizer.name === 'adam' ? UPDATES * optimizer.learningRate! * 2 ** -16 : UPDATES * 2 ** -22;
    a.weights.forEach((w, i) => {
      const worst = Math.max(...Array.from(w, (v, j) => Math.abs(v - b.weights[i][j])));
      expect(worst).toBeLessThanOrEqual(tol);
      expect(w.every((v) => f(v) === v)).toBe(true);
    });
    a.losses.forEach((l, e) => expect(Math.abs(l - b.losses[e])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(l))));
    // Training moved the weights far beyond the tolerance: the comparison says something.
    const moved = Math.max(
      ...params(net).map((w, i) => Math.max(...Array.from(w, (v, j) => Math.abs(v - a.weights[i][j])))),
    );
    expect(moved).toBeGreaterThan(100 * tol);
  });
});

describe('float32 runs with state: reproducible and resumable', () => {
  const config: NetworkConfig = {
    inputSize: 6,
    layers: [
      { units: 12, activation: 'relu' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: { name: 'binary_crossentropy' },
  };
  const data = dataset(6, 1, 'binary_crossentropy', 1_001, 31);
  const validationData = dataset(6, 1, 'binary_crossentropy', 100, 32);
  const base: FitOptions = { dtype: 'float32', epochs: 4, batchSize: 16, seed: 3, l2: 0.0005, validationData };

  it.each(STATEFUL)('$name: one seed, the same bits; per step as in whole epochs', (optimizer) => {
    const net = createNetwork(config, { seed: 4 });
    const [a, b, c] = [cloneNetwork(net), cloneNetwork(net), cloneNetwork(net)];
    const ha = fit(a, data, { ...base, optimizer });
    const hb = fit(b, data, { ...base, optimizer });
    let steps = 0;
    fit(c, data, { ...base, optimizer, onBatchEnd: () => void steps++ });
    expect(ha.detail).toBe('float32');
    expect(bits(a)).toBe(bits(b));
    expect(ha.epochs).toEqual(hb.epochs);
    expect(bits(c)).toBe(bits(a));
    expect(steps).toBe(4 * Math.ceil(1_001 / 16));
  });

  it.each(STATEFUL)('$name: resumed from its saved state, the bits of an uninterrupted run', (cfg) => {
    const net = createNetwork(config, { seed: 4 });
    const whole = cloneNetwork(net);
    const first = createOptimizer(cfg);
    fit(whole, data, { ...base, optimizer: first });
    const resumed = cloneNetwork(net);
    const before = createOptimizer(cfg);
    fit(resumed, data, { ...base, epochs: 2, optimizer: before });
    // Through JSON, as a model file carries it (--include-optimizer).
    const saved = JSON.parse(JSON.stringify(before.state!()));
    for (const slots of [saved.slots1, saved.slots2 ?? []])
      for (const a of slots) for (const v of a) expect(f(v)).toBe(v);
    const after = createOptimizer(cfg, saved);
    fit(resumed, data, { ...base, initialEpoch: 2, optimizer: after });
    expect(bits(resumed)).toBe(bits(whole));
    expect(after.iterations).toBe(first.iterations);
    expect(after.state!()).toEqual(first.state!());
  });

  it('an optimiser holding state for another network: refused before training', () => {
    const opt = createOptimizer({ name: 'adam' });
    opt.step([new Float64Array(3)], [new Float64Array(3)]);
    const net = createNetwork(config, { seed: 4 });
    const copy = cloneNetwork(net);
    expect(() => fit(copy, data, { ...base, optimizer: opt })).toThrow(/holds state for a parameter of 3 values/);
    expect(bits(copy)).toBe(bits(net));
  });
});
