/**
 * backprop: multilayer perceptrons trained by backpropagation.
 *
 * Layers of the library, each importing only from those before it:
 * core (matrices, random numbers, errors) ← nn (activations, losses, network, backprop,
 * the notes' quantities, gradient check) ← train (optimisers, fit, metrics).
 * `fitParallel` (worker threads, Node only) is in the `backprop/parallel` entry.
 */
export * from './core/errors.js';
export * from './core/matrix.js';
export * from './core/random.js';
export { preloadWasmKernels, wasmKernelsAvailable } from './core/wasm/kernels.js';
export * from './nn/activations.js';
export * from './nn/backprop.js';
export * from './nn/gradient-check.js';
export * from './nn/initializers.js';
export * from './nn/losses.js';
export * from './nn/network.js';
export * from './nn/notes.js';
export {
  createOptimizer,
  OPTIMIZER_NAMES,
  OPTIMIZERS,
  type Optimizer,
  type OptimizerConfig,
  type OptimizerName,
  resolveOptimizerConfig,
} from './nn/optimizers.js';
export {
  type BatchLog,
  type Dataset,
  DivergenceError,
  type EarlyStoppingOptions,
  type EpochLog,
  FIT_ENGINES,
  type FitEngine,
  type FitOptions,
  fit,
  type History,
} from './train/fit.js';
export * from './train/metrics.js';
