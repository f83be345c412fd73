/**
 * The training loop: epochs of shuffled mini-batches, each a {@link backProp} and an optimiser
 * step, with validation, callbacks, early stopping and a guard against divergence.
 *
 * The per-epoch `loss` is what Keras reports: the mean of each batch's loss, taken before that
 * batch's update, weighted by batch size (so a partial last batch counts for what it holds).
 */
import { BackpropError, ConfigError } from '../core/errors.js';
import { allFinite, type Matrix, rowSlice, zeros } from '../core/matrix.js';
import { createRandom } from '../core/random.js';
import { backProp, checkBatch, createGradients, type LayerGradient, lossOf } from '../nn/backprop.js';
import { cloneNetwork, copyWeights, createWorkspace, type Network, type Workspace } from '../nn/network.js';
import { createFusedStep } from './fused-step.js';
import { countCorrect } from './metrics.js';
import { createOptimizer, type Optimizer, type OptimizerConfig } from './optimizers.js';
import { createWasmEngine, type WasmEngine } from './wasm-engine.js';

/** Inputs `x` [n, in] with targets `y` [n, out]. */
export interface Dataset {
  x: Matrix;
  y: Matrix;
}

/** What one epoch did. `accuracy` fields are absent for regression (MSE). */
export interface EpochLog {
  /** 1-based. */
  epoch: number;
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
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
  /** Passes over the data (default 1, as Keras). */
  epochs?: number;
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
  validationData?: Dataset;
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Use the reference path (`backProp` over matrix kernels) even where a fast path applies
   * (default false); the same as `engine: 'reference'`.
   */
  reference?: boolean;
  /**
   * Which implementation runs the training steps (default `'auto'`). All give bit-identical
   * weights and logs; see docs/wasm.md.
   * - `'auto'`: the WebAssembly SIMD engine where it pays (wide layers), else the fused
   *   JavaScript path, else the reference path;
   * - `'wasm'`: the WebAssembly engine wherever it covers the network (falls back silently
   *   where WebAssembly SIMD is unavailable);
   * - `'js'`: the fused JavaScript path (or the reference path where it does not apply);
   * - `'reference'`: `backProp` over the matrix kernels of core/matrix.ts.
   */
  engine?: FitEngine;
  /** Called after each step; return `false` to stop training. */
  onBatchEnd?: (log: BatchLog) => unknown;
  /** Called after each epoch; return `false` to stop training. */
  onEpochEnd?: (log: EpochLog) => unknown;
}

/** The implementations `fit` can train with; see {@link FitOptions.engine}. */
export type FitEngine = 'auto' | 'wasm' | 'js' | 'reference';

export const FIT_ENGINES: readonly FitEngine[] = ['auto', 'wasm', 'js', 'reference'];

export interface History {
  epochs: EpochLog[];
  /** The implementation that ran the training steps. */
  engine?: 'wasm' | 'js' | 'reference';
  /**
   * Which of the engine's kernels ran the epochs, where it has several: `'sgd1-2layer'` or
   * `'sgd1'` for the WebAssembly engine's whole-epoch kernels for batch size 1 and plain SGD
   * (see docs/wasm.md); absent otherwise.
   */
  detail?: 'sgd1-2layer' | 'sgd1';
  /** Why training ended. */
  stopReason: 'completed' | 'early-stopping' | 'callback';
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

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be an integer ≥ 1, got ${value}`);
}

function isOptimizer(o: OptimizerConfig | Optimizer): o is Optimizer {
  return typeof (o as Optimizer).step === 'function';
}

/** The network's parameter arrays in a fixed order: kernel 1, bias 1, kernel 2, … */
export function parameterArrays(net: Network): Float64Array[] {
  return net.layers.flatMap((l) => [l.kernel.data, l.bias]);
}

/** Gradient arrays in the order of {@link parameterArrays}. */
export function gradientArrays(grads: LayerGradient[]): Float64Array[] {
  return grads.flatMap((g) => [g.kernel.data, g.bias]);
}

/** Copies rows `order[start..start+count)` of `src` into the first `count` rows of `dst`. */
function gatherRows(src: Matrix, order: Uint32Array, start: number, count: number, dst: Matrix): Matrix {
  const c = src.cols;
  for (let i = 0; i < count; i++) {
    const r = order[start + i];
    dst.data.set(src.data.subarray(r * c, r * c + c), i * c);
  }
  return count === dst.rows ? dst : rowSlice(dst, 0, count);
}

/**
 * Trains `net` in place on `data`. Everything is checked before the first update, so a bad
 * argument throws (a {@link ConfigError}, ShapeError or ValueError) and leaves `net` unchanged.
 */
export function fit(net: Network, data: Dataset, options: FitOptions = {}): History {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  const l2 = options.l2 ?? 0;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ConfigError(`epochs must be an integer ≥ 0, got ${epochs}`);
  checkPositiveInteger('batch size', batchSize);
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new ConfigError(`l2 must be a finite number ≥ 0, got ${l2}`);
  checkBatch(net, data.x, data.y);
  const val = options.validationData;
  if (val) checkBatch(net, val.x, val.y);
  const optimizer = isOptimizer(options.optimizer ?? { name: 'sgd' })
    ? (options.optimizer as Optimizer)
    : createOptimizer((options.optimizer as OptimizerConfig | undefined) ?? { name: 'sgd' });
  const es = options.earlyStopping;
  if (es) {
    checkPositiveInteger('early-stopping patience', es.patience);
    if (es.monitor === 'valLoss' && !val) throw new ConfigError('early stopping on valLoss needs validation data');
  }

  const n = data.x.rows;
  const classify = net.loss.config.name !== 'mean_squared_error';
  const rng = createRandom(options.seed ?? 0);
  const shuffle = options.shuffle ?? true;
  // The example order, reshuffled each epoch (untouched without shuffling).
  const order = new Uint32Array(shuffle ? n : 0);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const fullBatch = Math.min(batchSize, n);
  const batches = Math.ceil(n / batchSize);
  const workspaces = new Map<number, Workspace>();
  const workspaceFor = (size: number) => {
    let ws = workspaces.get(size);
    if (ws === undefined) {
      ws = createWorkspace(net, size);
      workspaces.set(size, ws);
    }
    return ws;
  };
  const xb = zeros(fullBatch, data.x.cols);
  const yb = zeros(fullBatch, data.y.cols);
  const grads = createGradients(net);
  const params = parameterArrays(net);
  const gradArrays = gradientArrays(grads);
  const engine = options.reference ? 'reference' : (options.engine ?? 'auto');
  if (!FIT_ENGINES.includes(engine)) {
    throw new ConfigError(`unknown engine '${engine}': expected one of ${FIT_ENGINES.join(', ')}`);
  }
  const plainSgd = optimizer.config.name === 'sgd' && !isOptimizer(options.optimizer ?? { name: 'sgd' });
  // Batch size 1, plain SGD, no L2 and no per-step callback: the WebAssembly engine runs whole
  // epochs in its batch-1 kernels, the update fused into the backward pass.
  const sgd1 = plainSgd && batchSize === 1 && l2 === 0 && !options.onBatchEnd;
  const wasm: WasmEngine | undefined =
    engine === 'wasm' || (engine === 'auto' && wasmPays(net, data.x.rows, epochs))
      ? createWasmEngine(net, data.x, data.y, batchSize, sgd1 ? 'sgd1' : 'batches')
      : undefined;
  const fused = engine === 'reference' || wasm ? undefined : createFusedStep(net, grads, l2);
  // Plain SGD one example at a time fuses the update into the backward pass.
  const fusedSgd = fused !== undefined && batchSize === 1 && l2 === 0 && optimizer.config.name === 'sgd';
  // The WebAssembly engine applies plain SGD itself, unless the caller passed its own optimiser
  // object (whose step count must advance); other optimisers step over views of its memory.
  const wasmSgd = wasm !== undefined && plainSgd;
  const wasmSgd1 = wasm !== undefined && sgd1;
  const lr = optimizer.config.learningRate;
  const epochStart = cloneNetwork(net);
  const monitor = es?.monitor ?? (val ? 'valLoss' : 'loss');
  const best = es && es.restoreBestWeights !== false ? cloneNetwork(net) : undefined;
  let bestValue = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let waited = 0;
  const history: History = { epochs: [], engine: wasm ? 'wasm' : fused ? 'js' : 'reference', stopReason: 'completed' };
  if (wasmSgd1) history.detail = wasm.sgd1Kernel;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    copyWeights(net, epochStart);
    if (shuffle) rng.shuffle(order);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    if (wasm) {
      // The network's arrays hold the truth between epochs (callbacks may read or set them).
      wasm.loadWeights();
      wasm.setOrder(shuffle ? order : null);
    }
    if (wasmSgd1) {
      const ran = wasm.runSgd1(lr);
      if (ran < n) {
        copyWeights(epochStart, net);
        throw new DivergenceError(diagnose(epoch, ran, wasm.sgdLoss, optimizer, data.x), history);
      }
      lossSum = wasm.sgdLoss;
      correct = wasm.sgdCorrect;
      seen = n;
    } else if (wasmSgd && !options.onBatchEnd) {
      // No per-step callback to call: the whole epoch runs in one call to the engine.
      const ran = wasm.run(0, batches, lr, l2);
      for (let b = 0; b < ran; b++) {
        const loss = wasm.losses[b];
        if (!Number.isFinite(loss)) {
          copyWeights(epochStart, net);
          throw new DivergenceError(diagnose(epoch, b + 1, loss, optimizer, data.x), history);
        }
        lossSum += loss * Math.min(batchSize, n - b * batchSize);
        correct += wasm.corrects[b];
      }
      seen = n;
    } else if (fusedSgd && !options.onBatchEnd) {
      // No per-step callback to call: the whole epoch runs inside the fused kernel.
      fused.sgdEpoch(data.x.data, data.y.data, shuffle ? order : null, n, lr);
      lossSum = fused.loss[0];
      if (!Number.isFinite(lossSum)) {
        copyWeights(epochStart, net);
        throw new DivergenceError(diagnose(epoch, fused.failedStep, lossSum, optimizer, data.x), history);
      }
      correct = fused.correct;
      seen = n;
    }
    for (let b = seen === n ? batches : 0; b < batches; b++) {
      const start = b * batchSize;
      const size = Math.min(batchSize, n - start);
      let loss: number;
      if (fusedSgd) {
        fused.runSgd(data.x.data, data.y.data, shuffle ? order[start] : start, lr);
        loss = fused.loss[0];
        correct += fused.correct;
      } else if (fused) {
        fused.run(data.x.data, data.y.data, shuffle ? order : null, start, size);
        loss = fused.loss[0];
        correct += fused.correct;
      } else if (wasm) {
        wasm.run(b, 1, wasmSgd ? lr : 0, l2);
        loss = wasm.losses[0];
        correct += wasm.corrects[0];
      } else {
        const x = shuffle ? gatherRows(data.x, order, start, size, xb) : rowSlice(data.x, start, size);
        const y = shuffle ? gatherRows(data.y, order, start, size, yb) : rowSlice(data.y, start, size);
        const ws = workspaceFor(size);
        loss = backProp(net, x, y, ws, grads, l2);
        if (classify) correct += countCorrect(ws.a[ws.a.length - 1], y);
      }
      // A non-finite gradient from a finite loss makes the next loss (or the epoch-end check of
      // the weights below) non-finite, so checking the loss each step is enough to stop.
      if (!Number.isFinite(loss)) {
        copyWeights(epochStart, net);
        throw new DivergenceError(diagnose(epoch, b + 1, loss, optimizer, data.x), history);
      }
      if (wasm) {
        if (!wasmSgd) optimizer.step(wasm.params, wasm.grads);
      } else if (!fusedSgd) optimizer.step(params, gradArrays);
      lossSum += loss * size;
      seen += size;
      if (options.onBatchEnd) {
        wasm?.storeWeights();
        if (options.onBatchEnd({ epoch, batch: b + 1, batches, loss, size }) === false) history.stopReason = 'callback';
        wasm?.loadWeights();
      }
      if (history.stopReason === 'callback') break;
    }
    wasm?.storeWeights();
    if (!params.every(allFinite)) {
      copyWeights(epochStart, net);
      throw new DivergenceError(diagnose(epoch, batches, Number.NaN, optimizer, data.x), history);
    }

    const log: EpochLog = { epoch, loss: lossSum / seen };
    if (classify) log.accuracy = correct / seen;
    if (val) {
      const ws = workspaceFor(val.x.rows);
      log.valLoss = lossOf(net, val.x, val.y, ws, l2);
      if (classify) log.valAccuracy = countCorrect(ws.a[ws.a.length - 1], val.y) / val.x.rows;
    }
    history.epochs.push(log);
    if (options.onEpochEnd?.(log) === false) history.stopReason = 'callback';
    if (history.stopReason === 'callback') break;

    if (es) {
      const value = monitor === 'valLoss' ? log.valLoss! : log.loss;
      if (value < bestValue - (es.minDelta ?? 0)) {
        bestValue = value;
        bestEpoch = epoch;
        waited = 0;
        if (best) copyWeights(net, best);
      } else if (++waited >= es.patience) {
        history.stopReason = 'early-stopping';
        break;
      }
    }
  }
  if (best && bestEpoch > 0) {
    copyWeights(best, net);
    history.bestEpoch = bestEpoch;
  }
  return history;
}

/**
 * Whether the WebAssembly engine pays for its set-up (an instance, a copy of the dataset in its
 * memory: ~0.1 ms plus ~1 ms per 100 MB). Per step it beat the fused JavaScript path on every
 * shape measured, from the notes' 3-4-1 with batch 1 (~1.4×) to 30-64-1 with batch 32 (~8×);
 * see docs/wasm.md. So: whenever the run does more than ~10⁵ multiply-adds.
 */
function wasmPays(net: Network, examples: number, epochs: number): boolean {
  let work = 0;
  for (const l of net.layers) work += l.kernel.rows * l.kernel.cols;
  return work * examples * epochs >= 1e5;
}

function diagnose(epoch: number, batch: number, loss: number, optimizer: Optimizer, x: Matrix): string {
  let maxAbs = 0;
  for (const v of x.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  const causes = [`the learning rate ${optimizer.config.learningRate} may be too high: try one 10× smaller`];
  if (maxAbs > 10) causes.push(`the inputs reach |x| = ${maxAbs.toPrecision(4)}: standardise them (mean 0, std 1)`);
  return (
    `training diverged at epoch ${epoch}, batch ${batch}: the loss became ${loss} (non-finite loss or gradients). ` +
    `${causes.join('; or ')}. The weights were restored to their values at the start of epoch ${epoch}.`
  );
}
