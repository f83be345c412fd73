/**
 * `dtype: 'float32'`: the float32 engine (assembly/kernels-f32.ts) against the float64 reference
 * path within float32 tolerance — the gradient and loss of one batch over cases generated from the
 * vocabulary — bit-identical to itself for one seed, closer to TF.js (float32) along a training
 * trajectory than the float64 path is, and refusing loudly every run it has no kernel for. The
 * optimisers other than plain SGD: float32-optimizers.test.ts.
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
  OPTIMIZER_NAMES,
} from '../../src/index.js';
import { computeGradients } from '../../src/nn/backprop.js';
import { fitParallel } from '../../src/parallel.js';
import { createWasmF32Engine, float32Gap } from '../../src/train/engines/wasm-f32.js';
import { bits, dataset } from '../helpers/engine-equality.js';
import { sigmoidNet } from '../helpers/networks.js';
import {
  initTfjs,
  type ReferenceActivation,
  type ReferenceLoss,
  referenceGradients,
} from '../helpers/tfjs-reference.js';

/** Every weight and example rounded to float32, so that only the arithmetic differs. */
function toFloat32Values(net: Network, ...arrays: Float64Array[]): void {
  for (const a of [...net.layers.flatMap((l) => [l.kernel.data, l.bias]), ...arrays]) {
    for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i]);
  }
}

function networkFor(hidden: ActivationName, output: ActivationName, loss: LossName, depth: number) {
  const units = output === 'softmax' ? 3 : loss === 'mean_squared_error' ? 2 : 1;
  const config: NetworkConfig = {
    inputSize: 6,
    layers: [
      ...Array.from({ length: depth }, (_, i) => ({ units: 5 + 4 * i, activation: hidden })),
      { units, activation: output },
    ],
    loss: { name: loss },
  };
  try {
    return createNetwork(config, { seed: 7 });
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

const cases = ACTIVATION_NAMES.flatMap((hidden) =>
  ACTIVATION_NAMES.flatMap((output) =>
    LOSS_NAMES.filter((loss) => networkFor(hidden, output, loss, 1) !== undefined).map((loss) => ({
      hidden,
      output,
      loss,
    })),
  ),
);

describe('float32 gradients against the float64 reference', () => {
  it('covers generated cases', () => expect(cases.length).toBeGreaterThan(20));

  it.each(cases)('hidden $hidden → $output, $loss', ({ hidden, output, loss }) => {
    for (const depth of [1, 2]) {
      for (const [batch, l2] of [
        [1, 0],
        [9, 0],
        [32, 0.01],
      ] as const) {
        const net = networkFor(hidden, output, loss, depth)!;
        const outputs = net.layers[net.layers.length - 1].bias.length;
        const data = dataset(6, outputs, loss, batch, 3 + batch);
        toFloat32Values(net, data.x.data, data.y.data);
        const reference = computeGradients(net, data.x, data.y, l2);
        const engine = createWasmF32Engine({ net, data, batchSize: batch, l2, epochs: 1, perStepCallback: false })!;
        engine.startEpoch(null);
        engine.gradient(0, batch);
        expect(Math.abs(engine.result[0] - reference.loss)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(reference.loss)));
        const expected = reference.gradients.flatMap((g) => [g.kernel.data, g.bias]);
        expected.forEach((g64, i) => {
          // float32 carries ~6e-8 relative per operation; a few dozen operations per value.
          const scale = Math.max(1, ...Array.from(g64, Math.abs));
          const worst = Math.max(...Array.from(g64, (v, j) => Math.abs(engine.grads[i][j] - v)));
          expect(worst).toBeLessThanOrEqual(2e-5 * scale);
          expect(engine.grads[i].every((v) => Math.fround(v) === v)).toBe(true); // float32 values
        });
      }
    }
  });
});

describe('float32 training', () => {
  const config: NetworkConfig = {
    inputSize: 6,
    layers: [
      { units: 12, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    loss: { name: 'categorical_crossentropy' },
  };
  const data = dataset(6, 3, 'categorical_crossentropy', 3_001, 21);
  const validationData = dataset(6, 3, 'categorical_crossentropy', 200, 22);
  const options: FitOptions = {
    dtype: 'float32',
    epochs: 3,
    batchSize: 16,
    seed: 4,
    l2: 0.001,
    validationData,
    optimizer: { name: 'sgd', learningRate: 0.05 },
  };

  it('gives the same bits on every run with one seed, and stores float32 values', () => {
    const net = createNetwork(config, { seed: 3 });
    const a = cloneNetwork(net);
    const b = cloneNetwork(net);
    const ha = fit(a, data, options);
    const hb = fit(b, data, options);
    expect(ha.detail).toBe('float32');
    expect(bits(a)).toBe(bits(b));
    expect(ha.epochs).toEqual(hb.epochs);
    expect(bits(a)).not.toBe(bits(net));
    for (const l of a.layers) for (const v of [...l.kernel.data, ...l.bias]) expect(Math.fround(v)).toBe(v);
  });

  it('steps batch by batch (a per-step callback) to the same weights as whole epochs', () => {
    const net = createNetwork(config, { seed: 3 });
    const a = cloneNetwork(net);
    const b = cloneNetwork(net);
    fit(a, data, options);
    fit(b, data, { ...options, onBatchEnd: () => true });
    expect(bits(a)).toBe(bits(b));
  });

  it('stays within float32 tolerance of the float64 path over an epoch', () => {
    const net = createNetwork(config, { seed: 3 });
    const a = cloneNetwork(net);
    const b = cloneNetwork(net);
    const h32 = fit(a, data, { ...options, epochs: 1 });
    const h64 = fit(b, data, { ...options, epochs: 1, dtype: 'float64' });
    expect(Math.abs(h32.epochs[0].loss - h64.epochs[0].loss)).toBeLessThan(1e-5);
    a.layers.forEach((l, i) => {
      l.kernel.data.forEach((v, j) => expect(Math.abs(v - b.layers[i].kernel.data[j])).toBeLessThan(1e-4));
    });
  });
});

describe('a run the float32 engine has no kernel for', () => {
  const notes = sigmoidNet(3, 4);
  const net = createNetwork(notes, { seed: 1 });
  const data = dataset(3, 1, 'binary_crossentropy', 40, 2);
  const refused: [string, FitOptions, Partial<typeof data> & { w?: Float64Array }][] = [
    ['sample weights', {}, { w: new Float64Array(40).fill(1) }],
    ['the reference engine', { engine: 'reference' }, {}],
  ];

  it.each(refused)('%s: throws a ConfigError before training, the network unchanged', (_, extra, more) => {
    const copy = cloneNetwork(net);
    expect(() => fit(copy, { ...data, ...more }, { dtype: 'float32', ...extra })).toThrow(ConfigError);
    expect(bits(copy)).toBe(bits(net));
  });

  it('a clipped cross-entropy, and an optimiser object not made by createOptimizer', () => {
    const clipped = createNetwork({ ...notes, loss: { name: 'binary_crossentropy', epsilon: 1e-7 } }, { seed: 1 });
    expect(() => fit(clipped, data, { dtype: 'float32' })).toThrow(/clipped cross-entropy/);
    for (const name of OPTIMIZER_NAMES) {
      const made = createOptimizer({ name });
      const own = { ...made, step: made.step.bind(made) };
      expect(() => fit(cloneNetwork(net), data, { dtype: 'float32', optimizer: own })).toThrow(
        /not made by createOptimizer/,
      );
    }
    expect(float32Gap({ net, data, batchSize: 1, l2: 0, epochs: 1, perStepCallback: false })).toBeUndefined();
  });

  it('fitParallel with two workers: refused before any thread starts', async () => {
    const copy = cloneNetwork(net);
    await expect(fitParallel(copy, data, { dtype: 'float32', workers: 2 })).rejects.toThrow(
      /dtype 'float32' trains on one thread/,
    );
    expect(bits(copy)).toBe(bits(net));
  });

  it('rejects a dtype it does not know', () => {
    expect(() => fit(cloneNetwork(net), data, { dtype: 'float16' as 'float32' })).toThrow(/unknown dtype 'float16'/);
  });
});

describe('a trajectory against TF.js (float32)', () => {
  it('the float32 engine ends closer to TF.js than the float64 path does', async () => {
    await initTfjs();
    const layers = [
      { units: 8, activation: 'tanh' as const },
      { units: 2, activation: 'linear' as const },
    ];
    const net = createNetwork({ inputSize: 5, layers, loss: { name: 'mean_squared_error' } }, { seed: 12 });
    const data = dataset(5, 2, 'mean_squared_error', 64, 13);
    toFloat32Values(net, data.x.data, data.y.data);
    const lr = 0.05;
    const batch = 8;
    const epochs = 4;
    // TF.js: its autodiff gradients (float32), the SGD step w − lr·g in float32, batches in order.
    const w = net.layers.map((l) => ({ kernel: Float32Array.from(l.kernel.data), bias: Float32Array.from(l.bias) }));
    const rows = (m: { cols: number; data: Float64Array }, s: number, n: number) =>
      Array.from({ length: n }, (_, r) => Array.from(m.data.subarray((s + r) * m.cols, (s + r + 1) * m.cols)));
    for (let e = 0; e < epochs; e++) {
      for (let s = 0; s < 64; s += batch) {
        const g = referenceGradients({
          layers: w.map((l, i) => ({
            kernel: rows(
              { cols: layers[i].units, data: Float64Array.from(l.kernel) },
              0,
              l.kernel.length / layers[i].units,
            ),
            bias: Array.from(l.bias),
            activation: layers[i].activation as ReferenceActivation,
          })),
          loss: 'mean_squared_error' as ReferenceLoss,
          x: rows(data.x, s, batch),
          y: rows(data.y, s, batch),
        });
        w.forEach((l, i) => {
          l.kernel.forEach((v, j) => (l.kernel[j] = v - Math.fround(lr * g.kernels[i][j])));
          l.bias.forEach((v, j) => (l.bias[j] = v - Math.fround(lr * g.biases[i][j])));
        });
      }
    }
    const run = (dtype: 'float32' | 'float64') => {
      const copy = cloneNetwork(net);
      fit(copy, data, {
        dtype,
        epochs,
        batchSize: batch,
        shuffle: false,
        optimizer: { name: 'sgd', learningRate: lr },
      });
      let worst = 0;
      copy.layers.forEach((l, i) => {
        l.kernel.data.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - w[i].kernel[j]))));
        l.bias.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - w[i].bias[j]))));
      });
      return worst;
    };
    const d32 = run('float32');
    const d64 = run('float64');
    expect(d64).toBeGreaterThan(0);
    expect(d32).toBeLessThan(d64);
  });
});
