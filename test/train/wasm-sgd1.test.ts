/**
 * The WebAssembly engine's batch-1 kernels (`sgd1Epoch`, and `sgd1TwoLayer` for in-h-1 networks
 * with a sigmoid output and binary cross-entropy) run whole epochs of plain SGD one example at a
 * time, the update fused into the backward pass, streaming the data through a buffer. They
 * must agree bit for bit with the reference path: weights and epoch logs, on random small
 * networks with every supported hidden activation and head, shuffling on and off, datasets
 * longer than the stream buffer, weights and biases of −0 (the literal `0 +` sums), and
 * divergence. `fit` must pick them exactly where they apply.
 */
import { describe, expect, it } from 'vitest';
import { instantiateWasmKernels, wasmKernelsAvailable } from '../../src/core/wasm/kernels.js';
import {
  type ActivationName,
  cloneNetwork,
  createNetwork,
  createOptimizer,
  createRandom,
  DivergenceError,
  type FitOptions,
  fit,
  type LossName,
  type Network,
  type NetworkConfig,
} from '../../src/index.js';
import { bits, dataset } from '../helpers/engine-equality.js';

/** Trains copies of `net` with the wasm engine and the reference path; both must agree. */
function expectSameAsReference(net: Network, data: ReturnType<typeof dataset>, options: FitOptions) {
  const a = cloneNetwork(net);
  const b = cloneNetwork(net);
  const wasm = fit(a, data, { ...options, engine: 'wasm' });
  const reference = fit(b, data, { ...options, engine: 'reference' });
  expect(wasm.engine).toBe('wasm');
  expect(reference.engine).toBe('reference');
  expect(bits(a)).toBe(bits(b));
  expect(wasm.epochs).toEqual(reference.epochs);
  expect(bits(a)).not.toBe(bits(net)); // it did train
  return wasm;
}

const heads: [ActivationName, LossName][] = [
  ['sigmoid', 'binary_crossentropy'],
  ['softmax', 'categorical_crossentropy'],
  ['softmax', 'binary_crossentropy'],
  ['linear', 'mean_squared_error'],
  ['tanh', 'mean_squared_error'],
  ['sigmoid', 'mean_squared_error'],
  ['relu', 'mean_squared_error'],
  ['softmax', 'mean_squared_error'],
];
const hidden: ActivationName[] = ['sigmoid', 'tanh', 'relu', 'linear'];

const cases = Array.from({ length: 40 }, (_, c) => {
  const rng = createRandom(3000 + c);
  // Every other case is an in-h-1 sigmoid/BCE network, the specialised kernel's shape.
  const twoLayer = c % 2 === 0;
  const [outAct, loss] = twoLayer ? heads[0] : heads[(c >> 1) % heads.length];
  const depth = twoLayer ? 2 : 1 + (c % 4);
  const inputs = 1 + rng.int(twoLayer ? 9 : 16);
  const outputs = twoLayer
    ? 1
    : outAct === 'sigmoid' && loss === 'binary_crossentropy'
      ? 1 + rng.int(3)
      : 1 + rng.int(5);
  const layers = Array.from({ length: depth - 1 }, () => ({
    units: 1 + rng.int(16),
    activation: hidden[(c >> 1) % 4 === 0 ? rng.int(hidden.length) : ((c >> 1) + rng.int(2)) % hidden.length],
  }));
  layers.push({ units: outAct === 'softmax' ? Math.max(outputs, 2) : outputs, activation: outAct });
  return {
    c,
    config: { inputSize: inputs, layers, loss: { name: loss } } as NetworkConfig,
    shuffle: c % 3 !== 1,
    kernel:
      depth === 2 && layers[1].units === 1 && outAct === 'sigmoid' && loss === 'binary_crossentropy'
        ? 'sgd1-2layer'
        : 'sgd1',
  };
});

describe.skipIf(!wasmKernelsAvailable())('WebAssembly batch-1 SGD kernels equal the reference path bit for bit', () => {
  it.each(cases)('case $c: $kernel, shuffle $shuffle', (k) => {
    const outputs = k.config.layers[k.config.layers.length - 1].units;
    const data = dataset(k.config.inputSize, outputs, k.config.loss.name, 53, k.c);
    const net = createNetwork(k.config, { seed: k.c });
    // Non-zero biases, so that the sums' order of additions matters from the first step.
    const rng = createRandom(k.c + 99);
    for (const l of net.layers) for (let j = 0; j < l.bias.length; j++) l.bias[j] = 0.1 * rng.normal();
    const h = expectSameAsReference(net, data, {
      epochs: 3,
      batchSize: 1,
      optimizer: { name: 'sgd', learningRate: 0.05 },
      shuffle: k.shuffle,
      seed: 5,
    });
    expect(h.detail).toBe(k.kernel);
  });

  it('on the notes network over more examples than the stream buffer holds (W1-like)', () => {
    const config: NetworkConfig = {
      inputSize: 3,
      layers: [
        { units: 4, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: { name: 'binary_crossentropy' },
    };
    const data = dataset(3, 1, 'binary_crossentropy', 20_011, 1);
    const net = createNetwork(config, { seed: 1 });
    for (const shuffle of [false, true]) {
      const h = expectSameAsReference(net, data, {
        epochs: 2,
        batchSize: 1,
        optimizer: { name: 'sgd', learningRate: 0.1 },
        shuffle,
      });
      expect(h.detail).toBe('sgd1-2layer');
    }
    // The generic kernel over several buffers too (three layers, MSE).
    const deep: NetworkConfig = {
      inputSize: 3,
      layers: [
        { units: 5, activation: 'tanh' },
        { units: 3, activation: 'relu' },
        { units: 2, activation: 'linear' },
      ],
      loss: { name: 'mean_squared_error' },
    };
    const h = expectSameAsReference(createNetwork(deep, { seed: 2 }), dataset(3, 2, 'mean_squared_error', 15_003, 2), {
      batchSize: 1,
      optimizer: { name: 'sgd', learningRate: 0.01 },
    });
    expect(h.detail).toBe('sgd1');
  });

  it('on the shapes whose weights stay in locals (2–4 inputs, 3 or 4 hidden units), every hidden activation', () => {
    // 300 examples: several of the kernel's 64-example loss blocks and a partial one.
    for (const inputs of [2, 3, 4]) {
      for (const units of [3, 4]) {
        for (const [i, act] of hidden.entries()) {
          const config: NetworkConfig = {
            inputSize: inputs,
            layers: [
              { units, activation: act },
              { units: 1, activation: 'sigmoid' },
            ],
            loss: { name: 'binary_crossentropy' },
          };
          const seed = inputs * 100 + units * 10 + i;
          const net = createNetwork(config, { seed });
          const rng = createRandom(seed);
          for (const l of net.layers) for (let j = 0; j < l.bias.length; j++) l.bias[j] = 0.1 * rng.normal();
          const h = expectSameAsReference(net, dataset(inputs, 1, 'binary_crossentropy', 300, seed), {
            epochs: 2,
            batchSize: 1,
            optimizer: { name: 'sgd', learningRate: 0.1 },
            shuffle: i % 2 === 0,
            seed: 3,
          });
          expect(h.detail).toBe('sgd1-2layer');
        }
      }
    }
  });

  it('with weights and biases of −0 (the literal +0 + … sums)', () => {
    for (const [act, units] of [
      ['sigmoid', 3],
      ['linear', 4],
      ['tanh', 2],
    ] as const) {
      const config: NetworkConfig = {
        inputSize: 2,
        layers: [
          { units, activation: act },
          { units: 1, activation: 'sigmoid' },
        ],
        loss: { name: 'binary_crossentropy' },
      };
      const net = createNetwork(config, { seed: 3 });
      net.layers[0].kernel.data.fill(-0, 0, units); // a whole input row: products −0 when x > 0
      net.layers[0].bias.fill(-0);
      net.layers[1].bias[0] = -0;
      const data = dataset(2, 1, 'binary_crossentropy', 40, 3);
      for (let r = 0; r < 40; r += 3) data.x.data[r * 2 + 1] = r % 2 ? 0 : -0;
      const h = expectSameAsReference(net, data, {
        epochs: 2,
        batchSize: 1,
        optimizer: { name: 'sgd', learningRate: 0.2 },
      });
      expect(h.detail).toBe('sgd1-2layer');
    }
  });

  it('restores the epoch-start weights and throws DivergenceError when the loss blows up', () => {
    const configs: NetworkConfig[] = [
      {
        inputSize: 4,
        layers: [
          { units: 6, activation: 'linear' },
          { units: 1, activation: 'linear' },
        ],
        loss: { name: 'mean_squared_error' },
      },
      {
        inputSize: 4,
        layers: [
          { units: 6, activation: 'relu' },
          { units: 1, activation: 'sigmoid' },
        ],
        loss: { name: 'binary_crossentropy' },
      },
      {
        // The notes' shape, whose kernel keeps the weights in locals.
        inputSize: 3,
        layers: [
          { units: 4, activation: 'relu' },
          { units: 1, activation: 'sigmoid' },
        ],
        loss: { name: 'binary_crossentropy' },
      },
    ];
    for (const config of configs) {
      const data = dataset(config.inputSize, 1, config.loss.name, 64, 7);
      for (let i = 0; i < data.x.data.length; i++) data.x.data[i] *= 1e3;
      if (config.loss.name === 'mean_squared_error') for (let i = 0; i < 64; i++) data.y.data[i] *= 1e6;
      const errors: DivergenceError[] = [];
      const nets: string[] = [];
      const details: (string | undefined)[] = [];
      for (const engine of ['wasm', 'reference'] as const) {
        const net = createNetwork(config, { seed: 7 });
        let before = bits(net);
        try {
          fit(net, data, {
            epochs: 50,
            batchSize: 1,
            optimizer: { name: 'sgd', learningRate: 5 },
            engine,
            onEpochEnd: () => {
              before = bits(net);
            },
          });
        } catch (e) {
          errors.push(e as DivergenceError);
          details.push((e as DivergenceError).history.detail);
        }
        nets.push(bits(net));
        expect(bits(net)).toBe(before); // the weights at the start of the failing epoch
      }
      expect(errors).toHaveLength(2);
      expect(errors[0]).toBeInstanceOf(DivergenceError);
      expect(errors[0].message).toBe(errors[1].message);
      expect(errors[0].history.epochs).toEqual(errors[1].history.epochs);
      expect(details[0]).toMatch(/^sgd1/);
      expect(nets[0]).toBe(nets[1]);
    }
  });

  it('stops at a non-finite loss on the very last example, with the weights in memory or in locals', () => {
    // A linear hidden layer of unit weights: the last row's 1e308s overflow to ∞, and θ with them.
    for (const [inputs, units] of [
      [5, 6],
      [3, 4],
    ]) {
      const config: NetworkConfig = {
        inputSize: inputs,
        layers: [
          { units, activation: 'linear' },
          { units: 1, activation: 'sigmoid' },
        ],
        loss: { name: 'binary_crossentropy' },
      };
      const data = dataset(inputs, 1, 'binary_crossentropy', 70, 9); // the last of two loss blocks
      data.x.data.fill(1e308, 69 * inputs);
      for (const engine of ['wasm', 'reference'] as const) {
        const net = createNetwork(config, { seed: 4 });
        for (const l of net.layers) l.kernel.data.fill(1);
        const before = bits(net);
        let error: unknown;
        try {
          fit(net, data, {
            epochs: 1,
            batchSize: 1,
            shuffle: false,
            optimizer: { name: 'sgd', learningRate: 0.01 },
            engine,
          });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(DivergenceError);
        expect((error as Error).message).toMatch(/epoch 1, batch 70\b/);
        expect(bits(net)).toBe(before);
      }
    }
  });

  it('is picked exactly where it applies', () => {
    const notes: NetworkConfig = {
      inputSize: 3,
      layers: [
        { units: 4, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: { name: 'binary_crossentropy' },
    };
    const data = dataset(3, 1, 'binary_crossentropy', 7000, 8);
    const run = (options: FitOptions) => {
      const h = fit(createNetwork(notes), data, { batchSize: 1, ...options });
      return `${h.engine}${h.detail ? `/${h.detail}` : ''}`;
    };
    expect(run({})).toBe('wasm/sgd1-2layer'); // 'auto': 112k multiply-adds
    expect(run({ engine: 'wasm' })).toBe('wasm/sgd1-2layer');
    expect(run({ engine: 'reference' })).toBe('reference');
    // An optimiser object made by createOptimizer runs in the same kernels as its configuration.
    expect(run({ optimizer: createOptimizer({ name: 'sgd', learningRate: 0.1 }) })).toBe('wasm/sgd1-2layer');
    expect(run({ batchSize: 2 })).toBe('wasm'); // mini-batches: trainBatches
    expect(run({ l2: 0.001 })).toBe('wasm'); // L2: the update is not a single product
    expect(run({ optimizer: { name: 'momentum', learningRate: 0.1 } })).toBe('wasm');
    expect(run({ onBatchEnd: () => {} })).toBe('wasm'); // a callback per step
    expect(run({ onEpochEnd: () => {} })).toBe('wasm/sgd1-2layer');
    const mse = { ...notes, loss: { name: 'mean_squared_error' as const } };
    expect(fit(createNetwork(mse), data, { batchSize: 1 }).detail).toBe('sgd1');
    const wide = { ...notes, layers: [{ units: 17, activation: 'sigmoid' as const }, notes.layers[1]] };
    expect(fit(createNetwork(wide), data, { batchSize: 1 }).detail).toBe('sgd1');
    const small = dataset(3, 1, 'binary_crossentropy', 100, 8);
    expect(fit(createNetwork(notes), small, { batchSize: 1 }).engine).toBe('reference'); // too small to pay
  });

  it('computes log1p bit for bit as JavaScript does', () => {
    const kernels = instantiateWasmKernels()!;
    const rng = createRandom(11);
    const bitsOf = new Float64Array(1);
    const words = new Uint32Array(bitsOf.buffer);
    const same = (u: number, v: number) => Object.is(u, v) || (Number.isNaN(u) && Number.isNaN(v));
    const values = [0, -0, 1, -1, -2, 2 ** -54, -(2 ** -55), 2 ** -29, -(2 ** -29), 0.41421356237309503];
    values.push(-0.2928932188134524, 2 ** 53, 2 ** 54, Number.MIN_VALUE, Number.MAX_VALUE, Infinity, -Infinity, NaN);
    for (let i = 0; i < 1 << 17; i++) {
      if (i % 4 === 0)
        values.push(Math.exp(-rng.next() * 750)); // the loss's arguments, exp(−|z|)
      else if (i % 4 === 1) values.push(rng.next() * 3 - 1);
      else if (i % 4 === 2) values.push((rng.next() - 0.5) * 2 ** (rng.int(120) - 60));
      else {
        words[0] = rng.int(2 ** 32);
        words[1] = rng.int(2 ** 32);
        values.push(bitsOf[0]); // any double
      }
    }
    let mismatches = 0;
    for (const v of values) if (!same(kernels.log1p(v), Math.log1p(v))) mismatches++;
    expect(mismatches).toBe(0);
  });
});
