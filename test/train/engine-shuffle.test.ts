/**
 * The WebAssembly engine shuffles a resident batch-1 run's epochs itself, its copy of the order
 * in place in the module (assembly/shuffle.ts). Its permutations must be `Random.shuffle`'s, and
 * the generator left in the same state, so that every epoch trains in the reference path's order.
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/random.js';
import { instantiateWasmKernels } from '../../src/core/wasm/kernels.js';
import { cloneNetwork, createNetwork, type FitOptions, fit } from '../../src/index.js';
import { createOptimizer } from '../../src/nn/optimizers.js';
import { createWasmEngine } from '../../src/train/engines/wasm.js';
import { createArena } from '../../src/train/engines/wasm-layout.js';
import { bits, dataset, fitOnBothEngines } from '../helpers/engine-equality.js';
import { DEEP_NET, sigmoidNet } from '../helpers/networks.js';

describe("the kernels' shuffle", () => {
  it.each([1, 2, 3, 17, 1000, 70_001])('is Random.shuffle on %i indices, twice in a row, state included', (n) => {
    const wasm = instantiateWasmKernels()!;
    const arena = createArena(wasm);
    const order = arena.alloc(n * 4);
    const sh = arena.alloc(16);
    expect(arena.commit()).toBe(true);
    for (const seed of [0, 5, 2 ** 40 + 3]) {
      const reference = createRandom(seed);
      const expected = Uint32Array.from({ length: n }, (_, i) => i);
      const got = new Uint32Array(wasm.memory.buffer, order, n);
      got.set(expected);
      const state = new Int32Array(wasm.memory.buffer, sh, 4);
      state.set(createRandom(seed).state);
      for (let round = 0; round < 2; round++) {
        reference.shuffle(expected);
        wasm.shuffleIndices(sh, order, n);
        expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(expected.buffer))).toBe(true);
        expect(Array.from(state)).toEqual(Array.from(reference.state));
      }
      if (n > 2) expect(got).not.toEqual(Uint32Array.from({ length: n }, (_, i) => i));
    }
  });
});

const notes = sigmoidNet(3, 4);
const deep = DEEP_NET;
const data = dataset(3, 1, 'binary_crossentropy', 3_001, 5);
const validationData = dataset(3, 1, 'binary_crossentropy', 203, 6);

describe('fit with the engine shuffling', () => {
  it('is what a resident batch-1 run of plain SGD does, and nothing else', () => {
    const net = createNetwork(notes, { seed: 3 });
    const setup = { net, data, batchSize: 1, l2: 0, epochs: 2, perStepCallback: false };
    const optimizer = createOptimizer({ name: 'sgd', learningRate: 0.1 });
    const takes = (s: object) => createWasmEngine({ ...setup, optimizer, ...s })!.takeShuffle!(createRandom(1));
    expect(takes({ shuffled: true })).toBe(true);
    expect(takes({ shuffled: false })).toBe(false);
    expect(takes({ shuffled: true, batchSize: 2 })).toBe(false);
    expect(takes({ shuffled: true, perStepCallback: true })).toBe(false);
  });

  it.each([
    { kernel: 'sgd1-2layer', config: notes },
    { kernel: 'sgd1', config: deep },
  ])('$kernel: 4 epochs, resumed and in spans, the reference path bit for bit', ({ kernel, config }) => {
    const net = createNetwork(config, { seed: 3 });
    for (const initialEpoch of [0, 2]) {
      for (const shouldStop of [undefined, () => false]) {
        const options: FitOptions = {
          epochs: 4 + initialEpoch,
          initialEpoch,
          batchSize: 1,
          seed: 21,
          validationData,
          optimizer: { name: 'sgd', learningRate: 0.05 },
          ...(shouldStop ? { shouldStop } : {}),
        };
        const { a, b, fast, reference } = fitOnBothEngines(net, data, options);
        expect(fast.detail).toBe(kernel);
        expect(fast.epochs).toHaveLength(4);
        expect(bits(a)).toBe(bits(b));
        expect(fast.epochs).toEqual(reference.epochs);
      }
    }
  });

  it('one epoch, and an early stop: the reference path bit for bit', () => {
    const net = createNetwork(notes, { seed: 4 });
    for (const options of [
      { epochs: 1 },
      { epochs: 30, earlyStopping: { patience: 1, minDelta: 1e-3 } },
    ] satisfies FitOptions[]) {
      const common: FitOptions = {
        batchSize: 1,
        seed: 2,
        validationData,
        optimizer: { name: 'sgd', learningRate: 0.5 },
      };
      const a = cloneNetwork(net);
      const b = cloneNetwork(net);
      const fast = fit(a, data, { ...common, ...options, engine: 'wasm' });
      const reference = fit(b, data, { ...common, ...options, engine: 'reference' });
      expect(fast.epochs).toEqual(reference.epochs);
      expect(fast.stopReason).toBe(reference.stopReason);
      expect(bits(a)).toBe(bits(b));
    }
  });
});
