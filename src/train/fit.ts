/**
 * The training loop: epochs of shuffled mini-batches, each a {@link backProp} and an optimiser
 * step, with validation, callbacks, early stopping and a guard against divergence.
 *
 * The per-epoch `loss` is what Keras reports: the mean of each batch's loss, taken before that
 * batch's update, weighted by batch size (so a partial last batch counts for what it holds).
 */
import { BackpropError, ConfigError } from '../core/errors.js';
import { type AnyMatrix, allFinite, type Matrix, type Matrix32 } from '../core/matrix.js';
import { createRandom } from '../core/random.js';
import { checkBatch, lossOf } from '../nn/backprop.js';
import { cloneNetwork, copyWeights, createWorkspace, type Network, parameterArrays } from '../nn/network.js';
import { createOptimizer, type Optimizer, type OptimizerConfig } from '../nn/optimizers.js';
import { type Engine, type EngineDetail, type EngineName, float64Data } from './engines/engine.js';
import { checkEngineChoice, ENGINE_CHOICES, type EngineChoice, selectEngine } from './engines/select.js';
import { float32Engine } from './engines/wasm-f32.js';
import { countCorrect } from './metrics.js';
import { fitOnThreads, planThreads } from './parallel-fit.js';

/** The engines `fit` can train with; `'auto'` picks one. See `FitOptions.engine`. */
export type FitEngine = EngineChoice;

/** The floating-point types `fit` trains in. */
export type FitDtype = 'float64' | 'float32';

/** Throws a ConfigError unless `dtype` is a {@link FitDtype}. */
export function checkDtype(dtype: string): asserts dtype is FitDtype {
  if (dtype !== 'float64' && dtype !== 'float32') {
    throw new ConfigError(`unknown dtype '${dtype}': expected float64 or float32`);
  }
}

export const FIT_ENGINES: readonly FitEngine[] = ENGINE_CHOICES;

/**
 * Inputs `x` [n, in] with targets `y` [n, out], and optionally a weight per example `w` [n]
 * (Keras's `sample_weight`: each example's loss is multiplied by its weight and the batch loss is
 * Σ wᵢ·Lᵢ / n, the batch size, not Σ wᵢ).
 */
export interface Dataset<X extends AnyMatrix = Matrix> {
  x: X;
  y: Matrix;
  w?: Float64Array;
}

/**
 * A {@link Dataset} whose features are float32, as `dtype: 'float32'` reads them (Keras and TF.js
 * hold data in float32): only a float32 run takes one, so such data is never widened to float64.
 */
export type Dataset32 = Dataset<Matrix32>;

/** What one epoch did. `accuracy` fields are absent for regression (MSE). */
export interface EpochLog {
  /** 1-based. */
  epoch: number;
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  /**
   * Present only on an epoch cut short by `shouldStop`: the batches it ran, of the `of` an epoch
   * has. Its loss and accuracy are over those batches' examples.
   */
  partial?: { batches: number; of: number };
}

/** Passed to `onBatchEnd` after each optimiser step. */
export interface BatchLog {
  epoch: number;
  /** 1-based batch index within the epoch. */
  batch: number;
  batches: number;
  /** This batch's loss, before its update. */
  loss: number;
  size: number;
}

export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping. */
  patience: number;
  /** The quantity watched (default `valLoss` when there is validation data, else `loss`). */
  monitor?: 'loss' | 'valLoss';
  /** Smallest decrease that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the best epoch's weights when training ends (default true). */
  restoreBestWeights?: boolean;
}

export interface FitOptions {
  /**
   * The epoch to stop after (default 1, as Keras): epochs `initialEpoch + 1` … `epochs` are run.
   */
  epochs?: number;
  /**
   * Epochs already run (default 0), Keras's `initial_epoch`: training resumes at epoch
   * `initialEpoch + 1`, with the shuffling stream of `seed` advanced past the epochs before it,
   * so that with the optimiser's saved state a resumed run repeats an uninterrupted one bit for bit.
   */
  initialEpoch?: number;
  /** Examples per step (default 32, as Keras); the last batch keeps the remainder. */
  batchSize?: number;
  /** Reshuffle the examples every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling (default 0). */
  seed?: number;
  /** An optimiser or its configuration (default plain SGD, η = 0.01). */
  optimizer?: OptimizerConfig | Optimizer;
  /** L2 penalty l2·Σ‖kernel‖² added to the loss (default 0). */
  l2?: number;
  /** Data scored after each epoch (float32 features only with `dtype: 'float32'`). */
  validationData?: Dataset<AnyMatrix>;
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Which implementation runs the training steps (default `'auto'`). All give bit-identical
   * weights and logs; see docs/wasm.md.
   * - `'auto'`: the WebAssembly SIMD engine where it covers the run and the run is big enough
   *   for its set-up to pay, else the reference path;
   * - `'wasm'`: the WebAssembly engine wherever it covers the run (the reference path where it
   *   does not, or where WebAssembly SIMD is unavailable);
   * - `'reference'`: `backProp` over the matrix kernels of core/matrix.ts.
   */
  engine?: FitEngine;
  /**
   * The floating-point type of the training arithmetic (Keras's `floatx`; default `'float64'`).
   * `'float32'` stores the data and weights as float32 in the float32 WebAssembly engine (products
   * in f32x4 SIMD): within float32 tolerance of float64, and bit-identical to itself for one seed.
   * It covers the four optimisers (made by `createOptimizer`; their state kept in float32, their
   * constants rounded to float32 as Keras does) over every activation and unclipped loss, without
   * sample weights, on one thread; any other run throws a ConfigError rather than train in
   * float64. The network's arrays, and the optimiser's state, stay Float64Array, holding float32
   * values.
   */
  dtype?: FitDtype;
  /**
   * Threads computing each batch (docs/threads.md). By default `fit` splits each batch of a run
   * whose batch (≥ 64) and parameter count × batch size (`THREADED_WORK`) are large between up to
   * two threads (Node's worker threads, where the cores look free), first by rows (the forward
   * pass and δ), then by slabs of the weights (their gradients and SGD step); a smaller run uses one thread.
   * The result is the same bits for any thread count, 1 included: the reference path's. `threads:
   * 1` keeps a run on one thread; `threads: N ≥ 2` asks for N on a run of any size, and throws a
   * ConfigError where the split cannot run (sample weights, `engine: 'reference'`, a network the
   * WebAssembly kernels do not cover, no worker threads).
   */
  threads?: number;
  /** Called after each step; return `false` to stop training. */
  onBatchEnd?: (log: BatchLog) => unknown;
  /** Called after each epoch; return `false` to stop training. */
  onEpochEnd?: (log: EpochLog) => unknown;
  /**
   * Read before each epoch and after each batch (every engine, whole-epoch kernels included, which
   * then run in spans of a few milliseconds): once it returns true, training stops there, the
   * epoch so far is logged (marked `partial`) and `stopReason` is `'interrupted'`. For a stop asked
   * from outside (Ctrl-C), e.g. `() => Atomics.load(flag, 0) !== 0`.
   */
  shouldStop?: () => boolean;
}

export interface History {
  epochs: EpochLog[];
  /** The implementation that ran the training steps. */
  engine?: EngineName;
  /**
   * Which of the engine's kernels ran the epochs, where it has several: `'sgd1-2layer'` or
   * `'sgd1'` for the WebAssembly engine's whole-epoch kernels for batch size 1 and plain SGD
   * (see docs/wasm.md); `'float32'` for a `dtype: 'float32'` run; absent otherwise.
   */
  detail?: EngineDetail;
  /** Threads that computed each batch, when more than one (see `FitOptions.threads`). */
  threads?: number;
  /** Why training ended. */
  stopReason: 'completed' | 'early-stopping' | 'callback' | 'interrupted';
  /** 1-based epoch whose weights the model holds when early stopping restored the best ones. */
  bestEpoch?: number;
}

/**
 * Thrown when the loss or a gradient becomes NaN or infinite. The network is left with the
 * finite weights it had at the start of the failing epoch; `history` holds the epochs before it.
 */
export class DivergenceError extends BackpropError {
  override name = 'DivergenceError';
  constructor(
    message: string,
    readonly history: History,
  ) {
    super(message);
  }
}

/** Throws a ConfigError unless `value` is an integer ≥ 1. */
export function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be an integer ≥ 1, got ${value}`);
}

function isOptimizer(o: OptimizerConfig | Optimizer): o is Optimizer {
  return typeof (o as Optimizer).step === 'function';
}

/** {@link FitOptions} checked, with their defaults filled in. */
export interface CheckedFitOptions {
  epochs: number;
  initialEpoch: number;
  batchSize: number;
  l2: number;
  optimizer: Optimizer;
  /** The caller passed its own optimiser object (whose state it owns), not a configuration. */
  optimizerGiven: boolean;
  validationData?: Dataset<AnyMatrix>;
  earlyStopping?: EarlyStoppingOptions;
}

/**
 * Checks everything `fit` is given before anything changes: the data against the network, and
 * every option. Throws a {@link ConfigError}, ShapeError or ValueError saying what was expected.
 */
export function checkFitOptions(net: Network, data: Dataset<AnyMatrix>, options: FitOptions): CheckedFitOptions {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  const l2 = options.l2 ?? 0;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ConfigError(`epochs must be an integer ≥ 0, got ${epochs}`);
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) {
    throw new ConfigError(`initialEpoch must be an integer ≥ 0, got ${initialEpoch}`);
  }
  checkSampleWeights(data);
  checkPositiveInteger('batch size', batchSize);
  checkEngineChoice(options.engine ?? 'auto');
  checkDtype(options.dtype ?? 'float64');
  if (options.dtype === 'float32' && options.engine === 'reference') {
    throw new ConfigError("dtype 'float32' runs in the float32 WebAssembly engine; the reference path is float64 only");
  }
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new ConfigError(`l2 must be a finite number ≥ 0, got ${l2}`);
  checkBatch(net, data.x, data.y);
  const val = options.validationData;
  if (options.dtype !== 'float32') {
    float64Data(data);
    if (val) float64Data(val);
  }
  if (val) checkBatch(net, val.x, val.y);
  const given = options.optimizer ?? { name: 'sgd' };
  const optimizerGiven = isOptimizer(given);
  const optimizer = optimizerGiven ? given : createOptimizer(given);
  const es = options.earlyStopping;
  if (es) {
    checkPositiveInteger('early-stopping patience', es.patience);
    if (es.monitor !== undefined && es.monitor !== 'loss' && es.monitor !== 'valLoss') {
      throw new ConfigError(`early-stopping monitor must be 'loss' or 'valLoss', got '${es.monitor}'`);
    }
    if (es.minDelta !== undefined && !(es.minDelta >= 0 && Number.isFinite(es.minDelta))) {
      throw new ConfigError(`early-stopping minDelta must be a finite number ≥ 0, got ${es.minDelta}`);
    }
    if (es.monitor === 'valLoss' && !val) throw new ConfigError('early stopping on valLoss needs validation data');
  }
  return { epochs, initialEpoch, batchSize, l2, optimizer, optimizerGiven, validationData: val, earlyStopping: es };
}

/** Throws a ConfigError unless `data.w`, when present, holds one finite weight ≥ 0 per example. */
function checkSampleWeights(data: Dataset<AnyMatrix>): void {
  const w = data.w;
  if (w === undefined) return;
  if (w.length !== data.x.rows) {
    throw new ConfigError(`got ${w.length} sample weights for ${data.x.rows} examples, expected one per example`);
  }
  const bad = w.findIndex((v) => !(v >= 0 && Number.isFinite(v)));
  if (bad >= 0) throw new ConfigError(`sample weight ${bad + 1} is ${w[bad]}, expected a finite number ≥ 0`);
}

/**
 * Trains `net` in place on `data`. Everything is checked before the first update, so a bad
 * argument throws (a {@link ConfigError}, ShapeError or ValueError) and leaves `net` unchanged.
 */
export function fit(net: Network, data: Dataset<AnyMatrix>, options: FitOptions = {}): History {
  const checked = checkFitOptions(net, data, options);
  if (options.threads !== undefined) checkPositiveInteger('threads', options.threads);
  if (options.dtype === 'float32' && (options.threads ?? 1) > 1) {
    throw new ConfigError("dtype 'float32' trains on one thread: threads > 1 is float64 only");
  }
  const threads =
    options.dtype === 'float32' ? 1 : planThreads(net, float64Data(data), checked, options.threads, options.engine);
  if (threads > 1) return fitOnThreads(net, float64Data(data), options, checked, threads);
  const { epochs, initialEpoch, batchSize, l2, optimizer } = checked;

  const n = data.x.rows;
  const rng = createRandom(options.seed ?? 0);
  const shuffle = options.shuffle ?? true;
  const order = new Uint32Array(shuffle ? n : 0);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // Resuming: the order each earlier epoch used, so epoch initialEpoch + 1 shuffles as it would have.
  for (let e = 0; shuffle && e < initialEpoch; e++) rng.shuffle(order);
  const batches = Math.ceil(n / batchSize);
  const setup = {
    net,
    data,
    ...(checked.validationData ? { validation: checked.validationData } : {}),
    optimizer,
    batchSize,
    l2,
    epochs: Math.max(0, epochs - initialEpoch),
    perStepCallback: options.onBatchEnd !== undefined,
    shuffled: shuffle,
  };
  const choice = options.engine ?? 'auto';
  const engine = options.dtype === 'float32' ? float32Engine(setup) : selectEngine(choice, setup);
  const result = engine.result;
  const params = parameterArrays(net);
  // The epoch's start, to go back to on divergence: the network's own arrays when the engine holds
  // its weights until `storeWeights` and no callback makes it store them mid-epoch; else a copy.
  const ownWeights = engine.weightsFinite !== undefined && options.onBatchEnd === undefined;
  const epochStart = ownWeights ? undefined : cloneNetwork(net);
  const history: History = { epochs: [], engine: engine.name, stopReason: 'completed' };
  if (engine.detail) history.detail = engine.detail;
  const epochEnd = createEpochEnd(net, options, checked, history, engine);
  // An engine that holds the order in its own memory shuffles it there (no copy in each epoch).
  const engineShuffles = shuffle && engine.takeShuffle?.(rng) === true;
  const diverged = (epoch: number, batch: number, loss: number) => {
    if (epochStart) copyWeights(epochStart, net);
    return new DivergenceError(divergenceMessage(epoch, batch, loss, optimizer, data.x), history);
  };

  const { shouldStop } = options;
  for (let epoch = initialEpoch + 1; epoch <= epochs; epoch++) {
    if (shouldStop?.()) {
      history.stopReason = 'interrupted';
      break;
    }
    if (epochStart) copyWeights(net, epochStart);
    if (shuffle && !engineShuffles) rng.shuffle(order);
    engine.startEpoch(shuffle ? order : null);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let ran = batches;
    if (engine.runEpoch(shouldStop)) {
      // The whole epoch ran in one call, or in spans until `shouldStop` (no per-step callback).
      if (result[2] > 0) throw diverged(epoch, result[2], result[0]);
      lossSum = result[0];
      correct = result[1];
      ran = result[3];
      seen = Math.min(n, ran * batchSize);
    } else {
      for (let b = 0; b < batches; b++) {
        const start = b * batchSize;
        const size = Math.min(batchSize, n - start);
        engine.runBatch(start, size);
        const loss = result[0];
        // A non-finite gradient from a finite loss makes the next loss (or the epoch-end check
        // of the weights below) non-finite, so checking the loss each step is enough to stop.
        if (!Number.isFinite(loss)) throw diverged(epoch, b + 1, loss);
        lossSum += loss * size;
        correct += result[1];
        seen += size;
        if (options.onBatchEnd) {
          engine.storeWeights();
          const goOn = options.onBatchEnd({ epoch, batch: b + 1, batches, loss, size });
          engine.loadWeights();
          if (goOn === false) {
            history.stopReason = 'callback';
            break;
          }
        }
        if (b + 1 < batches && shouldStop?.()) {
          ran = b + 1;
          break;
        }
      }
    }
    if (ran < batches) history.stopReason = 'interrupted';
    if (ownWeights && !engine.weightsFinite!()) throw diverged(epoch, batches, Number.NaN);
    engine.storeWeights();
    if (!ownWeights && !params.every(allFinite)) throw diverged(epoch, batches, Number.NaN);

    const partial = ran < batches ? { batches: ran, of: batches } : undefined;
    if (!epochEnd.close(epoch, lossSum, correct, seen, partial)) break;
  }
  engine.release?.();
  epochEnd.finish();
  return history;
}

/** The bookkeeping after each epoch's steps; see {@link createEpochEnd}. */
export interface EpochEnd {
  /**
   * Logs the epoch (loss and accuracy from the sums of its steps, validation metrics from the
   * network as it now is), calls `onEpochEnd` and applies early stopping. Returns false when
   * training should stop, with `history.stopReason` saying why. `partial`: the epoch was cut
   * short (`history.stopReason` is already `'interrupted'`).
   */
  close(epoch: number, lossSum: number, correct: number, seen: number, partial?: EpochLog['partial']): boolean;
  /** Puts back the best epoch's weights if early stopping kept them. */
  finish(): void;
}

/**
 * What `fit` (and `fitParallel`) do between epochs: logs, validation (by `engine` when given: the
 * same numbers as `lossOf`, faster), callbacks, early stopping.
 */
export function createEpochEnd(
  net: Network,
  options: FitOptions,
  checked: CheckedFitOptions,
  history: History,
  engine?: Pick<Engine, 'validate' | 'result'>,
): EpochEnd {
  const { validationData: val, earlyStopping: es, l2 } = checked;
  const classify = net.loss.config.name !== 'mean_squared_error';
  const val64 = val && !engine ? float64Data(val) : undefined;
  const validation = val64 && createWorkspace(net, val64.x.rows);
  const monitor = es?.monitor ?? (val ? 'valLoss' : 'loss');
  const best = es && es.restoreBestWeights !== false ? cloneNetwork(net) : undefined;
  let bestValue = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let waited = 0;
  return {
    close(epoch, lossSum, correct, seen, partial) {
      const log: EpochLog = { epoch, loss: lossSum / seen };
      if (classify) log.accuracy = correct / seen;
      if (val && engine) {
        engine.validate();
        log.valLoss = engine.result[0];
        if (classify) log.valAccuracy = engine.result[1] / val.x.rows;
      } else if (val64 && validation) {
        log.valLoss = lossOf(net, val64.x, val64.y, validation, l2);
        if (classify) log.valAccuracy = countCorrect(validation.a[validation.a.length - 1], val64.y) / val64.x.rows;
      }
      if (partial) log.partial = partial;
      history.epochs.push(log);
      if (options.onEpochEnd?.(log) === false) history.stopReason = 'callback';
      // Early stopping sees every whole epoch, the last one too when a callback ends training
      // there; an epoch cut short by shouldStop is no measure of the weights against the others.
      let patienceOut = false;
      if (es && !partial) {
        const value = monitor === 'valLoss' ? log.valLoss! : log.loss;
        if (value < bestValue - (es.minDelta ?? 0)) {
          bestValue = value;
          bestEpoch = epoch;
          waited = 0;
          if (best) copyWeights(net, best);
        } else patienceOut = ++waited >= es.patience;
      }
      // By onEpochEnd or onBatchEnd, or the epoch was cut short by shouldStop.
      if (history.stopReason === 'callback' || history.stopReason === 'interrupted') return false;
      if (patienceOut) {
        history.stopReason = 'early-stopping';
        return false;
      }
      return true;
    },
    finish() {
      if (best && bestEpoch > 0) {
        copyWeights(best, net);
        history.bestEpoch = bestEpoch;
      }
    },
  };
}

/** Why training stopped at (`epoch`, `batch`), with the likely causes and what was restored. */
export function divergenceMessage(
  epoch: number,
  batch: number,
  loss: number,
  optimizer: Optimizer,
  x: AnyMatrix,
): string {
  let maxAbs = 0;
  for (const v of x.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  const causes = [`the learning rate ${optimizer.config.learningRate} may be too high: try one 10× smaller`];
  if (maxAbs > 10) causes.push(`the inputs reach |x| = ${maxAbs.toPrecision(4)}: standardise them (mean 0, std 1)`);
  return (
    `training diverged at epoch ${epoch}, batch ${batch}: the loss became ${loss} (non-finite loss or gradients). ` +
    `${causes.join('; or ')}. The weights were restored to their values at the start of epoch ${epoch}.`
  );
}
