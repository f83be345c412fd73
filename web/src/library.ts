/**
 * The playground's one door into the library. Every other web/ module imports the library from
 * here: the curated, browser-safe entry (../../src/index.js, `backprop`) and, for the training
 * worker's measurements, the kernels entry (../../src/kernels.js, `backprop/kernels`).
 */
export {
  accuracy,
  computeGradients,
  confusionMatrix,
  createNetwork,
  createOptimizer,
  createRandom,
  csvTextToExamples,
  type Examples,
  fit,
  fromRows,
  isNotesShaped,
  type LabelMapping,
  type LayerWeights,
  type Matrix,
  type Model,
  type Network,
  type NetworkConfig,
  networkFromWeights,
  notesQuantities,
  type Optimizer,
  type OptimizerName,
  parseModel,
  predictedClasses,
  prepareDataset,
  type Random,
  serializeModel,
  stratifiedSplit,
  targetClasses,
  toOnnx,
  toRows,
  toTfjsLayers,
  zeros,
} from '../../src/index.js';
export { createWorkspace, forwardProp, lossOf } from '../../src/kernels.js';
