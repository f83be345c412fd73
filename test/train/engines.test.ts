/**
 * Every engine against the reference path, over cases generated from the vocabulary's name lists:
 * each hidden activation × each output activation × each loss (with and without clipping) × each
 * optimiser (as a configuration and as the object `createOptimizer` makes) × batch size 1 and a
 * partial last batch × L2 or not × one or two hidden layers × with and without a per-step
 * callback, each with validation data (whose loss and accuracy the engine computes too). Combinations the vocabulary itself refuses (e.g. binary cross-entropy after a relu)
 * are skipped where `createNetwork` refuses them. Where an engine declares the case it must give
 * the reference path's bits and logs; where it does not, the selector must have sent the run to
 * the reference path.
 */
import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_NAMES,
  type ActivationName,
  ConfigError,
  cloneNetwork,
  createNetwork,
  createOptimizer,
  type FitOptions,
  fit,
  LOSS_NAMES,
  type LossConfig,
  type Network,
  type NetworkConfig,
  OPTIMIZER_NAMES,
} from '../../src/index.js';
import { getLoss } from '../../src/kernels.js';
import { covers, type EngineKind, type EngineSetup } from '../../src/train/engines/engine.js';
import { referenceEngine } from '../../src/train/engines/reference.js';
import { ENGINES, selectEngine } from '../../src/train/engines/select.js';
import { wasmEngine } from '../../src/train/engines/wasm.js';
import { bits, dataset } from '../helpers/engine-equality.js';

/** Every loss configuration the vocabulary accepts: each loss, unclipped and clipped. */
const lossConfigs: LossConfig[] = LOSS_NAMES.flatMap((name) =>
  [0, 1e-7].flatMap((epsilon) => {
    try {
      getLoss({ name, epsilon });
      return [{ name, epsilon }];
    } catch {
      return [];
    }
  }),
);

/** Output units that suit the output activation and loss: 3 for softmax, else 1 or 2. */
function outputsFor(output: ActivationName, loss: LossConfig): number {
  if (output === 'softmax') return 3;
  return loss.name === 'mean_squared_error' ? 2 : 1;
}

/** The network of a case, or undefined where the vocabulary refuses the combination. */
function networkFor(hidden: ActivationName, output: ActivationName, loss: LossConfig, depth: number) {
  const config: NetworkConfig = {
    inputSize: 3,
    layers: [
      ...Array.from({ length: depth }, (_, i) => ({ units: 3 + i, activation: hidden })),
      { units: outputsFor(output, loss), activation: output },
    ],
    loss,
  };
  try {
    return createNetwork(config, { seed: 5 });
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

const heads = ACTIVATION_NAMES.flatMap((output) => lossConfigs.map((loss) => ({ output, loss })));
const groups = ENGINES.flatMap((engine) =>
  ACTIVATION_NAMES.flatMap((hidden) =>
    heads
      .filter(({ output, loss }) => networkFor(hidden, output, loss, 1) !== undefined)
      .map(({ output, loss }) => ({ engine, hidden, output, loss, label: `${loss.name} ε=${loss.epsilon}` })),
  ),
);

/** Trains a copy of `net` with `engine` and one with the reference path; they must agree. */
function holdToReference(kind: EngineKind, net: Network, options: FitOptions, batchSize: number, perStep: boolean) {
  const outputs = net.layers[net.layers.length - 1].bias.length;
  const data = dataset(3, outputs, net.loss.config.name, 7, 9);
  const validationData = dataset(3, outputs, net.loss.config.name, 5, 10);
  const a = cloneNetwork(net);
  const b = cloneNetwork(net);
  const steps: number[][] = [[], []];
  const run = (copy: Network, engine: 'wasm' | 'reference', i: number) => {
    const given = options.optimizer;
    // An optimiser object is made afresh for each run: each run must advance its own.
    const optimizer = given && 'step' in given ? createOptimizer(given.config) : given;
    const history = fit(copy, data, {
      ...options,
      optimizer,
      engine,
      validationData,
      ...(perStep ? { onBatchEnd: (log) => void steps[i].push(log.loss) } : {}),
    });
    return { history, iterations: optimizer && 'step' in optimizer ? optimizer.iterations : undefined };
  };
  const fast = run(a, kind.name, 0);
  const reference = run(b, 'reference', 1);
  const setup: EngineSetup = {
    net,
    data,
    batchSize,
    l2: options.l2 ?? 0,
    epochs: options.epochs ?? 1,
    optimizer: createOptimizer(
      options.optimizer && 'step' in options.optimizer
        ? options.optimizer.config
        : (options.optimizer ?? { name: 'sgd' }),
    ),
    perStepCallback: perStep,
  };
  const declared = covers(kind.coverage, setup) && kind.available();
  expect(fast.history.engine).toBe(declared ? kind.name : 'reference');
  expect(bits(a)).toBe(bits(b));
  expect(fast.history.epochs).toEqual(reference.history.epochs);
  expect(steps[0]).toEqual(steps[1]);
  expect(fast.iterations).toBe(reference.iterations);
  expect(bits(a)).not.toBe(bits(net)); // it did train
}

describe('every engine equals the reference path on every kind it declares', () => {
  it.each(groups)('$engine.name: hidden $hidden → $output, $label', ({ engine, hidden, output, loss }) => {
    let ran = 0;
    for (const depth of [1, 2]) {
      const net = networkFor(hidden, output, loss, depth)!;
      for (const name of OPTIMIZER_NAMES) {
        for (const batchSize of [1, 3]) {
          // 7 examples: batch 3 leaves a partial last batch of 1.
          for (const l2 of [0, 0.01]) {
            for (const form of ['config', 'object', 'object + callback'] as const) {
              const config = { name, learningRate: 0.05 };
              const options: FitOptions = {
                epochs: 2,
                batchSize,
                l2,
                seed: 3,
                optimizer: form === 'config' ? config : createOptimizer(config),
              };
              holdToReference(engine, net, options, batchSize, form === 'object + callback');
              ran++;
            }
          }
        }
      }
    }
    expect(ran).toBe(2 * OPTIMIZER_NAMES.length * 2 * 2 * 3);
  });
});

describe('the selector', () => {
  const notes: NetworkConfig = {
    inputSize: 3,
    layers: [
      { units: 4, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: { name: 'binary_crossentropy' },
  };
  const data = dataset(3, 1, 'binary_crossentropy', 50, 4);
  const setupFor = (net: Network): EngineSetup => ({
    net,
    data,
    batchSize: 1,
    l2: 0,
    epochs: 1,
    optimizer: createOptimizer({ name: 'sgd' }),
    perStepCallback: false,
  });
  /** The WebAssembly engine's declaration without tanh in hidden layers; it must never be made. */
  const withoutTanh: EngineKind = {
    ...wasmEngine,
    coverage: { ...wasmEngine.coverage, hidden: { ...wasmEngine.coverage.hidden, tanh: false } },
    available: () => true,
    pays: () => true,
    create: () => {
      throw new Error('an engine was made for a run it does not declare');
    },
  };

  it('sends a kind an engine does not declare to the reference path, never to that engine', () => {
    const net = createNetwork(notes, { seed: 1 });
    for (const choice of ['auto', 'wasm'] as const) {
      expect(selectEngine(choice, setupFor(net), [withoutTanh, referenceEngine]).name).toBe('reference');
    }
    // The same declaration does make the engine for a kind it declares.
    const sigmoidNet = createNetwork({ ...notes, layers: [{ units: 4, activation: 'sigmoid' }, notes.layers[1]] });
    expect(() => selectEngine('auto', setupFor(sigmoidNet), [withoutTanh, referenceEngine])).toThrow(/was made/);
  });

  it('trains a clipped cross-entropy on the reference path even when asked for wasm', () => {
    const config = { ...notes, loss: { name: 'binary_crossentropy' as const, epsilon: 1e-7 } };
    const a = createNetwork(config, { seed: 2 });
    const b = cloneNetwork(a);
    const asked = fit(a, data, { engine: 'wasm', batchSize: 1, epochs: 3 });
    const reference = fit(b, data, { engine: 'reference', batchSize: 1, epochs: 3 });
    expect(asked.engine).toBe('reference');
    expect(bits(a)).toBe(bits(b));
    expect(asked.epochs).toEqual(reference.epochs);
  });

  it('rejects an engine it does not know, before training', () => {
    const net = createNetwork(notes, { seed: 1 });
    const before = bits(net);
    expect(() => fit(net, data, { engine: 'js' as 'wasm' })).toThrow(/unknown engine 'js'/);
    expect(bits(net)).toBe(before);
  });
});
