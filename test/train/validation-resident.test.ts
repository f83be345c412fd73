/**
 * The WebAssembly engine holds small validation data whole in its memory and scores it block by
 * block in place; larger data is staged block by block. Both must give the same logs and
 * weights, and the reference path's.
 */
import { describe, expect, it } from 'vitest';
import { createNetwork, fit } from '../../src/index.js';
import { SGD1_RESIDENT_BYTES, setSgd1ResidentBytes } from '../../src/train/engines/wasm.js';
import { bits, dataset } from '../helpers/engine-equality.js';
import { sigmoidNet } from '../helpers/networks.js';

const notes = sigmoidNet(3, 4);
const data = dataset(3, 1, 'binary_crossentropy', 3_001, 5);

describe('validation data held in the engine', () => {
  it.each([1, 4])(
    'batch %i: the same logs and weights held whole (default) and streamed block by block',
    (batchSize) => {
      const big = dataset(3, 1, 'binary_crossentropy', 20_003, 7);
      const run = (limit: number) => {
        const before = setSgd1ResidentBytes(limit);
        try {
          const net = createNetwork(notes, { seed: 5 });
          const h = fit(net, data, {
            epochs: 2,
            batchSize,
            seed: 1,
            validationData: big,
            optimizer: { name: 'sgd', learningRate: 0.1 },
            engine: 'wasm',
          });
          return { epochs: h.epochs, bits: bits(net) };
        } finally {
          setSgd1ResidentBytes(before);
        }
      };
      const whole = run(SGD1_RESIDENT_BYTES);
      expect(whole).toEqual(run(0));
      const reference = fit(createNetwork(notes, { seed: 5 }), data, {
        epochs: 2,
        batchSize,
        seed: 1,
        validationData: big,
        optimizer: { name: 'sgd', learningRate: 0.1 },
        engine: 'reference',
      });
      expect(whole.epochs).toEqual(reference.epochs);
    },
  );
});
