/**
 * The batch-1 kernels hold a small training set in the engine's memory and read it through the
 * epoch's order; a larger one streams through the chunk buffer. Both must give the reference
 * path's bits and logs: shuffled and in order, in spans (a stop check) and in one call, over
 * more rows than one span takes, for the two-layer kernel and the generic one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createNetwork, type FitOptions, fit } from '../../src/index.js';
import { SGD1_RESIDENT_BYTES, setSgd1ResidentBytes } from '../../src/train/engines/wasm.js';
import { bits, dataset, fitOnBothEngines } from '../helpers/engine-equality.js';
import { DEEP_NET, sigmoidNet } from '../helpers/networks.js';

const notes = sigmoidNet(3, 4);
const deep = DEEP_NET;
// A stop check makes spans of 2^20 multiply-adds: 65,536 rows of 3-4-1, 17,476 of 3-8-4-1.
const data = dataset(3, 1, 'binary_crossentropy', 70_001, 3);
const validationData = dataset(3, 1, 'binary_crossentropy', 503, 4);

afterEach(() => {
  setSgd1ResidentBytes(SGD1_RESIDENT_BYTES);
});

describe('batch-1 epochs from a resident training set and streamed', () => {
  it('hold a training set of 70,001 × 3 (2.5 MB) under the default limit', () => {
    expect(70_001 * (4 * 8 + 4)).toBeLessThan(SGD1_RESIDENT_BYTES);
  });

  it.each([
    { kernel: 'sgd1-2layer', config: notes, resident: true },
    { kernel: 'sgd1-2layer', config: notes, resident: false },
    { kernel: 'sgd1', config: deep, resident: true },
    { kernel: 'sgd1', config: deep, resident: false },
  ])('$kernel, resident $resident: the reference path bit for bit', ({ kernel, config, resident }) => {
    if (!resident) setSgd1ResidentBytes(0);
    const net = createNetwork(config, { seed: 7 });
    for (const shuffle of [true, false]) {
      for (const shouldStop of [undefined, () => false]) {
        const options: FitOptions = {
          epochs: 2,
          batchSize: 1,
          shuffle,
          seed: 11,
          validationData,
          optimizer: { name: 'sgd', learningRate: 0.1 },
          ...(shouldStop ? { shouldStop } : {}),
        };
        const { a, b, fast, reference } = fitOnBothEngines(net, data, options);
        expect(fast.detail).toBe(kernel);
        expect(bits(a)).toBe(bits(b));
        expect(fast.epochs).toEqual(reference.epochs);
        expect(bits(a)).not.toBe(bits(net));
      }
    }
  });

  it('stop between spans: 65,536 rows resident, one 8,192-row chunk streamed', () => {
    const run = (limit: number) => {
      setSgd1ResidentBytes(limit);
      const net = createNetwork(notes, { seed: 8 });
      // Armed once epoch 1 ends: the read before epoch 2 passes, the one after its first span stops.
      let armed = false;
      let reads = 0;
      const h = fit(net, data, {
        epochs: 3,
        batchSize: 1,
        seed: 2,
        optimizer: { name: 'sgd', learningRate: 0.1 },
        onEpochEnd: () => {
          armed = true;
        },
        shouldStop: () => armed && ++reads > 1,
      });
      expect(h.stopReason).toBe('interrupted');
      return h.epochs;
    };
    const resident = run(SGD1_RESIDENT_BYTES);
    const streamed = run(0);
    expect(resident.map((e) => e.partial)).toEqual([undefined, { batches: 65_536, of: 70_001 }]);
    expect(streamed.map((e) => e.partial)).toEqual([undefined, { batches: 8_192, of: 70_001 }]);
    expect(resident[0]).toEqual(streamed[0]);
  });
});
