/**
 * The fused fast path performs the reference path's operations in the same order, so whole
 * training runs must agree bit for bit, across shapes, activations, losses, optimisers and
 * batch sizes (including a partial last batch and an L2 penalty).
 */
import { describe, expect, it } from 'vitest';
import {
  type ActivationName,
  cloneNetwork,
  createNetwork,
  createRandom,
  fit,
  type LossName,
  type OptimizerName,
  zeros,
} from '../../src/index.js';
import { bits } from '../helpers/engine-equality.js';

const heads: [ActivationName, LossName][] = [
  ['sigmoid', 'binary_crossentropy'],
  ['softmax', 'categorical_crossentropy'],
  ['softmax', 'binary_crossentropy'],
  ['linear', 'mean_squared_error'],
  ['tanh', 'mean_squared_error'],
];
const hidden: ActivationName[] = ['sigmoid', 'tanh', 'relu', 'linear'];
const optimizers: OptimizerName[] = ['sgd', 'momentum', 'nesterov', 'adam'];

const cases = Array.from({ length: 24 }, (_, c) => {
  const rng = createRandom(1000 + c);
  const [outAct, loss] = heads[c % heads.length];
  const depth = 1 + (c % 3);
  const inputs = 1 + rng.int(6);
  const outputs =
    loss === 'binary_crossentropy' && outAct === 'sigmoid'
      ? 1 + (c % 2)
      : loss === 'mean_squared_error'
        ? 1 + rng.int(2)
        : 3;
  const layers = Array.from({ length: depth - 1 }, () => ({
    units: 1 + rng.int(7),
    activation: hidden[rng.int(hidden.length)],
  }));
  layers.push({ units: outputs, activation: outAct });
  const batchSize = [1, 7, 32][c % 3];
  const optimizer = optimizers[c % 4];
  const l2 = c % 5 === 0 ? 0.01 : 0;
  return { c, inputs, layers, loss, batchSize, optimizer, l2, seed: c };
});

describe('fused fast path equals the reference path bit for bit', () => {
  it.each(cases)('case $c: $inputs→… $loss, batch $batchSize, $optimizer, l2 $l2', (k) => {
    const rng = createRandom(k.seed);
    const n = 45;
    const outputs = k.layers[k.layers.length - 1].units;
    const x = zeros(n, k.inputs);
    const y = zeros(n, outputs);
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
    for (let r = 0; r < n; r++) {
      if (k.loss === 'categorical_crossentropy') y.data[r * outputs + rng.int(outputs)] = 1;
      else
        for (let j = 0; j < outputs; j++)
          y.data[r * outputs + j] = k.loss === 'binary_crossentropy' ? rng.int(2) : rng.normal();
    }
    const config = { inputSize: k.inputs, layers: k.layers, loss: { name: k.loss } };
    const a = createNetwork(config, { seed: k.seed });
    const b = cloneNetwork(a);
    const options = {
      epochs: 3,
      batchSize: k.batchSize,
      optimizer: { name: k.optimizer, learningRate: 0.05 },
      l2: k.l2,
      seed: 3,
    };
    const fast = fit(a, { x, y }, { ...options, engine: 'js' });
    const reference = fit(b, { x, y }, { ...options, reference: true });
    expect(bits(a)).toBe(bits(b));
    expect(fast.epochs).toEqual(reference.epochs);
    expect(bits(a)).not.toBe(bits(createNetwork(config, { seed: k.seed }))); // it did train
  });

  it('also with per-batch callbacks and without shuffling (the batch-at-a-time loop)', () => {
    const rng = createRandom(5);
    const x = zeros(30, 3);
    const y = zeros(30, 1);
    for (let i = 0; i < 90; i++) x.data[i] = rng.normal();
    for (let i = 0; i < 30; i++) y.data[i] = rng.int(2);
    const config = {
      inputSize: 3,
      layers: [
        { units: 4, activation: 'sigmoid' as const },
        { units: 1, activation: 'sigmoid' as const },
      ],
      loss: { name: 'binary_crossentropy' as const },
    };
    const a = createNetwork(config, { seed: 1 });
    const b = cloneNetwork(a);
    const losses: number[][] = [[], []];
    const opts = { epochs: 2, batchSize: 1, shuffle: false, optimizer: { name: 'sgd' as const, learningRate: 0.5 } };
    fit(
      a,
      { x, y },
      {
        ...opts,
        onBatchEnd: (l) => {
          losses[0].push(l.loss);
        },
      },
    );
    fit(
      b,
      { x, y },
      {
        ...opts,
        reference: true,
        onBatchEnd: (l) => {
          losses[1].push(l.loss);
        },
      },
    );
    expect(losses[0]).toHaveLength(60);
    expect(losses[0]).toEqual(losses[1]);
    expect(bits(a)).toBe(bits(b));
  });
});
