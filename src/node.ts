/**
 * `backprop/node`: the library's files, for Node. CSV files streamed into matrices (or read as
 * tables), model files loaded and saved atomically, exports written to files, and the training
 * pipeline over a CSV file as `backprop train` runs it. Everything else is in `backprop`.
 *
 * @example
 * import { predictTable } from 'backprop';
 * import { loadModel, readCsv } from 'backprop/node';
 * const model = loadModel('model.json');
 * console.log(predictTable(model, readCsv('new.csv')).rows);
 */

/**
 * Writes so that a reader never sees half a file: `writeFileAtomic('out/a.txt', text)`; several
 * files all or none: `writeFilesAtomic([{ path, data }, …])`; a file in pieces: `openAtomic(path)`.
 */
export {
  type AtomicFile,
  type FileToWrite,
  openAtomic,
  removeStaleTemporaryFiles,
  writeFileAtomic,
  writeFilesAtomic,
} from './node/atomic-write.js';
/**
 * CSV files (`-` is stdin): `readCsv('data.csv')` is a table; `readExamples('data.csv', { target: 'y' })`
 * streams straight into matrices; `readText` reads a whole file with the CLI's messages.
 */
export { displayName, type ReadProgress, readCsv, readExamples, readText, STDIN, scanCsv } from './node/csv-file.js';
/** Exercise files: `readJsonFile('answers.json')`; `writeDirectoryAtomic('sheets', files)` writes all or none. */
export { readJsonFile, writeDirectoryAtomic } from './node/exercise-files.js';
/** Model files: `saveModel('model.json', model)`, `loadModel('model.json')`. */
export { loadModel, saveModel } from './node/model-files.js';
/** `writeOnnx('model.onnx', model, { force: true })`. */
export { writeOnnx } from './node/onnx-file.js';
/**
 * The output-path guard: `checkOutputs([[data, 'the data']], [{ path: out, flag: '--out', replaces: MODEL_OUTPUT }], force)`
 * refuses an output that is an input, another output, unwritable, or an existing file of another kind.
 */
export {
  ANY_OUTPUT,
  checkOutputPaths,
  checkOutputs,
  DATA_OUTPUT,
  type ExistingKind,
  existingKind,
  type InputSpec,
  MODEL_OUTPUT,
  type OutputSpec,
  sameFile,
} from './node/output-paths.js';
/** Predictions and metrics over a CSV file read in batches: `predictCsvFile(model, 'big.csv', 'm.json', onBatch)`. */
export { evaluateCsvFile, PREDICT_BATCH_ROWS, predictCsvFile } from './node/predict-file.js';
/** TF.js Layers directories: `writeTfjsLayers('web-model', model)`, `readTfjsLayers('web-model')`. */
export { checkExportDirectory, readTfjsLayers, writeTfjsLayers } from './node/tfjs-files.js';
/**
 * Training on a CSV file as `backprop train` does: `saveTrainResult(trainFromCsvFile('data.csv'), 'model.json')`.
 */
export {
  saveTrainedRun,
  saveTrainResult,
  type TrainFileOptions,
  trainFromCsvFile,
  trainInWorker,
  type WorkerTraining,
} from './node/train-file.js';
/** A run trained in a worker thread, as plain data. */
export type { RunStopReason, TrainedRun } from './node/train-worker-types.js';
