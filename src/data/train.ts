/**
 * The training pipeline: a table (or examples already read from one) → labels → seeded
 * stratified splits → standardisation from the training split → a new network or the weights
 * of an initial model → `fit` → metrics on the test split → a model ready for its file.
 * Everything is checked before training starts; nothing is written.
 */
import { ConfigError } from '../core/errors.js';
import type { AnyMatrix, Matrix, Matrix32 } from '../core/matrix.js';
import { createRandom } from '../core/random.js';
import type { ActivationName } from '../nn/activations.js';
import { type LossName, lossName } from '../nn/losses.js';
import { cloneNetwork, createNetwork, type Network, outputSize } from '../nn/network.js';
import { createOptimizer, type Optimizer, type OptimizerName, resolveOptimizerConfig } from '../nn/optimizers.js';
import { type Dataset, type EpochLog, type FitDtype, fit, type History } from '../train/fit.js';
import { targetClasses } from '../train/metrics.js';
import type { Table } from './csv.js';
import { evaluateNetwork, headlineMetrics, type Metrics } from './evaluate.js';
import { beyondFloat32, type ExampleOptions, type Examples, tableToExamples } from './examples.js';
import { InputError } from './input-error.js';
import { defaultOutputActivation, lossForLabels, outputUnits } from './labels.js';
import type { Model, SavedOptimizerState, TargetStandardization, TrainingSettings } from './model-file.js';
import { classIndices, permuteRowsInPlace, stratifiedSplitIndices, takeRows } from './split.js';
import { fitStandardizationOfRows, type Standardization, standardize } from './standardize.js';

/** Everything a training run can be told; the defaults are those of `backprop train`. */
export interface TrainOptions {
  /** The column to predict (default: the initial model's target if the data has it, else the last). */
  target?: string;
  /** The feature columns (default: the initial model's, else every column but the target and `ignore`). */
  features?: string[];
  /** Columns never used as features (a row id, a leaked column); naming one that is not there is an error. */
  ignore?: readonly string[];
  /** Hidden layer sizes (default [4]). */
  hidden?: number[];
  /** Whether `hidden` was chosen by the user, who must then agree with `init`. */
  hiddenGiven?: boolean;
  /** Hidden activation (default sigmoid). */
  activation?: Exclude<ActivationName, 'softmax'>;
  /** The loss as a user names it (bce, cce, mse or the full names); default: what the labels need. */
  loss?: string;
  optimizer?: OptimizerName;
  /** Learning rate η (default 0.1; 0.001 for adam). */
  lr?: number;
  momentum?: number;
  /** Examples per step (default 8). */
  batchSize?: number;
  /** Threads computing each batch (`fit`'s `threads`; default: `fit`'s rule). Node only. */
  threads?: number;
  /** Passes over the training split (default 100). */
  epochs?: number;
  /** Seed of the splits, the initial weights and the shuffling (default 0). */
  seed?: number;
  /** Shuffle the training rows every epoch (default true). */
  shuffle?: boolean;
  /** Fraction held out for the test metrics (default 0.2). */
  testSplit?: number;
  /** Fraction of the rest held out for validation (default 0.1). */
  validationSplit?: number;
  /** Early stopping after this many epochs without improvement. */
  patience?: number;
  /** L2 penalty λ (default 0). */
  l2?: number;
  /**
   * The training arithmetic, as `fit`'s `dtype` (default `'float64'`, or the `init` model's):
   * `'float32'` trains in the float32 kernels (runs with sample or class weights are refused) and
   * is recorded in the model file.
   */
  dtype?: FitDtype;
  /** Standardise the features with the training split's statistics (default true). */
  standardize?: boolean;
  /**
   * Regression: train on (y − mean) / std with the training split's statistics, stored in the
   * model so that predictions and metrics are in y's units (default true).
   */
  standardizeTarget?: boolean;
  /**
   * Keras's `class_weight`: each training example's loss multiplied by its class's weight;
   * `'balanced'` gives class c the weight n / (classes · n_c) over the training split (scikit-learn's).
   */
  classWeight?: 'balanced' | Record<string, number>;
  /** Binary: the decision threshold stored in the model (default 0.5, not stored). */
  threshold?: number;
  /** Store the optimiser's state in the model so that `init` can resume it exactly (Keras's `include_optimizer`). */
  includeOptimizer?: boolean;
  /**
   * Start from this model: its weights, features, labels, feature and target standardisation,
   * and (unless given here) its optimiser, learning rate, batch size, seed and dtype; with its saved
   * optimiser state, training resumes where it stopped. `name` names it in messages.
   */
  init?: { model: Model; name: string };
  /** Sees each epoch's log. */
  onEpochEnd?: (log: EpochLog) => void;
  /** Stops training after the current batch once it returns true (see `FitOptions.shouldStop`). */
  shouldStop?: () => boolean;
  /**
   * Let the run take over the examples' buffers (default false): the rows of `x` and `y` are
   * reordered (train, validation, test) and standardised in place, and the splits' `x` and `y`
   * are views of them, so a large file is held once, not twice. Afterwards `examples.x` and
   * `examples.y` no longer hold the file's rows in order, and a split's `raw` is there only when
   * the features were not standardised (it is then `x`).
   */
  reuseExamples?: boolean;
}

/**
 * The notes' setting on the bundled breast-cancer data, as `backprop demo` trains it: three
 * standardised features → 4 sigmoid units → 1 sigmoid unit, binary cross-entropy, plain SGD with
 * η = 0.1 and batch size 1, 100 epochs, a seeded stratified 80/20 split (10% of the rest for
 * validation). Measured to reach ≥ 0.93 test accuracy in well under a second.
 * @example
 * const { model } = trainModel(breastCancerTable, NOTES_TRAINING);
 */
export const NOTES_TRAINING = {
  target: 'malignant',
  features: ['worst_radius', 'worst_texture', 'worst_smoothness'],
  hidden: [4],
  activation: 'sigmoid',
  optimizer: 'sgd',
  lr: 0.1,
  batchSize: 1,
  epochs: 100,
  seed: 0,
  shuffle: true,
  testSplit: 0.2,
  validationSplit: 0.1,
  l2: 0,
  standardize: true,
} as const satisfies TrainOptions;

/** One labelled subset of the data, ready for the network (float32 features in a float32 run). */
export interface Split<X extends AnyMatrix = Matrix> extends Dataset<X> {
  /** Row indices into the table. */
  rows: number[];
  /** File lines of those rows. */
  lines: number[];
  /** The features before standardisation. */
  raw: X;
}

/** What a training run gives: the model and how it got there (`X`: the features' matrix type). */
export interface TrainResult<X extends AnyMatrix = Matrix> {
  model: Model;
  history: History;
  train: Split<X>;
  validation?: Split<X>;
  test?: Split<X>;
  /** Metrics on the test split (or the training split when there is none). */
  metrics: Metrics;
  metricsOn: 'test' | 'train';
  examples: Examples<X>;
}

/**
 * How many rows each split of a run holds.
 * @param result a training run
 * @example
 * splitSizes(trainModel(table)).test; // 114
 */
export function splitSizes(result: TrainResult<AnyMatrix>): { train: number; validation: number; test: number } {
  return {
    train: result.train.x.rows,
    validation: result.validation?.x.rows ?? 0,
    test: result.test?.x.rows ?? 0,
  };
}

type Settled = Required<
  Omit<
    TrainOptions,
    | 'target'
    | 'features'
    | 'ignore'
    | 'loss'
    | 'lr'
    | 'momentum'
    | 'patience'
    | 'init'
    | 'onEpochEnd'
    | 'shouldStop'
    | 'classWeight'
    | 'threshold'
    | 'includeOptimizer'
    | 'dtype'
    | 'threads'
    | 'reuseExamples'
  >
> &
  TrainOptions;

/**
 * Options that make a float64 run whatever the initial model: `dtype: 'float64'`, or no dtype and
 * no `init` (a float32 `init` model keeps float32), so that the float64 overloads' types hold.
 */
export type Float64Run = { dtype: 'float64' } | { dtype?: undefined; init?: undefined };

/** The initial model's optimiser, learning rate, batch size, seed, L2 penalty and dtype where `options` leave them out. */
function inherited(options: TrainOptions): TrainOptions {
  const t = options.init?.model.training;
  if (!t) return options;
  const opt = t.optimizer;
  const same = opt !== undefined && (options.optimizer ?? opt.name) === opt.name;
  return {
    ...options,
    optimizer: options.optimizer ?? (opt?.name as OptimizerName | undefined),
    lr: options.lr ?? (same ? opt.learningRate : undefined),
    momentum: options.momentum ?? (same ? opt.momentum : undefined),
    batchSize: options.batchSize ?? t.batchSize,
    seed: options.seed ?? t.seed,
    l2: options.l2 ?? t.l2,
    dtype: options.dtype ?? t.dtype,
  };
}

/** The options with `backprop train`'s defaults where a field is missing or undefined. */
function withDefaults(options: TrainOptions): Settled {
  const given = Object.fromEntries(
    Object.entries(inherited(options)).filter(([, v]) => v !== undefined),
  ) as TrainOptions;
  const optimizer = given.optimizer ?? 'sgd';
  const lr = given.lr ?? (optimizer === 'adam' ? undefined : 0.1);
  return {
    hidden: [4],
    hiddenGiven: false,
    activation: 'sigmoid',
    batchSize: 8,
    epochs: 100,
    seed: 0,
    shuffle: true,
    testSplit: 0.2,
    validationSplit: 0.1,
    l2: 0,
    standardize: true,
    standardizeTarget: true,
    ...given,
    optimizer,
    ...(lr !== undefined ? { lr } : {}),
  };
}

/**
 * The columns to read, once a file's header is known: the options', else the initial model's
 * features (which the header must have) and its target if the header has it.
 * @param options the run's options
 * @param header the file's column names
 * @param file the file's name in messages
 * @example
 * const examples = readExamples(path, (header, file) => trainingColumns(options, header, file));
 */
export function trainingColumns(options: TrainOptions, header: readonly string[], file: string): ExampleOptions {
  const init = options.init;
  let features = options.features;
  if (init && features && features.join('\u0000') !== init.model.features.join('\u0000')) {
    throw new InputError(
      `--features ${features.join(',')}: ${init.name} reads ${init.model.features.join(',')}, in that order; leave --features out with --init`,
    );
  }
  if (init && !features) {
    init.model.features.forEach((f, i) => {
      if (!header.includes(f)) {
        throw new InputError(
          `${file}: no column '${f}', which ${init.name} needs as feature ${i + 1}; the columns are: ${header.join(', ')} (or name them with --features)`,
        );
      }
    });
    features = init.model.features;
  }
  const target =
    options.target ?? (init?.model.target && header.includes(init.model.target) ? init.model.target : undefined);
  return {
    ...(target !== undefined ? { target } : {}),
    ...(features ? { features } : {}),
    ...(options.ignore ? { ignore: options.ignore } : {}),
    // The initial model's classes, in its order: a label it does not know is refused.
    ...(init ? { labels: init.model.labels } : {}),
    regression: options.loss !== undefined && lossName(options.loss) === 'mean_squared_error',
    // Two classes with --loss cce: two softmax units, as Keras allows.
    ...(options.loss !== undefined && lossName(options.loss) === 'categorical_crossentropy' ? { oneHot: true } : {}),
  };
}

/** The loss the labels need, checked against the one asked for. */
function checkedLoss(examples: Examples<AnyMatrix>, asked: string | undefined): LossName {
  const loss = lossForLabels(examples.labels);
  if (asked !== undefined && lossName(asked) !== loss) {
    const what = examples.labels.kind === 'regression' ? 'numbers' : `${examples.labels.classes.length} classes`;
    throw new InputError(`--loss ${asked}: the target '${examples.target}' has ${what}, which needs --loss ${loss}`);
  }
  return loss;
}

/** A copy of the initial model's network, checked against the data, or a new seeded one. */
function startingNetwork(examples: Examples<AnyMatrix>, loss: LossName, o: Settled): Network {
  const units = outputUnits(examples.labels);
  if (!o.init) {
    return createNetwork(
      {
        inputSize: examples.features.length,
        layers: [
          ...o.hidden.map((u) => ({ units: u, activation: o.activation })),
          { units, activation: defaultOutputActivation(loss, units) },
        ],
        loss: { name: loss },
      },
      { seed: o.seed },
    );
  }
  const { model, name } = o.init;
  const net = model.network;
  if (o.standardize === false && model.standardization) {
    throw new InputError(
      `--no-standardize: ${name} was trained on standardised features and keeps their statistics; leave --no-standardize out with --init`,
    );
  }
  if (o.standardizeTarget === false && model.targetStandardization) {
    throw new InputError(
      `--no-standardize-target: ${name} was trained on a standardised target and keeps its statistics; leave --no-standardize-target out with --init`,
    );
  }
  if (net.inputSize !== examples.features.length) {
    throw new InputError(
      `${name}: the network has ${net.inputSize} inputs but ${examples.features.length} feature columns were chosen (${examples.features.join(', ')})`,
    );
  }
  if (outputSize(net) !== units || net.loss.config.name !== loss) {
    throw new InputError(
      `${name}: the network ends in ${outputSize(net)} unit(s) with ${net.loss.config.name}, but the target '${examples.target}' needs ${units} with ${loss}`,
    );
  }
  const hidden = net.layers.slice(0, -1).map((l) => l.bias.length);
  if (o.hiddenGiven && hidden.join(',') !== o.hidden.join(',')) {
    throw new InputError(
      `--hidden ${o.hidden.join(',')}: ${name} has hidden layers ${hidden.join(',') || 'none'}; leave --hidden out with --init`,
    );
  }
  return cloneNetwork(net);
}

/**
 * Splits: test first, then validation out of what is left; stratified by class, seeded. The
 * standardisation statistics come from the training rows only.
 */
function splitExamples(examples: Examples<AnyMatrix>, o: Settled): Omit<Prepared<AnyMatrix>, 'examples' | 'loss'> {
  const rng = createRandom(o.seed);
  const classes = classIndices(examples.y, examples.labels);
  const all = new Uint32Array(examples.x.rows);
  for (let i = 0; i < all.length; i++) all[i] = i;
  const { kept, held: testRows } = stratifiedSplitIndices(all, classes, o.testSplit, rng);
  const { kept: trainRows, held: valRows } = stratifiedSplitIndices(kept, classes, o.validationSplit, rng);
  if (trainRows.length === 0) {
    throw new InputError(`${examples.file}: no rows left to train on after the test and validation splits`);
  }
  // Statistics and splits without intermediate copies of the data: for a large file the
  // copies, not the file, decide the peak memory.
  const standardization = o.init
    ? o.init.model.standardization
    : o.standardize
      ? fitStandardizationOfRows(examples.x, trainRows)
      : undefined;
  const make = o.reuseExamples ? splitsInPlace : splitCopies;
  const [train, validation, test] = make(examples, [trainRows, valRows, testRows], standardization);
  return {
    ...(standardization ? { standardization } : {}),
    train,
    ...(valRows.length > 0 ? { validation } : {}),
    ...(testRows.length > 0 ? { test } : {}),
  };
}

/** The splits as new matrices, standardised; `raw` is copied from the examples only if asked for. */
function splitCopies(
  examples: Examples<AnyMatrix>,
  parts: Uint32Array[],
  standardization: Standardization | undefined,
): Split<AnyMatrix>[] {
  return parts.map((indices) => {
    const x = takeRows(examples.x, indices);
    if (standardization) standardize(x, standardization, x);
    let raw: AnyMatrix | undefined;
    const rows = lazyRows(indices);
    const lines = linesOf(examples, indices);
    return {
      get rows() {
        return rows();
      },
      get lines() {
        return lines();
      },
      get raw() {
        raw ??= takeRows(examples.x, indices);
        return raw;
      },
      x,
      y: takeRows(examples.y, indices),
    };
  });
}

/** A split's file lines, looked up when first asked for (a million rows' worth is megabytes). */
function linesOf(examples: Examples<AnyMatrix>, rows: Uint32Array): () => number[] {
  let lines: number[] | undefined;
  return () => {
    lines ??= Array.from(rows, (r) => examples.lines[r]);
    return lines;
  };
}

/** A split's row indices as numbers, made when first asked for (the typed array is a quarter the size). */
function lazyRows(indices: Uint32Array): () => number[] {
  let rows: number[] | undefined;
  return () => {
    rows ??= Array.from(indices);
    return rows;
  };
}

/**
 * The splits as consecutive views of the examples' own buffers, their rows reordered and the
 * features standardised in place (`reuseExamples`): the same numbers as {@link splitCopies}, held once.
 */
function splitsInPlace(
  examples: Examples<AnyMatrix>,
  parts: Uint32Array[],
  standardization: Standardization | undefined,
): Split<AnyMatrix>[] {
  const order = new Uint32Array(examples.x.rows);
  let at = 0;
  for (const p of parts) {
    order.set(p, at);
    at += p.length;
  }
  permuteRowsInPlace(examples.x, order);
  permuteRowsInPlace(examples.y, order);
  if (standardization) standardize(examples.x, standardization, examples.x);
  let start = 0;
  const view = <M extends AnyMatrix>(m: M, rows: number): M =>
    ({ rows, cols: m.cols, data: m.data.subarray(start * m.cols, (start + rows) * m.cols) }) as M;
  return parts.map((indices) => {
    const x = view(examples.x, indices.length);
    const y = view(examples.y, indices.length);
    start += indices.length;
    const rows = lazyRows(indices);
    const lines = linesOf(examples, indices);
    return {
      get rows() {
        return rows();
      },
      get lines() {
        return lines();
      },
      get raw(): AnyMatrix {
        if (standardization)
          throw new Error('the raw features of a run with reuseExamples are not kept once standardised');
        return x;
      },
      x,
      y,
    };
  });
}

/** How the model was trained, as its file records it. */
function trainingSettings(o: Settled, optimizer: TrainingSettings['optimizer'], history: History, rows: number[]) {
  const cw = o.classWeight;
  const partial = history.epochs.at(-1)?.partial; // the last epoch was cut short by shouldStop
  return {
    optimizer,
    batchSize: o.batchSize,
    epochs: o.epochs,
    epochsRun: history.epochs.length,
    stopReason: history.stopReason,
    ...(partial ? { partialEpoch: partial } : {}),
    seed: o.seed,
    shuffle: o.shuffle,
    testSplit: o.testSplit,
    validationSplit: o.validationSplit,
    ...(o.patience !== undefined ? { patience: o.patience } : {}),
    l2: o.l2,
    standardize: o.standardize,
    initializedFrom: o.init ? 'file' : 'seed',
    ...(cw !== undefined ? { classWeight: cw } : {}),
    ...(o.standardizeTarget === false ? { standardizeTarget: false } : {}),
    ...(o.dtype === 'float32' ? { dtype: 'float32' as const } : {}),
    trainRows: rows[0],
    validationRows: rows[1],
    testRows: rows[2],
  } satisfies TrainingSettings;
}

/** The optimiser as the model file records it: only the settings that kind uses. */
function optimizerRecord(cfg: ReturnType<typeof resolveOptimizerConfig>): NonNullable<TrainingSettings['optimizer']> {
  if (cfg.name === 'sgd') return { name: cfg.name, learningRate: cfg.learningRate };
  if (cfg.name === 'adam')
    return { name: cfg.name, learningRate: cfg.learningRate, beta1: cfg.beta1, beta2: cfg.beta2, epsilon: cfg.epsilon };
  return { name: cfg.name, learningRate: cfg.learningRate, momentum: cfg.momentum };
}

/** A table turned into a data set ready for training: examples, loss, splits, statistics. */
export interface Prepared<X extends AnyMatrix = Matrix> {
  /** Features, targets, the label mapping and the columns chosen. */
  examples: Examples<X>;
  /** The loss the labels need. */
  loss: LossName;
  /** Mean and standard deviation of each feature over the training split, when standardising. */
  standardization?: Standardization;
  /** The splits, features standardised. */
  train: Split<X>;
  validation?: Split<X>;
  test?: Split<X>;
}

/**
 * The examples of a table under the run's column choice, or the examples given; for a float32
 * run their features as float32 (a float32 copy of float64 ones; data read as float32 as it is).
 */
function examplesOf(data: Table | Examples<AnyMatrix>, options: Settled): Examples<AnyMatrix> {
  const examples = 'header' in data ? tableToExamples(data, trainingColumns(options, data.header, data.file)) : data;
  if (options.dtype !== 'float32' || examples.x.data instanceof Float32Array) return examples;
  const x: Matrix32 = { rows: examples.x.rows, cols: examples.x.cols, data: Float32Array.from(examples.x.data) };
  checkFloat32Range(examples, x);
  return { ...examples, x };
}

/** Refuses a finite feature that became ±Infinity in float32, naming its file, line and column. */
function checkFloat32Range(examples: Examples<AnyMatrix>, x: Matrix32): void {
  const src = examples.x.data;
  for (let i = 0; i < src.length; i++) {
    if (Number.isFinite(x.data[i]) || !Number.isFinite(src[i])) continue;
    const r = Math.floor(i / x.cols);
    const where = `${examples.file} line ${examples.lines[r]}, column ${examples.features[i % x.cols]}`;
    throw new InputError(`${where}: ${beyondFloat32(String(src[i]))}`);
  }
}

/**
 * Table → data set, as `trainModel` makes it before training: the columns, the label mapping
 * and the loss it needs, seeded stratified test and validation splits, and standardisation
 * statistics from the training split (applied to every split).
 * @param data a parsed CSV table, or examples already read from one
 * @param options the columns, `loss`, `seed`, `testSplit`, `validationSplit`, `standardize` of {@link TrainOptions}
 * @example
 * const { examples, train, test, standardization } = prepareDataset(table, { target: 'species', seed: 1 });
 * examples.labels; // { kind: 'multiclass', classes: ['setosa', 'versicolor', 'virginica'] }
 */
export function prepareDataset(data: Table | Examples, options?: TrainOptions & Float64Run): Prepared;
export function prepareDataset(data: Table | Examples<AnyMatrix>, options?: TrainOptions): Prepared<AnyMatrix>;
export function prepareDataset(data: Table | Examples<AnyMatrix>, options: TrainOptions = {}): Prepared<AnyMatrix> {
  const o = withDefaults(options);
  const examples = examplesOf(data, o);
  const loss = checkedLoss(examples, o.loss);
  return { examples, loss, ...splitExamples(examples, o) };
}

/**
 * Trains a network on a table as `options` say, as `backprop train` does: same seed, same model.
 * @param data a parsed CSV table, or examples already read from one (e.g. by `readExamples`
 *   with {@link trainingColumns})
 * @param options columns, network, optimiser, splits; every field has `backprop train`'s default
 * @returns the model (for `toModelFile`), the history, the splits and the metrics
 * @example
 * const table = parseCsv(csvText, 'iris.csv');
 * const { model, metrics } = trainModel(table, { hidden: [8], epochs: 200 });
 */
export function trainModel(data: Table | Examples, options?: TrainOptions & Float64Run): TrainResult;
export function trainModel(data: Table | Examples<AnyMatrix>, options?: TrainOptions): TrainResult<AnyMatrix>;
export function trainModel(data: Table | Examples<AnyMatrix>, options: TrainOptions = {}): TrainResult<AnyMatrix> {
  const o = withDefaults(options);
  // The settled dtype: a float32 `init` model keeps float32 unless `dtype` says otherwise.
  const examples = examplesOf(data, o);
  const loss = checkedLoss(examples, o.loss);
  // The initial model is checked before the splits, so that its errors come first.
  const network = startingNetwork(examples, loss, o);
  const { optimizer, initialEpoch } = startingOptimizer(o);
  const threshold = checkedThreshold(examples, o.threshold ?? o.init?.model.threshold);
  const { standardization, train, validation, test } = splitExamples(examples, o);
  const targetStandardization = scaleTargets(examples, o, [train, validation, test]);
  if (o.classWeight !== undefined) train.w = sampleWeights(examples, train, o.classWeight);
  const onEpochEnd = o.onEpochEnd;
  const history = namingInheritedDtype(o, options, () =>
    fit(network, train, {
      epochs: initialEpoch + o.epochs,
      initialEpoch,
      batchSize: o.batchSize,
      shuffle: o.shuffle,
      seed: o.seed,
      optimizer,
      l2: o.l2,
      ...(o.dtype === 'float32' ? { dtype: o.dtype } : {}),
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
      ...(validation ? { validationData: validation } : {}),
      ...(o.patience !== undefined ? { earlyStopping: { patience: o.patience } } : {}),
      // This run's epochs counted from 1, as --epochs counts them; the history keeps Keras's numbers.
      ...(onEpochEnd ? { onEpochEnd: (log: EpochLog) => onEpochEnd({ ...log, epoch: log.epoch - initialEpoch }) } : {}),
      ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
    }),
  );
  const evalSet = test ?? train;
  const scoring = { ...(targetStandardization ? { targetStandardization } : {}), ...(threshold ? { threshold } : {}) };
  const metrics = evaluateNetwork(network, evalSet.x, evalSet.y, examples.labels, scoring);
  const rows = [train.x.rows, validation?.x.rows ?? 0, test?.x.rows ?? 0];
  const model: Model = {
    network,
    features: examples.features,
    target: examples.target,
    labels: examples.labels,
    ...(standardization ? { standardization } : {}),
    training: trainingSettings(o, optimizerRecord(optimizer.config), history, rows),
    metrics: { [test ? 'test' : 'train']: headlineMetrics(metrics) },
    ...scoring,
    ...(o.includeOptimizer ? { optimizerState: savedState(optimizer, o, initialEpoch, history) } : {}),
  };
  const metricsOn = test ? 'test' : 'train';
  return {
    model,
    history,
    train,
    ...(validation ? { validation } : {}),
    ...(test ? { test } : {}),
    metrics,
    metricsOn,
    examples,
  };
}

/**
 * `run`, whose refusal of a float32 run says where float32 came from when the `init` model chose
 * it (the caller gave no dtype): the user may not know that --init keeps it.
 */
function namingInheritedDtype<T>(o: Settled, given: TrainOptions, run: () => T): T {
  if (o.dtype !== 'float32' || given.dtype !== undefined || o.init === undefined) return run();
  try {
    return run();
  } catch (e) {
    if (!(e instanceof ConfigError && e.message.startsWith("dtype 'float32'"))) throw e;
    throw new ConfigError(
      `${e.message} (${o.init.name} was trained in float32, which --init keeps: give --dtype float64)`,
    );
  }
}

/**
 * The optimiser: the run's kind and settings (the initial model's where not given), starting
 * from the initial model's saved state when it is of the same kind. `initialEpoch` is where that
 * state left the shuffling stream of the run's seed (0 for a new run or another seed).
 */
function startingOptimizer(o: Settled): { optimizer: Optimizer; initialEpoch: number } {
  const init = o.init?.model;
  const rec = init?.training?.optimizer;
  const same = rec !== undefined && rec.name === o.optimizer;
  const config = resolveOptimizerConfig({
    name: o.optimizer,
    ...(same ? { beta1: rec.beta1, beta2: rec.beta2, epsilon: rec.epsilon } : {}),
    ...(o.lr !== undefined ? { learningRate: o.lr } : {}),
    ...(o.momentum !== undefined ? { momentum: o.momentum } : {}),
  });
  const state = init?.optimizerState;
  if (!state || state.name !== o.optimizer) return { optimizer: createOptimizer(config), initialEpoch: 0 };
  return { optimizer: createOptimizer(config, state), initialEpoch: state.seed === o.seed ? state.epochs : 0 };
}

/**
 * The optimiser's state for the model file. Not kept when early stopping put back an earlier
 * epoch's weights (the state belongs to the last epoch's), nor when an interruption cut the
 * last epoch short (a resume starts at an epoch boundary): resuming from it would not continue
 * any run.
 */
function savedState(optimizer: Optimizer, o: Settled, initialEpoch: number, history: History) {
  const lastLog = history.epochs[history.epochs.length - 1];
  if (lastLog?.partial) return undefined;
  const last = lastLog?.epoch ?? initialEpoch;
  if (history.bestEpoch !== undefined && history.bestEpoch !== last) return undefined;
  const state = optimizer.state?.();
  if (!state) return undefined;
  return { version: 1, name: o.optimizer, ...state, epochs: last, seed: o.seed } satisfies SavedOptimizerState;
}

/** The decision threshold, for binary labels only. */
function checkedThreshold(examples: Examples<AnyMatrix>, threshold: number | undefined): number | undefined {
  if (threshold === undefined) return undefined;
  if (examples.labels.kind !== 'binary') {
    throw new InputError(
      `--threshold ${threshold}: the target '${examples.target}' is not binary, and only a binary model has a threshold`,
    );
  }
  if (!(threshold > 0 && threshold < 1)) throw new InputError(`--threshold ${threshold}: expected a number in (0, 1)`);
  return threshold;
}

/**
 * Regression: the targets of every split replaced by (y − mean) / std, with the training
 * split's statistics (or the initial model's, exactly); undefined when not standardising.
 */
function scaleTargets(
  examples: Examples<AnyMatrix>,
  o: Settled,
  splits: (Split<AnyMatrix> | undefined)[],
): TargetStandardization | undefined {
  if (examples.labels.kind !== 'regression') return undefined;
  let ts: TargetStandardization | undefined;
  if (o.init) ts = o.init.model.targetStandardization;
  else if (o.standardizeTarget) {
    const st = fitStandardizationOfRows(splits[0]!.y, undefined);
    ts = { mean: st.mean[0], std: st.std[0] };
  }
  if (ts === undefined) return undefined;
  for (const split of splits) {
    if (!split) continue;
    const y = split.y.data;
    for (let i = 0; i < y.length; i++) y[i] = (y[i] - ts.mean) / ts.std;
  }
  return ts;
}

/**
 * Each training example's weight under `classWeight` (Keras's `class_weight`): its class's
 * weight; `'balanced'` gives class c the weight n / (k · n_c) over the training split.
 */
function sampleWeights(
  examples: Examples<AnyMatrix>,
  train: Split<AnyMatrix>,
  classWeight: 'balanced' | Record<string, number>,
): Float64Array {
  const labels = examples.labels;
  if (labels.kind === 'regression') {
    throw new InputError(
      `--class-weight: the target '${examples.target}' is numbers (regression), which has no classes`,
    );
  }
  const classes = targetClasses(train.y);
  const k = labels.classes.length;
  const counts = new Array<number>(k).fill(0);
  for (const c of classes) counts[c]++;
  let weights: number[];
  if (classWeight === 'balanced') weights = counts.map((n) => (n > 0 ? classes.length / (k * n) : 1));
  else {
    for (const [name, w] of Object.entries(classWeight)) {
      if (!labels.classes.includes(name)) {
        throw new InputError(
          `--class-weight: no class '${name}' in '${examples.target}'; the classes are ${labels.classes.join(', ')}`,
        );
      }
      if (!(w >= 0 && Number.isFinite(w)))
        throw new InputError(`--class-weight: the weight of '${name}' is ${w}, expected a number ≥ 0`);
    }
    weights = labels.classes.map((c) => classWeight[c] ?? 1);
  }
  return Float64Array.from(classes, (c) => weights[c]);
}
