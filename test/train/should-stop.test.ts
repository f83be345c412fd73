/**
 * `shouldStop`: training stops after the batch at which it first returns true, in every engine
 * (the WebAssembly engine's whole-epoch kernels then run in spans), the cut epoch is logged as
 * partial, and the weights are those of a reference run stopped by `onBatchEnd` after the same
 * batch: the same bits.
 */
import { describe, expect, it } from 'vitest';
import {
  type ActivationName,
  cloneNetwork,
  createNetwork,
  createOptimizer,
  type FitOptions,
  fit,
  type LossName,
  type Network,
} from '../../src/index.js';
import { bits, dataset } from '../helpers/engine-equality.js';

/** A stop check that turns true on its `calls`-th call. */
function stopAfterCalls(calls: number): () => boolean {
  let n = 0;
  return () => ++n >= calls;
}

function network(inputs: number, hidden: number[], activation: ActivationName, outputs: number, loss: LossName) {
  return createNetwork(
    {
      inputSize: inputs,
      layers: [
        ...hidden.map((units) => ({ units, activation })),
        { units: outputs, activation: loss === 'mean_squared_error' ? 'linear' : 'sigmoid' },
      ],
      loss: { name: loss },
    },
    { seed: 2 },
  );
}

interface Case {
  name: string;
  net: Network;
  rows: number;
  options: FitOptions;
  /** The kernel detail the WebAssembly engine must report (the whole-epoch path under test). */
  detail?: string;
}

// Wide enough that the whole-epoch kernels' stop spans (~10⁶ multiply-adds) cut each epoch into several.
const cases: Case[] = [
  {
    name: 'batch 1, two-layer kernel (sgd1-2layer)',
    net: network(64, [16], 'tanh', 1, 'binary_crossentropy'),
    rows: 3000,
    options: { batchSize: 1, epochs: 3, optimizer: { name: 'sgd', learningRate: 0.05 } },
    detail: 'sgd1-2layer',
  },
  {
    name: 'batch 1, deep kernel (sgd1), no shuffling',
    net: network(20, [120, 120], 'relu', 1, 'mean_squared_error'),
    rows: 300,
    options: { batchSize: 1, epochs: 3, shuffle: false, optimizer: { name: 'sgd', learningRate: 0.001 } },
    detail: 'sgd1',
  },
  {
    name: 'mini-batches in the whole-epoch kernel, L2',
    net: network(20, [120, 120], 'sigmoid', 2, 'binary_crossentropy'),
    rows: 301,
    options: { batchSize: 4, epochs: 3, l2: 0.001, optimizer: { name: 'sgd', learningRate: 0.1 } },
  },
  {
    name: 'one epoch of mini-batches (data streamed through the chunk buffer)',
    net: network(20, [120, 120], 'tanh', 1, 'binary_crossentropy'),
    rows: 301,
    options: { batchSize: 3, epochs: 1, optimizer: { name: 'sgd', learningRate: 0.1 } },
  },
  {
    name: 'adam, stepped batch by batch',
    net: network(20, [30], 'tanh', 1, 'binary_crossentropy'),
    rows: 200,
    options: { batchSize: 2, epochs: 3, optimizer: { name: 'adam', learningRate: 0.01 } },
  },
];

/** The network and history of `c` trained by `engine` with `extra` options, and the optimiser's step count. */
function train(c: Case, engine: 'wasm' | 'reference', extra: FitOptions) {
  const net = cloneNetwork(c.net);
  const optimizer = createOptimizer(c.options.optimizer as Parameters<typeof createOptimizer>[0]);
  const outputs = net.layers[net.layers.length - 1].bias.length;
  const data = dataset(net.inputSize, outputs, net.loss.config.name, c.rows, 4);
  const history = fit(net, data, { ...c.options, optimizer, engine, ...extra });
  return { net, history, iterations: optimizer.iterations };
}

describe('shouldStop stops after the current batch, in every engine', () => {
  it.each(cases)('$name', (c) => {
    // The reference engine reads the check before each epoch and after every batch: call k ends batch k − 1.
    const ref = train(c, 'reference', { shouldStop: stopAfterCalls(6) });
    expect(ref.history.stopReason).toBe('interrupted');
    expect(ref.history.epochs).toHaveLength(1);
    expect(ref.history.epochs[0].partial).toEqual({ batches: 5, of: Math.ceil(c.rows / c.options.batchSize!) });

    // The WebAssembly engine reads it before each epoch and between spans of batches: counted
    // first, the checks within an epoch must be several; then it is stopped at the first of them
    // in the last epoch.
    const batches = Math.ceil(c.rows / c.options.batchSize!);
    const epochs = c.options.epochs!;
    let total = 0;
    train(c, 'wasm', {
      shouldStop: () => {
        total++;
        return false;
      },
    });
    const perEpoch = (total - epochs) / epochs;
    expect(perEpoch).toBeGreaterThanOrEqual(1);
    const fast = train(c, 'wasm', { shouldStop: stopAfterCalls(epochs + perEpoch * (epochs - 1) + 1) });
    expect(fast.history.engine).toBe('wasm');
    if (c.detail) expect(fast.history.detail).toBe(c.detail);
    expect(fast.history.stopReason).toBe('interrupted');
    expect(fast.history.epochs).toHaveLength(epochs);
    const last = fast.history.epochs.at(-1)!;
    expect(last.partial).toBeDefined();
    expect(last.partial!.of).toBe(batches);
    expect(last.partial!.batches).toBeGreaterThan(0);
    expect(last.partial!.batches).toBeLessThan(batches);

    // The same bits as the reference path stopped by a callback after that very batch.
    const stopAt = { epoch: last.epoch, batch: last.partial!.batches };
    const same = train(c, 'reference', {
      onBatchEnd: (log) => !(log.epoch === stopAt.epoch && log.batch === stopAt.batch),
    });
    expect(same.history.stopReason).toBe('callback');
    expect(bits(fast.net)).toBe(bits(same.net));
    expect(fast.history.epochs.map(({ partial: _, ...log }) => log)).toEqual(same.history.epochs);
    expect(fast.iterations).toBe(same.iterations);
  });

  it('a stop asked for between epochs runs no part of the next one', () => {
    const c = cases[2];
    let epochs = 0;
    const r = train(c, 'wasm', { onEpochEnd: () => void epochs++, shouldStop: () => epochs >= 2 });
    expect(r.history.stopReason).toBe('interrupted');
    expect(r.history.epochs).toHaveLength(2);
    expect(r.history.epochs.every((e) => e.partial === undefined)).toBe(true);
    const whole = train(c, 'reference', { epochs: 2 });
    expect(bits(r.net)).toBe(bits(whole.net));
  });

  it('without a stop check, or one never true, training completes with the same bits', () => {
    const c = cases[0];
    const plain = train(c, 'wasm', {});
    const checked = train(c, 'wasm', { shouldStop: () => false });
    expect(checked.history.stopReason).toBe('completed');
    expect(bits(checked.net)).toBe(bits(plain.net));
    expect(checked.history.epochs).toEqual(plain.history.epochs);
  });
});

describe('shouldStop in the float32 engine', () => {
  it('cuts the epoch between spans, with the bits of a float32 run stopped after the same batch', () => {
    const net = network(20, [120, 120], 'sigmoid', 1, 'binary_crossentropy');
    const data = dataset(20, 1, 'binary_crossentropy', 4000, 4);
    const options: FitOptions = {
      dtype: 'float32',
      batchSize: 4,
      epochs: 2,
      optimizer: { name: 'sgd', learningRate: 0.1 },
    };
    const fast = cloneNetwork(net);
    const history = fit(fast, data, { ...options, shouldStop: stopAfterCalls(3) });
    expect(history.detail).toBe('float32');
    expect(history.stopReason).toBe('interrupted');
    const last = history.epochs.at(-1)!;
    expect(last.partial).toBeDefined();
    expect(last.partial!.of).toBe(1000);
    expect(last.partial!.batches).toBeGreaterThan(0);
    expect(last.partial!.batches).toBeLessThan(1000);

    const stepped = cloneNetwork(net);
    const stopAt = { epoch: last.epoch, batch: last.partial!.batches };
    fit(stepped, data, {
      ...options,
      onBatchEnd: (log) => !(log.epoch === stopAt.epoch && log.batch === stopAt.batch),
    });
    expect(bits(fast)).toBe(bits(stepped));
  });
});

describe('threads is checked whatever the dtype', () => {
  it.each([0, -3, 1.5])('threads %s is refused for a float32 run as for a float64 one', (threads) => {
    const net = network(3, [4], 'sigmoid', 1, 'binary_crossentropy');
    const data = dataset(3, 1, 'binary_crossentropy', 20, 1);
    for (const dtype of ['float32', 'float64'] as const) {
      expect(() => fit(cloneNetwork(net), data, { dtype, threads })).toThrow(/threads must be an integer/);
    }
  });
});
