/**
 * The ways `fit` can run training steps, behind one interface: the readable reference path
 * (`backProp` over matrix kernels), the fused JavaScript path and the WebAssembly SIMD engine.
 * All three perform the same floating-point operations in the same order, so they give
 * bit-identical weights and logs; `fit` uses the fastest that covers the network unless told
 * otherwise, and the tests hold the fast ones to the reference.
 */
import { ConfigError } from '../core/errors.js';
import type { Network } from '../nn/network.js';
import type { Optimizer } from '../nn/optimizers.js';
import type { Dataset } from './fit.js';
import { createJsEngine } from './fused-step.js';
import { createReferenceEngine } from './reference-engine.js';
import { createWasmTrainingEngine } from './wasm-engine.js';

/** The engines `fit` can train with; `'auto'` picks one. See `FitOptions.engine`. */
export type FitEngine = 'auto' | 'wasm' | 'js' | 'reference';

export const FIT_ENGINES: readonly FitEngine[] = ['auto', 'wasm', 'js', 'reference'];

/** What an engine is built for. */
export interface EngineSetup {
  net: Network;
  data: Dataset;
  optimizer: Optimizer;
  /** The caller passed its own optimiser object, whose step count and state must advance. */
  optimizerGiven: boolean;
  batchSize: number;
  l2: number;
  epochs: number;
  /** An `onBatchEnd` callback must see every step, so no engine may run a whole epoch at once. */
  perStepCallback: boolean;
}

/**
 * One way of running the steps of an epoch. Numbers come back through {@link result}, a typed
 * array, because V8 boxes a double returned from a call it does not inline (an allocation per
 * step).
 */
export interface TrainingEngine {
  readonly name: Exclude<FitEngine, 'auto'>;
  /** Which of the engine's kernels runs the epochs, where it has several (e.g. `'sgd1-2layer'`). */
  readonly detail?: 'sgd1-2layer' | 'sgd1';
  /**
   * After `runEpoch`: [Σ batch loss × batch size, correct predictions, 0] — or, when a loss was
   * not finite, [that loss, _, its 1-based batch]. After `runBatch`: [the batch's mean loss,
   * its correct predictions, _].
   */
  readonly result: Float64Array;
  /** Starts an epoch whose examples come in `order` (null: as stored). */
  startEpoch(order: Uint32Array | null): void;
  /** Runs the whole epoch in one call if this engine can; false when the caller must step. */
  runEpoch(): boolean;
  /**
   * Batch `b` — examples [start, start + size) of the epoch's order: its gradient, then the
   * optimiser's update (skipped when the loss is not finite).
   */
  runBatch(b: number, start: number, size: number): void;
  /** Makes the network's own arrays hold the current weights (for callbacks and the end). */
  storeWeights(): void;
  /** Takes the network's arrays as the current weights (a callback may have changed them). */
  loadWeights(): void;
}

/**
 * The engine for `choice`: `'auto'` takes the WebAssembly engine when the run is big enough for
 * its set-up to pay, else the fused JavaScript path; either falls back to the next when it does
 * not cover the network (e.g. softmax in a hidden layer, a clipped cross-entropy, no SIMD).
 */
export function createTrainingEngine(choice: FitEngine, setup: EngineSetup): TrainingEngine {
  if (!FIT_ENGINES.includes(choice)) {
    throw new ConfigError(`unknown engine '${choice}': expected one of ${FIT_ENGINES.join(', ')}`);
  }
  if (choice === 'reference') return createReferenceEngine(setup);
  const wasm =
    choice === 'wasm' || (choice === 'auto' && wasmPays(setup.net, setup.data.x.rows, setup.epochs))
      ? createWasmTrainingEngine(setup)
      : undefined;
  return wasm ?? createJsEngine(setup) ?? createReferenceEngine(setup);
}

/**
 * Whether the WebAssembly engine pays for its set-up (an instance, a copy of the dataset in its
 * memory: ~0.1 ms plus ~1 ms per 100 MB). Per step it beat the fused JavaScript path on every
 * shape measured, from the notes' 3-4-1 with batch 1 to 30-64-1 with batch 32 (~8×); see
 * docs/wasm.md. So: whenever the run does more than ~10⁵ multiply-adds.
 */
function wasmPays(net: Network, examples: number, epochs: number): boolean {
  let work = 0;
  for (const l of net.layers) work += l.kernel.rows * l.kernel.cols;
  return work * examples * epochs >= 1e5;
}
