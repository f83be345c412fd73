/**
 * `backprop/kernels`: the raw building blocks under the main entry, for tests, benchmarks and
 * readers who want to step through the maths themselves: the matrix kernels, the activation and
 * loss tables, workspaces and backprop's in-place form. No promise of stability: the main entry
 * (`backprop`) is the public API.
 *
 * @example
 * import { fromRows, matmul, zeros } from 'backprop/kernels';
 * const out = zeros(1, 1);
 * matmul(fromRows([[1, 2]]), fromRows([[3], [4]]), out); // out.data[0] === 11
 */
import { type Activation, type ActivationName, ACTIVATIONS as TABLE } from './nn/activations.js';

export { exp } from './core/exp.js';
export { expm1, log, log1p, tanh } from './core/libm.js';
export {
  addOuter,
  addRowVector,
  allFinite,
  axpy,
  clone,
  fromRows,
  matmul,
  matmulTransA,
  matmulTransB,
  rowSlice,
  sumRows,
  toRows,
  transpose,
  zeros,
} from './core/matrix.js';
export { instantiateWasmKernels } from './core/wasm/kernels.js';
export { activate, activationBackward, getActivation, sigmoid } from './nn/activations.js';
export { backProp, checkBatch, createGradients, gradientArrays, lossOf } from './nn/backprop.js';
export { initialize } from './nn/initializers.js';
export { getLoss, KERAS_EPSILON, type Loss, lossName } from './nn/losses.js';
export {
  checkConfig,
  checkInputs,
  copyWeights,
  createWorkspace,
  forwardProp,
  outputSize,
  parameterArrays,
  parameterCount,
  type Workspace,
} from './nn/network.js';
export { resolveOptimizerConfig } from './nn/optimizers.js';
export { FIT_ENGINES, type FitEngine } from './train/fit.js';
export { argmaxRow, countCorrect, oneVsRest } from './train/metrics.js';

/**
 * The activation table, read-only: a frozen copy, so that no caller can swap an entry under the
 * engines (which would then compute something other than the reference path).
 */
export const ACTIVATIONS: { readonly [K in ActivationName]: Readonly<Activation> } = Object.freeze(
  Object.fromEntries(Object.entries(TABLE).map(([name, act]) => [name, Object.freeze({ ...act })])) as {
    [K in ActivationName]: Activation;
  },
);
