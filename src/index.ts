/**
 * backprop: multilayer perceptrons trained by backpropagation.
 *
 * Layers of the library, each importing only from those before it:
 * core (matrices, random numbers, errors) ← nn (activations, losses, network, backprop,
 * the notes' quantities, gradient check) ← train (optimisers, fit, metrics).
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
export * from './train/fit.js';
export * from './train/metrics.js';
export * from './train/optimizers.js';
export * from './train/parallel-fit.js';
