/**
 * The WebAssembly engine streams every run's examples through its chunk buffer (no copy of the
 * dataset in its memory): mini-batch epochs over more rows than one chunk holds, shuffled, with
 * a partial last batch, a span that ends mid-epoch, L2 and validation, must give the reference
 * path's bits and logs.
 */
import { describe, expect, it } from 'vitest';
import { createNetwork, type FitOptions, type NetworkConfig } from '../../src/index.js';
import { bits, dataset, fitOnBothEngines } from '../helpers/engine-equality.js';

describe('the wasm engine streams mini-batches through its chunk buffer', () => {
  const config: NetworkConfig = {
    inputSize: 30,
    layers: [
      { units: 9, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    loss: { name: 'categorical_crossentropy' },
  };
  // 256 KB hold 1,057 rows of 30 + 3 values in batches of 7: 5,003 rows span five chunks.
  const data = dataset(30, 3, 'categorical_crossentropy', 5_003, 11);
  const validationData = dataset(30, 3, 'categorical_crossentropy', 301, 12);

  it.each([
    { shuffle: true, l2: 0 },
    { shuffle: true, l2: 0.001 },
    { shuffle: false, l2: 0 },
  ])('shuffle $shuffle, l2 $l2: the reference path bit for bit', ({ shuffle, l2 }) => {
    const net = createNetwork(config, { seed: 4 });
    const options: FitOptions = {
      epochs: 3,
      batchSize: 7,
      shuffle,
      seed: 9,
      l2,
      validationData,
      optimizer: { name: 'sgd', learningRate: 0.05 },
    };
    const { a, b, fast, reference } = fitOnBothEngines(net, data, options);
    expect(fast.engine).toBe('wasm');
    expect(bits(a)).toBe(bits(b));
    expect(fast.epochs).toEqual(reference.epochs);
    expect(bits(a)).not.toBe(bits(net));
  });
});
