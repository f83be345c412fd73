import { describe, expect, it } from 'vitest';
import {
  accuracy,
  ConfigError,
  cloneNetwork,
  computeGradients,
  createNetwork,
  createOptimizer,
  createRandom,
  DivergenceError,
  fit,
  fromRows,
  type Network,
  NOTES_NETWORK,
  networkFromWeights,
  predict,
  ShapeError,
  ValueError,
} from '../../src/index.js';
import { createWorkspace, getLoss, lossOf, rowSlice } from '../../src/kernels.js';

const XOR = {
  x: fromRows([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]),
  y: fromRows([[0], [1], [1], [0]]),
};
const xorNet = (seed: number) =>
  createNetwork(
    {
      inputSize: 2,
      layers: [
        { units: 4, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: { name: 'binary_crossentropy' },
    },
    { seed },
  );

function weightsOf(net: Network): number[] {
  return net.layers.flatMap((l) => [...l.kernel.data, ...l.bias]);
}

/** A seeded synthetic binary task with 3 features, for the notes' network. */
function synthetic(n: number, seed: number) {
  const rng = createRandom(seed);
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = [rng.normal(), rng.normal(), rng.normal()];
    xs.push(row);
    ys.push([row[0] - 0.5 * row[1] + 0.3 * rng.normal() > 0 ? 1 : 0]);
  }
  return { x: fromRows(xs), y: fromRows(ys) };
}

describe('fit', () => {
  it('learns XOR with a 2-4-1 sigmoid network to 100% accuracy (seed 0)', () => {
    const net = xorNet(0);
    const before = accuracy(predict(net, XOR.x), XOR.y);
    const history = fit(net, XOR, {
      epochs: 2000,
      batchSize: 1,
      optimizer: { name: 'sgd', learningRate: 0.5 },
      seed: 0,
    });
    expect(before).toBeLessThan(1);
    expect(accuracy(predict(net, XOR.x), XOR.y)).toBe(1);
    expect(history.epochs).toHaveLength(2000);
    expect(history.epochs[1999].loss).toBeLessThan(history.epochs[0].loss / 10);
  });

  it('is bit-for-bit reproducible: same seed twice gives identical weights', () => {
    const data = synthetic(100, 3);
    const train = () => {
      const net = createNetwork(NOTES_NETWORK, { seed: 42 });
      fit(net, data, { epochs: 5, batchSize: 8, optimizer: { name: 'adam', learningRate: 0.01 }, seed: 7 });
      return weightsOf(net);
    };
    const a = train();
    const b = train();
    expect(Buffer.from(Float64Array.from(a).buffer).equals(Buffer.from(Float64Array.from(b).buffer))).toBe(true);
    // …and the seed matters: a different shuffling seed gives different weights.
    const net = createNetwork(NOTES_NETWORK, { seed: 42 });
    fit(net, data, { epochs: 5, batchSize: 8, optimizer: { name: 'adam', learningRate: 0.01 }, seed: 8 });
    expect(weightsOf(net)).not.toEqual(a);
  });

  it('keeps a partial last batch and reports Keras’s epoch loss (batch-size-weighted, before each update)', () => {
    const data = synthetic(7, 1);
    const net = createNetwork(NOTES_NETWORK, { seed: 5 });
    // Independently: three batches of 3, 3, 1 in order, plain SGD by hand.
    const ref = cloneNetwork(net);
    const lr = 0.3;
    let weighted = 0;
    for (const [start, size] of [
      [0, 3],
      [3, 3],
      [6, 1],
    ]) {
      const { loss, gradients } = computeGradients(ref, rowSlice(data.x, start, size), rowSlice(data.y, start, size));
      weighted += loss * size;
      ref.layers.forEach((l, i) => {
        l.kernel.data.forEach((w, j) => {
          l.kernel.data[j] = w - lr * gradients[i].kernel.data[j];
        });
        l.bias.forEach((b, j) => {
          l.bias[j] = b - lr * gradients[i].bias[j];
        });
      });
    }
    const batchSizes: number[] = [];
    const history = fit(net, data, {
      epochs: 1,
      batchSize: 3,
      shuffle: false,
      optimizer: { name: 'sgd', learningRate: lr },
      onBatchEnd: (b) => {
        batchSizes.push(b.size);
      },
    });
    expect(batchSizes).toEqual([3, 3, 1]);
    expect(history.epochs[0].loss).toBeCloseTo(weighted / 7, 15);
    expect(weightsOf(net)).toEqual(weightsOf(ref));
  });

  it('reports validation metrics and stops early, restoring the best epoch’s weights', () => {
    const train = synthetic(60, 11);
    const val = synthetic(40, 12);
    const net = createNetwork(NOTES_NETWORK, { seed: 1 });
    // A learning rate this high makes validation loss bounce, so patience runs out.
    const history = fit(net, train, {
      epochs: 200,
      batchSize: 1,
      optimizer: { name: 'sgd', learningRate: 3 },
      validationData: val,
      earlyStopping: { patience: 3 },
    });
    expect(history.stopReason).toBe('early-stopping');
    expect(history.epochs.length).toBeLessThan(200);
    const best = history.epochs.reduce((a, b) => (b.valLoss! < a.valLoss! ? b : a));
    expect(history.bestEpoch).toBe(best.epoch);
    const restoredValLoss = computeGradients(net, val.x, val.y).loss;
    expect(restoredValLoss).toBeCloseTo(best.valLoss!, 12);
    expect(history.epochs[0].valAccuracy).toBeGreaterThan(0);
  });

  it('stops on divergence with a diagnosis instead of returning NaN weights', () => {
    const data = synthetic(50, 2);
    const x = fromRows(
      Array.from({ length: 50 }, (_, i) => Array.from(data.x.data.subarray(i * 3, i * 3 + 3), (v) => v * 1e6)),
    );
    const net = createNetwork(
      {
        ...NOTES_NETWORK,
        loss: { name: 'mean_squared_error' },
        layers: [
          { units: 4, activation: 'relu' },
          { units: 1, activation: 'linear' },
        ],
      },
      { seed: 0 },
    );
    const before = weightsOf(net);
    let error: unknown;
    try {
      fit(net, { x, y: data.y }, { epochs: 50, batchSize: 5, optimizer: { name: 'sgd', learningRate: 10 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DivergenceError);
    expect((error as Error).message).toMatch(/diverged at epoch 1.*learning rate 10.*standardise/);
    const after = weightsOf(net);
    expect(after.every(Number.isFinite)).toBe(true);
    expect(after).toEqual(before); // restored to the start of the failing epoch
  });

  it.each(['reference', 'wasm'] as const)('%s engine: a non-finite loss at the very last step is caught', (engine) => {
    // Unit weights and a linear hidden layer: the last row's 3·1e308 overflows to ∞ and θ with it.
    const net = networkFromWeights(
      {
        ...NOTES_NETWORK,
        layers: [
          { units: 4, activation: 'linear' },
          { units: 1, activation: 'sigmoid' },
        ],
      },
      [
        {
          kernel: [
            [1, 1, 1, 1],
            [1, 1, 1, 1],
            [1, 1, 1, 1],
          ],
          bias: [0, 0, 0, 0],
        },
        { kernel: [[1], [1], [1], [1]], bias: [0] },
      ],
    );
    const rows = [
      [0.1, 0.2, 0.3],
      [0.3, -0.1, 0.2],
      [-0.2, 0.1, 0.1],
      [0.2, 0.2, -0.3],
      [1e308, 1e308, 1e308],
    ];
    const data = { x: fromRows(rows), y: fromRows([[1], [0], [1], [0], [1]]) };
    const before = weightsOf(net);
    const run = () =>
      fit(net, data, {
        epochs: 1,
        batchSize: 1,
        shuffle: false,
        optimizer: { name: 'sgd', learningRate: 0.01 },
        engine,
      });
    expect(run).toThrow(DivergenceError);
    expect(run).toThrow(/epoch 1, batch 5/);
    expect(weightsOf(net)).toEqual(before);
  });

  describe('bad input throws a typed error and leaves the model unchanged', () => {
    const data = synthetic(10, 4);
    const cases: [string, () => unknown, new (...args: never[]) => Error, RegExp][] = [
      [
        '4 features for a 3-input network',
        () => fit(netUnderTest, { x: fromRows([[1, 2, 3, 4]]), y: fromRows([[1]]) }),
        ShapeError,
        /4 features per example, expected 3/,
      ],
      [
        'labels of the wrong length',
        () => fit(netUnderTest, { x: data.x, y: fromRows([[1], [0]]) }),
        ShapeError,
        /2 targets for 10 examples/,
      ],
      [
        'a label outside {0, 1}',
        () => fit(netUnderTest, { x: fromRows([[1, 2, 3]]), y: fromRows([[2]]) }),
        ValueError,
        /\{0, 1\}.*2/,
      ],
      [
        'a NaN input',
        () => fit(netUnderTest, { x: fromRows([[1, Number.NaN, 3]]), y: fromRows([[1]]) }),
        ValueError,
        /row 0, column 1 is NaN/,
      ],
      [
        'an infinite input',
        () => fit(netUnderTest, { x: fromRows([[1, 2, Number.POSITIVE_INFINITY]]), y: fromRows([[1]]) }),
        ValueError,
        /Infinity/,
      ],
      [
        'a learning rate ≤ 0',
        () => fit(netUnderTest, data, { optimizer: { name: 'sgd', learningRate: -0.1 } }),
        ConfigError,
        /learning rate.*got -0.1/,
      ],
      [
        'a NaN learning rate',
        () => fit(netUnderTest, data, { optimizer: { name: 'sgd', learningRate: Number.NaN } }),
        ConfigError,
        /got NaN/,
      ],
      [
        'a batch size < 1',
        () => fit(netUnderTest, data, { batchSize: 0 }),
        ConfigError,
        /batch size must be an integer ≥ 1, got 0/,
      ],
      ['a fractional batch size', () => fit(netUnderTest, data, { batchSize: 2.5 }), ConfigError, /got 2.5/],
    ];
    const netUnderTest = createNetwork(NOTES_NETWORK, { seed: 9 });
    const before = weightsOf(netUnderTest);
    it.each(cases)('%s', (_name, run, type, message) => {
      expect(run).toThrow(type);
      expect(run).toThrow(message);
      expect(weightsOf(netUnderTest)).toEqual(before);
    });
    it('predict rejects a wrongly shaped input too', () => {
      expect(() => predict(netUnderTest, fromRows([[1, 2, 3, 4]]))).toThrow(ShapeError);
    });
  });
});

describe('review fixes', () => {
  const data = synthetic(10, 21);

  it.each(['reference', 'wasm'] as const)('%s engine steps a caller’s own optimiser, at batch size 1 too', (engine) => {
    const net = createNetwork(NOTES_NETWORK, { seed: 2 });
    const optimizer = createOptimizer({ name: 'sgd', learningRate: 0.1 });
    fit(net, data, { epochs: 2, batchSize: 1, optimizer, engine });
    expect(optimizer.iterations).toBe(20);
    // An optimiser that never moves anything leaves the weights as they were.
    const frozen = { config: optimizer.config, iterations: 0, step() {} };
    const before = weightsOf(net);
    fit(net, data, { epochs: 1, batchSize: 1, optimizer: frozen, engine });
    expect(weightsOf(net)).toEqual(before);
  });

  it('early stopping also judges the epoch at which a callback stops training', () => {
    const net = createNetwork(NOTES_NETWORK, { seed: 3 });
    const h = fit(net, data, {
      epochs: 10,
      batchSize: 2,
      optimizer: { name: 'sgd', learningRate: 0.1 },
      earlyStopping: { patience: 5, monitor: 'loss' },
      onEpochEnd: ({ epoch }) => epoch < 3,
    });
    expect(h.stopReason).toBe('callback');
    const best = h.epochs.reduce((a, b) => (b.loss < a.loss ? b : a));
    expect(h.bestEpoch).toBe(best.epoch);
  });

  it('rejects early-stopping settings it would silently misread', () => {
    const net = createNetwork(NOTES_NETWORK, { seed: 3 });
    // @ts-expect-error: Keras's spelling, as a JavaScript caller could pass it
    expect(() => fit(net, data, { earlyStopping: { patience: 2, monitor: 'val_loss' } })).toThrow(
      /'loss' or 'valLoss'/,
    );
    expect(() => fit(net, data, { earlyStopping: { patience: 2, minDelta: Number.NaN } })).toThrow(/minDelta/);
  });

  it('an optimiser holding state for another network says so', () => {
    const optimizer = createOptimizer({ name: 'adam' });
    fit(createNetwork(NOTES_NETWORK, { seed: 1 }), data, { optimizer });
    const wider = createNetwork({
      ...NOTES_NETWORK,
      layers: [
        { units: 8, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
    });
    expect(() => fit(wider, data, { optimizer })).toThrow(/use a new optimiser/);
  });

  it('typed errors from the core; epsilon only on cross-entropies; lossOf adds L2 as backProp does', () => {
    expect(() => createRandom(Number.NaN)).toThrow(ConfigError);
    expect(() => fromRows([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => getLoss({ name: 'mean_squared_error', epsilon: 1e-7 })).toThrow(ConfigError);
    // Seed 1: a network where summing the penalty in another order changes the last bit.
    const net = createNetwork(NOTES_NETWORK, { seed: 1 });
    const { loss } = computeGradients(net, data.x, data.y, 0.01);
    expect(lossOf(net, data.x, data.y, createWorkspace(net, data.x.rows), 0.01)).toBe(loss);
  });

  it('a one-unit softmax output is refused', () => {
    expect(() =>
      createNetwork({
        inputSize: 2,
        layers: [{ units: 1, activation: 'softmax' }],
        loss: { name: 'binary_crossentropy' },
      }),
    ).toThrow(ConfigError);
  });
});
