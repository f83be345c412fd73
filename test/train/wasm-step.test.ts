/**
 * The WebAssembly SIMD engine performs the reference path's floating-point operations in the
 * same order (vectorised only across independent outputs, no FMA, backprop's own exp as in
 * src/core/exp.ts, a log1p verified bit for bit against Math.log1p, log and tanh imported from
 * JavaScript), so whole training runs must agree bit for bit with the
 * reference path: weights and epoch logs, across random shapes (odd widths exercise every
 * vector/scalar tail of the blocked kernels), wide W2/W3-like layers, every supported
 * activation and loss, batch sizes with a partial last batch, shuffling on and off, plain SGD
 * (updated inside the engine) and the other optimisers (run in JavaScript over its memory).
 */
import { describe, expect, it } from 'vitest';
import { exp } from '../../src/core/exp.js';
import { instantiateWasmKernels, wasmKernelsAvailable } from '../../src/core/wasm/kernels.js';
import {
  type ActivationName,
  cloneNetwork,
  createNetwork,
  createRandom,
  DivergenceError,
  type FitOptions,
  fit,
  type LossName,
  type Network,
  type NetworkConfig,
  type OptimizerName,
} from '../../src/index.js';
import { sigmoid } from '../../src/nn/activations.js';
import { bits, dataset } from '../helpers/engine-equality.js';

/** Trains copies of one network with the wasm engine and the reference path; both must agree. */
function expectSameAsReference(config: NetworkConfig, n: number, options: FitOptions, seed: number): void {
  const outputs = config.layers[config.layers.length - 1].units;
  const data = dataset(config.inputSize, outputs, config.loss.name, n, seed);
  const a = createNetwork(config, { seed });
  const b = cloneNetwork(a);
  const wasm = fit(a, data, { ...options, engine: 'wasm' });
  const reference = fit(b, data, { ...options, engine: 'reference' });
  expect(wasm.engine).toBe('wasm');
  expect(reference.engine).toBe('reference');
  expect(bits(a)).toBe(bits(b));
  expect(wasm.epochs).toEqual(reference.epochs);
  expect(bits(a)).not.toBe(bits(createNetwork(config, { seed }))); // it did train
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
const optimizers: OptimizerName[] = ['sgd', 'momentum', 'nesterov', 'adam'];

const cases = Array.from({ length: 32 }, (_, c) => {
  const rng = createRandom(2000 + c);
  const [outAct, loss] = heads[c % heads.length];
  const depth = 1 + (c % 3);
  const inputs = 1 + rng.int(12);
  const outputs = outAct === 'sigmoid' && loss === 'binary_crossentropy' ? 1 + (c % 3) : 1 + rng.int(5);
  const layers = Array.from({ length: depth - 1 }, () => ({
    units: 1 + rng.int(19),
    activation: hidden[rng.int(hidden.length)],
  }));
  layers.push({ units: outAct === 'softmax' ? Math.max(outputs, 2) : outputs, activation: outAct }); // softmax of 1 unit is constant
  return {
    c,
    config: { inputSize: inputs, layers, loss: { name: loss } } as NetworkConfig,
    batchSize: [1, 5, 8, 13][c % 4],
    optimizer: c % 3 === 0 ? optimizers[(c / 3) % 4] : ('sgd' as const),
    l2: c % 5 === 0 ? 0.01 : 0,
    shuffle: c % 4 !== 1,
  };
});

describe.skipIf(!wasmKernelsAvailable())('WebAssembly engine equals the reference path bit for bit', () => {
  it.each(cases)('case $c: batch $batchSize, $optimizer, l2 $l2, shuffle $shuffle', (k) => {
    expectSameAsReference(
      k.config,
      47,
      {
        epochs: 3,
        batchSize: k.batchSize,
        optimizer: { name: k.optimizer, learningRate: 0.05 },
        l2: k.l2,
        shuffle: k.shuffle,
        seed: 3,
      },
      k.c,
    );
  });

  it('on W2-like wide layers (30-64-1, batch 32, partial last batch)', () => {
    const config: NetworkConfig = {
      inputSize: 30,
      layers: [
        { units: 64, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: { name: 'binary_crossentropy' },
    };
    expectSameAsReference(config, 250, { epochs: 2, batchSize: 32, optimizer: { name: 'sgd', learningRate: 0.1 } }, 1);
  });

  it('on W3-like wide layers (784-256-1, batch 64, partial last batch)', () => {
    const config: NetworkConfig = {
      inputSize: 784,
      layers: [
        { units: 256, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: { name: 'binary_crossentropy' },
    };
    expectSameAsReference(config, 150, { epochs: 1, batchSize: 64, optimizer: { name: 'sgd', learningRate: 0.1 } }, 2);
  });

  it('on wide deep layers with every hidden activation, softmax head, Adam and L2', () => {
    const config: NetworkConfig = {
      inputSize: 45,
      layers: [
        { units: 37, activation: 'relu' },
        { units: 66, activation: 'tanh' },
        { units: 23, activation: 'linear' },
        { units: 31, activation: 'sigmoid' },
        { units: 10, activation: 'softmax' },
      ],
      loss: { name: 'categorical_crossentropy' },
    };
    expectSameAsReference(
      config,
      101,
      { epochs: 2, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 }, l2: 0.001 },
      3,
    );
  });

  it('with per-batch callbacks, which see the current weights and may stop training', () => {
    const config: NetworkConfig = {
      inputSize: 9,
      layers: [
        { units: 17, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: { name: 'binary_crossentropy' },
    };
    const data = dataset(9, 1, 'binary_crossentropy', 60, 4);
    const a = createNetwork(config, { seed: 4 });
    const b = cloneNetwork(a);
    const seen: string[][] = [[], []];
    const run = (net: Network, i: number, engine: 'wasm' | 'reference') =>
      fit(net, data, {
        epochs: 3,
        batchSize: 8,
        optimizer: { name: 'sgd', learningRate: 0.3 },
        engine,
        onBatchEnd: (log) => {
          seen[i].push(`${log.loss} ${bits(net)}`);
          return !(log.epoch === 3 && log.batch === 4);
        },
      });
    const wasm = run(a, 0, 'wasm');
    const reference = run(b, 1, 'reference');
    expect(wasm.engine).toBe('wasm');
    expect(seen[0]).toHaveLength(2 * 8 + 4);
    expect(seen[0]).toEqual(seen[1]);
    expect(wasm.stopReason).toBe('callback');
    expect(wasm.epochs).toEqual(reference.epochs);
    expect(bits(a)).toBe(bits(b));
  });

  it('with onEpochEnd reading the weights and early stopping restoring the best', () => {
    const config: NetworkConfig = {
      inputSize: 6,
      layers: [
        { units: 12, activation: 'relu' },
        { units: 2, activation: 'linear' },
      ],
      loss: { name: 'mean_squared_error' },
    };
    const data = dataset(6, 2, 'mean_squared_error', 40, 5);
    const val = dataset(6, 2, 'mean_squared_error', 20, 6);
    const a = createNetwork(config, { seed: 5 });
    const b = cloneNetwork(a);
    const seen: string[][] = [[], []];
    const run = (net: Network, i: number, engine: 'wasm' | 'reference') =>
      fit(net, data, {
        epochs: 30,
        batchSize: 8,
        optimizer: { name: 'sgd', learningRate: 0.5 },
        validationData: val,
        earlyStopping: { patience: 2 },
        engine,
        onEpochEnd: () => {
          seen[i].push(bits(net));
        },
      });
    const wasm = run(a, 0, 'wasm');
    const reference = run(b, 1, 'reference');
    expect(seen[0]).toEqual(seen[1]);
    expect(wasm).toEqual({ ...reference, engine: 'wasm' });
    expect(bits(a)).toBe(bits(b));
  });

  it('restores the epoch-start weights and throws DivergenceError when the loss blows up', () => {
    const config: NetworkConfig = {
      inputSize: 20,
      layers: [
        { units: 32, activation: 'linear' },
        { units: 1, activation: 'linear' },
      ],
      loss: { name: 'mean_squared_error' },
    };
    const data = dataset(20, 1, 'mean_squared_error', 64, 7);
    for (let i = 0; i < data.y.data.length; i++) data.y.data[i] *= 1e6;
    const errors: DivergenceError[] = [];
    const nets: string[] = [];
    for (const engine of ['wasm', 'reference'] as const) {
      const net = createNetwork(config, { seed: 7 });
      let before = '';
      try {
        fit(net, data, {
          epochs: 50,
          batchSize: 16,
          optimizer: { name: 'sgd', learningRate: 0.5 },
          engine,
          onEpochEnd: () => {
            before = bits(net);
          },
        });
      } catch (e) {
        errors.push(e as DivergenceError);
      }
      nets.push(bits(net));
      expect(bits(net)).toBe(before); // the weights at the start of the failing epoch
    }
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(DivergenceError);
    expect(errors[0].message).toBe(errors[1].message);
    expect(errors[0].history.epochs).toEqual(errors[1].history.epochs);
    expect(nets[0]).toBe(nets[1]);
  });

  it('is chosen automatically for runs large enough to pay for its set-up', () => {
    const wide: NetworkConfig = {
      inputSize: 30,
      layers: [
        { units: 64, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: { name: 'binary_crossentropy' },
    };
    const data = dataset(30, 1, 'binary_crossentropy', 64, 8);
    expect(fit(createNetwork(wide), data, { batchSize: 32 }).engine).toBe('wasm');
    expect(fit(createNetwork(wide), data, { batchSize: 32, engine: 'reference' }).engine).toBe('reference');
    const notes: NetworkConfig = {
      ...wide,
      inputSize: 3,
      layers: [{ units: 4, activation: 'sigmoid' }, wide.layers[1]],
    };
    const small = dataset(3, 1, 'binary_crossentropy', 100, 8);
    expect(fit(createNetwork(notes), small, { batchSize: 1 }).engine).toBe('reference'); // 1.6k multiply-adds
    expect(fit(createNetwork(notes), small, { batchSize: 1, epochs: 100 }).engine).toBe('wasm');
    // Not covered by the engine: softmax in a hidden layer.
    const hiddenSoftmax = { ...wide, layers: [{ units: 64, activation: 'softmax' as const }, wide.layers[1]] };
    expect(fit(createNetwork(hiddenSoftmax), data, { engine: 'wasm' }).engine).toBe('reference');
  });

  it('computes exp and the sigmoid (two lanes at a time) bit for bit as JavaScript does', () => {
    const kernels = instantiateWasmKernels()!;
    const n = 1 << 17;
    const at = Math.ceil(kernels.heapBase() / 16) * 16;
    kernels.memory.grow(Math.ceil((at + 16 * n) / 65536));
    const z = new Float64Array(kernels.memory.buffer, at, n);
    const a = new Float64Array(kernels.memory.buffer, at + 8 * n, n);
    const rng = createRandom(10);
    const bitsOf = new Float64Array(1);
    const words = new Uint32Array(bitsOf.buffer);
    for (let i = 0; i < n; i++) {
      if (i % 3 === 0) z[i] = rng.normal() * 2 ** (rng.int(40) - 30);
      else if (i % 3 === 1) z[i] = (rng.next() - 0.5) * 1600;
      else {
        words[0] = rng.int(2 ** 32);
        words[1] = rng.int(2 ** 32);
        z[i] = bitsOf[0]; // any double, NaN and ±∞ included
      }
    }
    const edges = [0, -0, 1, -1, 2 ** -28, -(2 ** -28), 2 ** -29, 0.34657359027997264, -1.0397207708399179];
    z.set([...edges, 706.99, -707, 708, -709.5, 745.2, -745.2, Number.NaN, Number.POSITIVE_INFINITY, -Infinity]);
    const same = (u: number, v: number) => Object.is(u, v) || (Number.isNaN(u) && Number.isNaN(v));
    let expMismatches = 0;
    for (let i = 0; i < n; i++) if (!same(kernels.exp(z[i]), exp(z[i]))) expMismatches++;
    expect(expMismatches).toBe(0);
    kernels.activate(0, at, at + 8 * n, 1, n);
    let sigmoidMismatches = 0;
    for (let i = 0; i < n; i++) if (!same(a[i], sigmoid(z[i]))) sigmoidMismatches++;
    expect(sigmoidMismatches).toBe(0);
  });

  it('rejects an unknown engine', () => {
    const net = createNetwork({
      inputSize: 1,
      layers: [{ units: 1, activation: 'linear' }],
      loss: { name: 'mean_squared_error' },
    });
    const data = dataset(1, 1, 'mean_squared_error', 4, 9);
    // @ts-expect-error: not an engine
    expect(() => fit(net, data, { engine: 'gpu' })).toThrow(/unknown engine 'gpu'/);
  });
});
