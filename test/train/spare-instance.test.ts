/**
 * The one-thread WebAssembly engines hand their instance to the next run (spare-instance.ts): a
 * run in memory another run has used, with other shapes, data and optimiser, must end with the
 * bits of the same run in a fresh instance, and (float64) of the reference path.
 */
import { describe, expect, it } from 'vitest';
import { cloneNetwork, createNetwork, type FitOptions, fit, type Network } from '../../src/index.js';
import { createSpareInstance, SPARE_MAX_BYTES } from '../../src/train/engines/spare-instance.js';
import { bits, dataset } from '../helpers/engine-equality.js';
import { sigmoidNet } from '../helpers/networks.js';

describe('createSpareInstance', () => {
  it('gives back the kept instance once, zeroed from its heap base up', () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    const kernels = { memory, heapBase: () => 1000 };
    new Uint8Array(memory.buffer).fill(7);
    const spare = createSpareInstance<typeof kernels>();
    expect(spare.take()).toBeUndefined();
    spare.keep(kernels);
    expect(spare.take()).toBe(kernels);
    const bytes = new Uint8Array(memory.buffer);
    expect(bytes.subarray(0, 1000).every((b) => b === 7)).toBe(true);
    expect(bytes.subarray(1000).every((b) => b === 0)).toBe(true);
    expect(spare.take()).toBeUndefined();
  });

  it('keeps no memory larger than SPARE_MAX_BYTES', () => {
    const pages = SPARE_MAX_BYTES / 65536 + 1;
    const big = { memory: new WebAssembly.Memory({ initial: pages }), heapBase: () => 0 };
    const spare = createSpareInstance<typeof big>();
    spare.keep(big);
    expect(spare.take()).toBeUndefined();
  });
});

const fromWeights = (net: Network) => cloneNetwork(net);

describe.each(['float64', 'float32'] as const)('%s: a run in a used instance', (dtype) => {
  it('ends with the bits of the same run in a fresh one', () => {
    const net = createNetwork(sigmoidNet(12, 40, 9), { seed: 3 });
    const data = dataset(12, 1, 'binary_crossentropy', 300, 5);
    const options: FitOptions = {
      epochs: 2,
      batchSize: 16,
      seed: 11,
      optimizer: { name: 'sgd', learningRate: 0.2 },
      validationData: dataset(12, 1, 'binary_crossentropy', 50, 8),
      dtype,
    };
    const first = fromWeights(net);
    const h1 = fit(first, data, options);
    // Another shape, more rows, Adam with L2: its arrays and the optimiser's state are left behind.
    const other = createNetwork(sigmoidNet(30, 64), { seed: 4 });
    const h2 = fit(other, dataset(30, 1, 'binary_crossentropy', 500, 6), {
      epochs: 1,
      batchSize: 32,
      optimizer: { name: 'adam', learningRate: 0.01 },
      l2: 0.001,
      dtype,
    });
    expect(h2.engine).toBe('wasm');
    const again = fromWeights(net);
    const h3 = fit(again, data, options);
    expect(h3.engine).toBe('wasm');
    expect(bits(again)).toBe(bits(first));
    expect(h3.epochs).toEqual(h1.epochs);
    if (dtype === 'float64') {
      const reference = fromWeights(net);
      fit(reference, data, { ...options, engine: 'reference' });
      expect(bits(again)).toBe(bits(reference));
    }
  });
});
