/**
 * The one interface behind which `fit` and every thread of `fitParallel` run training steps,
 * and the declaration by which each engine says what it covers. An engine performs the reference
 * path's floating-point operations in the same order, so whichever one runs, the weights and
 * logs are the same bits; the selector (select.ts) never gives a run to an engine whose
 * declaration does not cover it, so an engine never trains something else.
 */
import { ConfigError } from '../../core/errors.js';
import type { AnyMatrix } from '../../core/matrix.js';
import type { Random } from '../../core/random.js';
import { ACTIVATION_NAMES, type ActivationName } from '../../nn/activations.js';
import type { LossName } from '../../nn/losses.js';
import type { Network } from '../../nn/network.js';
import type { Optimizer, OptimizerName } from '../../nn/optimizers.js';
import type { Dataset } from '../fit.js';

/** The engines: the readable reference path and the WebAssembly SIMD kernels. */
export type EngineName = 'wasm' | 'reference';

/** Which of an engine's whole-epoch kernels ran, where it has several (see docs/wasm.md); 'float32' for dtype float32. */
export type EngineDetail = 'sgd1-2layer' | 'sgd1' | 'float32';

/**
 * What an engine covers. Each table is keyed by a vocabulary's names, so adding a kind to the
 * vocabulary is a compile error until every engine has said whether it covers it.
 */
export interface Coverage {
  /** Activations of the hidden layers. */
  readonly hidden: Readonly<Record<ActivationName, boolean>>;
  /** Activations of the output layer. */
  readonly output: Readonly<Record<ActivationName, boolean>>;
  /** Losses, with ε = 0 (see `clippedLoss`). */
  readonly losses: Readonly<Record<LossName, boolean>>;
  /** Cross-entropies with ŷ clipped to [ε, 1 − ε] (ε > 0). */
  readonly clippedLoss: boolean;
  /** Optimisers whose updates the engine's `runBatch` applies (in its kernels or through `step`). */
  readonly optimizers: Readonly<Record<OptimizerName, boolean>>;
  /** Largest batch size (Infinity: any). */
  readonly maxBatchSize: number;
  /** Per-example loss weights (`Dataset.w`, class weights). */
  readonly sampleWeights: boolean;
}

/** What an engine is made for. */
export interface EngineSetup {
  net: Network;
  /** Float32 features only for the float32 engine (`fit` refuses them otherwise). */
  data: Dataset<AnyMatrix>;
  batchSize: number;
  l2: number;
  epochs: number;
  /** Data evaluated after each epoch by {@link Engine.validate}. */
  validation?: Dataset<AnyMatrix>;
  /** The optimiser `runBatch` applies; absent for an engine that only computes gradients. */
  optimizer?: Optimizer;
  /** An `onBatchEnd` callback must see every step, so no whole epoch may run in one call. */
  perStepCallback: boolean;
  /** Whether epochs come in a shuffled order (`startEpoch` given one); absent: as stored. */
  shuffled?: boolean;
}

/**
 * One way of running the steps of an epoch. Numbers come back through {@link result}, a typed
 * array, because V8 boxes a double returned from a call it does not inline (an allocation per
 * step).
 */
export interface Engine {
  readonly name: EngineName;
  readonly detail?: EngineDetail;
  /**
   * After `runEpoch`: [Σ batch loss × batch size, correct predictions, 0, batches run] — or, when
   * a loss was not finite, [that loss, _, its 1-based batch, _]. After `gradient` or `runBatch`:
   * [the batch's mean loss (with the L2 penalty), its correct predictions, _, _].
   */
  readonly result: Float64Array;
  /** The gradient of the last `gradient` call, in `parameterArrays` order. */
  readonly grads: readonly Float64Array[];
  /**
   * The weights the steps read and update, in `parameterArrays` order, between `startEpoch` (or
   * `loadWeights`) and `storeWeights`: the network's own arrays, or views of an engine's memory.
   * Absent where they are not float64 (the float32 engine).
   */
  readonly params?: readonly Float64Array[];
  /** Takes the network's weights and the epoch's example order (null: as stored). */
  startEpoch(order: Uint32Array | null): void;
  /**
   * Offers the engine the epochs' shuffling by `rng`, which `fit` otherwise does on the order
   * before each epoch. When it returns true, `startEpoch` is given the order as it was before
   * the first epoch, every epoch, and the engine shuffles its own copy as `rng.shuffle` would —
   * the same permutations, leaving `rng`'s state as `rng.shuffle` does.
   */
  takeShuffle?(rng: Random): boolean;
  /**
   * Runs the whole epoch in one call if this engine can; false when the caller must step. With
   * `shouldStop`, the epoch runs in spans of batches (a few milliseconds each) and stops after
   * the first span at whose end it returns true; the batches run are in `result[3]`.
   */
  runEpoch(shouldStop?: () => boolean): boolean;
  /** The gradient of the mean loss (plus the L2 term) over examples [start, start + size) of the order. */
  gradient(start: number, size: number): void;
  /** {@link gradient}, then the optimiser's update (skipped when the loss is not finite). */
  runBatch(start: number, size: number): void;
  /**
   * The setup's validation data through the network's own weights (stored there by
   * `storeWeights`): [mean loss with the L2 penalty, as `lossOf` gives it; correct predictions].
   */
  validate(): void;
  /**
   * Whether the weights the engine holds are all finite: present on engines that hold a copy of
   * their own, which leave the network's arrays alone until `storeWeights`. `fit` then checks
   * before storing, and the network's arrays are the epoch's start to go back to on divergence.
   */
  weightsFinite?(): boolean;
  /** Makes the network's own arrays hold the current weights (for callbacks and the end). */
  storeWeights(): void;
  /** Takes the network's arrays as the current weights (a callback may have changed them). */
  loadWeights(): void;
  /**
   * The run ended normally and will not call the engine again: it may hand what it holds (an
   * instance and its memory) to the next run. Not called after a throw.
   */
  release?(): void;
}

/**
 * `data` as float64 data, or a ConfigError when its features are float32.
 * @param data a data set given to `fit`
 */
export function float64Data(data: Dataset<AnyMatrix>): Dataset {
  if (data.x.data instanceof Float32Array) {
    throw new ConfigError("float32 features (x as a Float32Array) train with dtype 'float32' only");
  }
  return data as Dataset;
}

/** An engine as the selector sees it: its declaration, and how to make one. */
export interface EngineKind {
  readonly name: EngineName;
  readonly coverage: Coverage;
  /** Whether it can run in this runtime at all (e.g. WebAssembly SIMD present). */
  available(): boolean;
  /** Whether the run is big enough for the engine's set-up to pay. */
  pays(setup: EngineSetup): boolean;
  /** The engine, or undefined when it cannot be had after all (e.g. memory refused). */
  create(setup: EngineSetup): Engine | undefined;
}

/** `{ name: true }` for every name: a vocabulary covered whole. */
export function all<N extends string>(names: readonly N[]): Readonly<Record<N, boolean>> {
  return Object.fromEntries(names.map((n) => [n, true])) as Record<N, boolean>;
}

/** Every hidden and output activation: what the reference path covers. */
export const ALL_ACTIVATIONS = all(ACTIVATION_NAMES);

/** Whether `coverage` includes every kind and shape `setup` uses. */
export function covers(coverage: Coverage, setup: EngineSetup): boolean {
  const { net, optimizer } = setup;
  const last = net.layers.length - 1;
  const has = <N extends string>(table: Readonly<Record<N, boolean>>, name: string) =>
    Object.hasOwn(table, name) && table[name as N];
  const loss = net.loss.config;
  return (
    net.layers.every((l, i) => has(i < last ? coverage.hidden : coverage.output, l.activation.name)) &&
    has(coverage.losses, loss.name) &&
    (!loss.epsilon || coverage.clippedLoss) &&
    (optimizer === undefined || has(coverage.optimizers, optimizer.config.name)) &&
    Math.min(setup.batchSize, setup.data.x.rows) <= coverage.maxBatchSize &&
    (setup.data.w === undefined || coverage.sampleWeights)
  );
}
