/**
 * backprop: multilayer perceptrons trained by backpropagation, in Node and in browsers.
 *
 * This entry is browser-safe (no Node built-ins; a test bundles it for the browser). It holds:
 * - the network and its maths: create a network, predict, the gradients of backprop, the notes'
 *   named quantities, the finite-difference check;
 * - training: `fit`, optimisers, metrics;
 * - the pipelines the CLI runs: CSV text → table → examples, `trainModel`, `evaluateModel`,
 *   `predictTable`, `explain`, the model file as JSON values, TF.js Layers and ONNX as bytes.
 *
 * Files (streaming CSV, saving and loading model files, writing exports) are in `backprop/node`,
 * worker-thread training in `backprop/parallel`, the raw kernels in `backprop/kernels`.
 *
 * @example
 * import { parseCsv, predictValues, trainModel } from 'backprop';
 * const { model, metrics } = trainModel(parseCsv(csvText, 'iris.csv'), { hidden: [8], epochs: 200 });
 * predictValues(model, [[5.1, 3.5, 1.4, 0.2]]).rows[0]; // [p_setosa, …, 'setosa']
 */

// ── Errors ───────────────────────────────────────────────────────────────────────────────────
/** Every error backprop throws on purpose; `InputError` is bad user input (a file, a column, a flag). */
export { BackpropError, ConfigError, ShapeError, ValueError } from './core/errors.js';
// ── Numbers ──────────────────────────────────────────────────────────────────────────────────
/**
 * Matrices are row-major Float64Arrays. `fromRows([[1, 2], [3, 4]])` makes one, `toRows(m)`
 * turns it back, `zeros(2, 3)` is empty.
 */
export { fromRows, type Matrix, type Matrix32, toRows, zeros } from './core/matrix.js';
/** Seeded random numbers: `createRandom(42).next()` is the same in every run and every engine. */
export { createRandom, type Random } from './core/random.js';
/**
 * The WebAssembly kernels: `await preloadWasmKernels()` in a browser before the first `fit`;
 * `wasmKernelsAvailable()` says whether they loaded.
 */
export { preloadWasmKernels, wasmKernelsAvailable } from './core/wasm/kernels.js';
// ── Data and pipelines ───────────────────────────────────────────────────────────────────────
/**
 * CSV text → table, with the CLI's rules and messages: `parseCsv('x,y\n1,0\n', 'data.csv')`
 * (the delimiter detected among `,` `;` tab `|`, or `parseCsv(text, file, { delimiter: ';',
 * comment: '#' })`); `tableFromRows(header, rows)` checks rows that are already fields by the same rules.
 */
export {
  type CsvDialect,
  DELIMITERS,
  decodeCsvBytes,
  detectDelimiter,
  MAX_LINE_BYTES,
  parseCsv,
  type Table,
  tableFromRows,
} from './data/csv.js';
/** Warnings about a run that learnt nothing: `trainingWarnings(trainModel(table))`. */
export { constantLoss, trainingWarnings } from './data/diagnose.js';
/**
 * A model's metrics on a labelled table: `evaluateModel(model, table).accuracy`;
 * `describeMetrics(m)` as lines for a person.
 */
export {
  type ClassificationMetrics,
  type ClassMetrics,
  describeMetrics,
  evaluateModel,
  evaluateNetwork,
  type Metrics,
  type RegressionMetrics,
} from './data/evaluate.js';
/**
 * Table → examples (features, targets, label mapping):
 * `tableToExamples(table, { target: 'species' })`, or straight from text with `csvTextToExamples`.
 */
export {
  csvTextToExamples,
  type ExampleOptions,
  type Examples,
  featureWarnings,
  inferLabels,
  tableToExamples,
} from './data/examples.js';
/**
 * `explain(explainInputFromTable(model, table, { row: 5 }))`: the notes' quantities (or the
 * per-layer ones at any depth), the SGD step and the gradient check, as JSON and as lines.
 */
export {
  type ExplainInput,
  type ExplainTableOptions,
  type Explanation,
  type ExplanationJson,
  explain,
  explainInputFromSplit,
  explainInputFromTable,
  explainInputFromValues,
  type LayerQuantities,
  type SgdStep,
} from './data/explain.js';
export { InputError } from './data/input-error.js';
/**
 * Labels ↔ output units ↔ output activation ↔ loss, in one place:
 * `lossForLabels({ kind: 'binary', classes: ['no', 'yes'] })` is binary cross-entropy.
 */
export {
  defaultOutputActivation,
  encodeLabel,
  type LabelMapping,
  lossForLabels,
  outputUnits,
} from './data/labels.js';
/**
 * The model file as JSON values: `JSON.stringify(toModelFile(model))`, `fromModelFile(value)`;
 * `serializeModel(model)` is the exact text `backprop train` writes, `parseModel(text)` reads it.
 */
export {
  fromModelFile,
  MODEL_FORMAT,
  MODEL_VERSION,
  type Model,
  type ModelFile,
  parseModel,
  serializeModel,
  type TrainingSettings,
  toModelFile,
} from './data/model-file.js';
/** ONNX bytes of a model, taking raw features: `new Blob([toOnnx(model)])`. */
export { toOnnx } from './data/onnx.js';
/** Predictions with probabilities and labels: `predictTable(model, table).rows[0]`. */
export { type Predictions, predictionColumns, predictTable, predictValues } from './data/predict.js';
/** The training run's HTML report, `trainReport(result)`; `describeNetwork(net)` is '3-4-1 (…)'. */
export { describeNetwork, type ReportInput, renderReport, trainReport } from './data/report.js';
/**
 * Hostile text made safe: `csvField(label)` neutralises spreadsheet formulas (`=`, `+`, `-`, `@`,
 * tab, CR) and quotes; `escapeControl(name)` before printing to a terminal; `parseJsonData`
 * refuses `__proto__`/`constructor`/`prototype` keys.
 */
export { csvField, escapeControl, neutralizeCell, parseJsonData } from './data/safe-text.js';
/** Seeded stratified splits: `stratifiedSplit(rows, classes, 0.2, createRandom(0))`. */
export { stratifiedSplit } from './data/split.js';
/** Standardisation: `standardize(x, fitStandardization(xTrain))`. */
export { fitStandardization, type Standardization, standardize } from './data/standardize.js';
/**
 * TF.js Layers both ways: `toTfjsLayers(model)` gives `{ modelJson, weights }` (bytes);
 * `fromTfjsLayers(modelJson, 'model.json', (path) => weightsBytes)` reads one back.
 */
export { fromTfjsLayers, type TfjsArtifacts, toTfjsLayers } from './data/tfjs-layers.js';
/**
 * The training pipeline `backprop train` runs: `trainModel(table, { hidden: [4], epochs: 100 })`
 * gives the model, its history, the splits and the test metrics; `prepareDataset(table, options)` stops before training (labels, splits,
 * standardisation); `NOTES_TRAINING` is the demo's setting.
 */
export {
  NOTES_TRAINING,
  type Prepared,
  prepareDataset,
  type Split,
  type TrainOptions,
  type TrainResult,
  trainingColumns,
  trainModel,
} from './data/train.js';
// ── Exercises ────────────────────────────────────────────────────────────────────────────────
/**
 * The notes as an exercise: `createExercise({ seed: 7, level: 'easy' })` draws W, b1, U, b2, x, y
 * and η to work by hand; `checkAnswers(ex, parseAnswers(json, ex, 'answers.json'))` judges any
 * subset of z … b2_new and names known mistakes (`describeVerdict` says it in words);
 * `solveExercise(ex)` and `renderSolution(ex, 'markdown')` give the worked solution.
 */
export {
  type Answers,
  checkAnswers,
  describeVerdict,
  parseAnswers,
  parseAnswerText,
  type Verdict,
} from './exercise/check.js';
export type { MistakeCode } from './exercise/mistakes.js';
export {
  createExercise,
  EXERCISE_LEVELS,
  type Exercise,
  type ExerciseLevel,
  type ExerciseOptions,
  exerciseFromJson,
} from './exercise/problem.js';
export { QUANTITY_KEYS, type QuantityKey } from './exercise/quantities.js';
export {
  problemText,
  renderProblem,
  renderSolution,
  SOLUTION_FORMATS,
  type SolutionFormat,
  type SolutionStep,
  solveExercise,
} from './exercise/solution.js';
// ── The network ──────────────────────────────────────────────────────────────────────────────
/** The names of the vocabulary, e.g. `ACTIVATION_NAMES.includes('tanh')`. */
export { ACTIVATION_NAMES, type ActivationName } from './nn/activations.js';
/**
 * Backprop's gradients of the mean loss: `computeGradients(net, x, y).gradients[0].kernel`.
 */
export { computeGradients, type GradientResult, type LayerGradient } from './nn/backprop.js';
/** Backprop against central finite differences: `gradientCheck(net, x, y).maxRelError < 1e-6`. */
export {
  type GradientCheckOptions,
  type GradientCheckResult,
  gradientCheck,
  type LayerCheck,
  type ParameterCheck,
} from './nn/gradient-check.js';
/** Kernel initialisers by name: `createNetwork(config, { kernelInitializer: 'he_normal' })`. */
export { INITIALIZER_NAMES, type InitializerName } from './nn/initializers.js';
/** Losses by name: `{ name: 'binary_crossentropy' }` in a network's config. */
export { LOSS_NAMES, type LossConfig, type LossName } from './nn/losses.js';
/**
 * Networks: `createNetwork(NOTES_NETWORK, { seed: 0 })` is the notes' 3-4-1 sigmoid network;
 * `predict(net, x)` its outputs; `networkFromWeights(config, weights)` one with given weights;
 * `cloneNetwork(net)` a copy; `networkConfig(net)` its configuration.
 */
export {
  cloneNetwork,
  createNetwork,
  DEFAULT_MAX_PARAMETERS,
  type InitOptions,
  type LayerConfig,
  type LayerWeights,
  type Network,
  type NetworkConfig,
  NOTES_NETWORK,
  networkConfig,
  networkFromWeights,
  networkSize,
  parameterLimit,
  predict,
  setMemoryBudget,
  setParameterLimit,
} from './nn/network.js';
/**
 * The notes' named quantities for one example: `notesQuantities(net, [0.5, -1, 2], 1).delta1`
 * is δ1 = ŷ − y (eq. 3); `isNotesShaped(net)` says whether the notation applies.
 */
export { isNotesShaped, type NotesQuantities, notesQuantities } from './nn/notes.js';
/** Optimisers: `createOptimizer({ name: 'adam', learningRate: 0.01 })`, or pass the config to `fit`. */
export {
  createOptimizer,
  OPTIMIZER_NAMES,
  type Optimizer,
  type OptimizerConfig,
  type OptimizerName,
} from './nn/optimizers.js';
// ── Training ─────────────────────────────────────────────────────────────────────────────────
/**
 * `fit(net, { x, y }, { epochs: 100, batchSize: 1, optimizer: { name: 'sgd', learningRate: 0.1 } })`
 * trains in place and returns the history, with the engine that ran in `history.engine`.
 */
export {
  type BatchLog,
  type Dataset,
  type Dataset32,
  DivergenceError,
  type EarlyStoppingOptions,
  type EpochLog,
  type FitDtype,
  type FitOptions,
  fit,
  type History,
} from './train/fit.js';
/**
 * Metrics of outputs against targets: `accuracy(predict(net, x), y)`, `rocAuc(scores, labels)`,
 * `confusionMatrix(predictedClasses(yhat), targetClasses(y), k)`.
 */
export {
  accuracy,
  classScores,
  confusionMatrix,
  predictedClasses,
  regressionMetrics,
  rocAuc,
  rocCurve,
  targetClasses,
} from './train/metrics.js';
