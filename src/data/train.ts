/**
 * The training pipeline: a table (or examples already read from one) → labels → seeded
 * stratified splits → standardisation from the training split → a new network or the weights
 * of an initial model → `fit` → metrics on the test split → a model ready for its file.
 * Everything is checked before training starts; nothing is written.
 */
import type { Matrix } from '../core/matrix.js';
import { createRandom } from '../core/random.js';
import type { ActivationName } from '../nn/activations.js';
import { type LossName, lossName } from '../nn/losses.js';
import { cloneNetwork, createNetwork, type Network, outputSize } from '../nn/network.js';
import { type OptimizerName, resolveOptimizerConfig } from '../nn/optimizers.js';
import { type Dataset, type EpochLog, fit, type History } from '../train/fit.js';
import type { Table } from './csv.js';
import { evaluateNetwork, headlineMetrics, type Metrics } from './evaluate.js';
import { type ExampleOptions, type Examples, tableToExamples } from './examples.js';
import { InputError } from './input-error.js';
import { defaultOutputActivation, lossForLabels, outputUnits } from './labels.js';
import type { Model, TrainingSettings } from './model-file.js';
import { classIndices, stratifiedSplit, takeRows } from './split.js';
import { fitStandardizationOfRows, type Standardization, standardize } from './standardize.js';

/** Everything a training run can be told; the defaults are those of `backprop train`. */
export interface TrainOptions {
  /** The column to predict (default: the initial model's target if the data has it, else the last). */
  target?: string;
  /** The feature columns (default: the initial model's, else every column but the target). */
  features?: string[];
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
  /** Standardise the features with the training split's statistics (default true). */
  standardize?: boolean;
  /** Start from this model's weights; `name` names it in messages. */
  init?: { model: Model; name: string };
  /** Sees each epoch's log. */
  onEpochEnd?: (log: EpochLog) => void;
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

/** One labelled subset of the data, ready for the network. */
export interface Split extends Dataset {
  /** Row indices into the table. */
  rows: number[];
  /** File lines of those rows. */
  lines: number[];
  /** The features before standardisation. */
  raw: Matrix;
}

/** What a training run gives: the model and how it got there. */
export interface TrainResult {
  model: Model;
  history: History;
  train: Split;
  validation?: Split;
  test?: Split;
  /** Metrics on the test split (or the training split when there is none). */
  metrics: Metrics;
  metricsOn: 'test' | 'train';
  examples: Examples;
}

type Settled = Required<
  Omit<TrainOptions, 'target' | 'features' | 'loss' | 'lr' | 'momentum' | 'patience' | 'init' | 'onEpochEnd'>
> &
  TrainOptions;

/** The options with `backprop train`'s defaults where a field is missing or undefined. */
function withDefaults(options: TrainOptions): Settled {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TrainOptions;
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
    regression: options.loss !== undefined && lossName(options.loss) === 'mean_squared_error',
    // Two classes with --loss cce: two softmax units, as Keras allows.
    ...(options.loss !== undefined && lossName(options.loss) === 'categorical_crossentropy' ? { oneHot: true } : {}),
  };
}

/** The loss the labels need, checked against the one asked for. */
function checkedLoss(examples: Examples, asked: string | undefined): LossName {
  const loss = lossForLabels(examples.labels);
  if (asked !== undefined && lossName(asked) !== loss) {
    const what = examples.labels.kind === 'regression' ? 'numbers' : `${examples.labels.classes.length} classes`;
    throw new InputError(`--loss ${asked}: the target '${examples.target}' has ${what}, which needs --loss ${loss}`);
  }
  return loss;
}

/** A copy of the initial model's network, checked against the data, or a new seeded one. */
function startingNetwork(examples: Examples, loss: LossName, o: Settled): Network {
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
function splitExamples(examples: Examples, o: Settled): Omit<Prepared, 'examples' | 'loss'> {
  const rng = createRandom(o.seed);
  const classes = classIndices(examples.y, examples.labels);
  const all = Array.from({ length: examples.x.rows }, (_, i) => i);
  const { kept, held: testRows } = stratifiedSplit(all, classes, o.testSplit, rng);
  const { kept: trainRows, held: valRows } = stratifiedSplit(kept, classes, o.validationSplit, rng);
  if (trainRows.length === 0) {
    throw new InputError(`${examples.file}: no rows left to train on after the test and validation splits`);
  }
  // Statistics and splits without intermediate copies of the data: for a large file the
  // copies, not the file, decide the peak memory. `raw` is made only if asked for.
  const standardization = o.standardize ? fitStandardizationOfRows(examples.x, trainRows) : undefined;
  const subset = (rows: number[]): Split => {
    const x = takeRows(examples.x, rows);
    if (standardization) standardize(x, standardization, x);
    let raw: Matrix | undefined;
    return {
      rows,
      lines: rows.map((r) => examples.lines[r]),
      get raw() {
        raw ??= takeRows(examples.x, rows);
        return raw;
      },
      x,
      y: takeRows(examples.y, rows),
    };
  };
  return {
    ...(standardization ? { standardization } : {}),
    train: subset(trainRows),
    ...(valRows.length > 0 ? { validation: subset(valRows) } : {}),
    ...(testRows.length > 0 ? { test: subset(testRows) } : {}),
  };
}

/** How the model was trained, as its file records it. */
function trainingSettings(o: Settled, optimizer: TrainingSettings['optimizer'], history: History, rows: number[]) {
  return {
    optimizer,
    batchSize: o.batchSize,
    epochs: o.epochs,
    epochsRun: history.epochs.length,
    stopReason: history.stopReason,
    seed: o.seed,
    shuffle: o.shuffle,
    testSplit: o.testSplit,
    validationSplit: o.validationSplit,
    ...(o.patience !== undefined ? { patience: o.patience } : {}),
    l2: o.l2,
    standardize: o.standardize,
    initializedFrom: o.init ? 'file' : 'seed',
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
export interface Prepared {
  /** Features, targets, the label mapping and the columns chosen. */
  examples: Examples;
  /** The loss the labels need. */
  loss: LossName;
  /** Mean and standard deviation of each feature over the training split, when standardising. */
  standardization?: Standardization;
  /** The splits, features standardised. */
  train: Split;
  validation?: Split;
  test?: Split;
}

/** The examples of a table under the run's column choice, or the examples given. */
function examplesOf(data: Table | Examples, options: TrainOptions): Examples {
  return 'header' in data ? tableToExamples(data, trainingColumns(options, data.header, data.file)) : data;
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
export function prepareDataset(data: Table | Examples, options: TrainOptions = {}): Prepared {
  const o = withDefaults(options);
  const examples = examplesOf(data, options);
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
export function trainModel(data: Table | Examples, options: TrainOptions = {}): TrainResult {
  const o = withDefaults(options);
  const examples = examplesOf(data, options);
  const loss = checkedLoss(examples, o.loss);
  // The initial model is checked before the splits, so that its errors come first.
  const network = startingNetwork(examples, loss, o);
  const optimizer = resolveOptimizerConfig({
    name: o.optimizer,
    ...(o.lr !== undefined ? { learningRate: o.lr } : {}),
    ...(o.momentum !== undefined ? { momentum: o.momentum } : {}),
  });
  const { standardization, train, validation, test } = splitExamples(examples, o);
  const history = fit(network, train, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    shuffle: o.shuffle,
    seed: o.seed,
    optimizer,
    l2: o.l2,
    ...(validation ? { validationData: validation } : {}),
    ...(o.patience !== undefined ? { earlyStopping: { patience: o.patience } } : {}),
    ...(o.onEpochEnd ? { onEpochEnd: o.onEpochEnd } : {}),
  });
  const evalSet = test ?? train;
  const metrics = evaluateNetwork(network, evalSet.x, evalSet.y, examples.labels);
  const rows = [train.rows.length, validation?.rows.length ?? 0, test?.rows.length ?? 0];
  const model: Model = {
    network,
    features: examples.features,
    target: examples.target,
    labels: examples.labels,
    ...(standardization ? { standardization } : {}),
    training: trainingSettings(o, optimizerRecord(optimizer), history, rows),
    metrics: { [test ? 'test' : 'train']: headlineMetrics(metrics) },
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
