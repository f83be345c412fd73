/**
 * The playground's one door into the library. Every other web/ module imports the library from
 * here, so that when the library moves (src/ is being restructured) only this file changes.
 *
 * The library's CSV reader (src/io/csv.ts, src/io/dataset.ts), model file (src/io/model-file.ts)
 * and exporters (src/io/onnx.ts, src/io/tfjs-layers.ts, src/io/export-layers.ts) import Node's fs
 * today and so cannot be bundled for the browser; the playground's stand-ins for them live in
 * ./adapters/ and are marked there.
 */
export {
  type BatchLog,
  ConfigError,
  computeGradients,
  createNetwork,
  createOptimizer,
  createRandom,
  createWorkspace,
  type Dataset,
  fit,
  forwardProp,
  fromRows,
  isNotesShaped,
  type LayerWeights,
  type LossName,
  lossOf,
  type Matrix,
  type Network,
  type NetworkConfig,
  type NotesQuantities,
  networkFromWeights,
  notesQuantities,
  type Optimizer,
  type OptimizerName,
  predict,
  type Random,
  toRows,
  zeros,
} from '../../src/index.js';
// The onnx.proto subset the ONNX exporter encodes with: a plain string, safe to bundle.
export { ONNX_PROTO } from '../../src/io/onnx-proto.js';
export type { ActivationName } from '../../src/nn/activations.js';
