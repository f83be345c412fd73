/**
 * `backprop train <data.csv>`: CSV → splits → network → fit → metrics → model file (and report).
 * {@link trainFromCsv} does the work without touching stdout, so `demo` can reuse it.
 */
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import type { Matrix } from '../core/matrix.js';
import { createRandom } from '../core/random.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { displayName } from '../io/csv.js';
import {
  classIndices,
  type Examples,
  fitStandardizationOfRows,
  type LabelMapping,
  outputUnits,
  readExamples,
  standardize,
  stratifiedSplit,
  takeRows,
} from '../io/dataset.js';
import { InputError } from '../io/input-error.js';
import { loadModel, type Model, saveModel, type TrainingSettings } from '../io/model-file.js';
import type { ActivationName } from '../nn/activations.js';
import { type LossName, lossName } from '../nn/losses.js';
import { cloneNetwork, createNetwork, type Network, networkConfig, outputSize } from '../nn/network.js';
import { createOptimizer, type OptimizerConfig, type OptimizerName } from '../nn/optimizers.js';
import { type Dataset, type EpochLog, fit, type History } from '../train/fit.js';
import { describeMetrics, evaluateNetwork, type Metrics } from './evaluation.js';
import * as parse from './options.js';
import { createOutput, type Output } from './output.js';
import { createEpochReporter } from './progress.js';
import { renderReport } from './report.js';

/** Everything `train` can be told. */
export interface TrainSettings {
  data: string;
  target?: string;
  features?: string[];
  hidden: number[];
  /** Whether --hidden was given on the command line (it must then agree with --init). */
  hiddenGiven?: boolean;
  activation: Exclude<ActivationName, 'softmax'>;
  loss?: string;
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
  batchSize: number;
  epochs: number;
  seed: number;
  shuffle: boolean;
  testSplit: number;
  validationSplit: number;
  patience?: number;
  l2: number;
  standardize: boolean;
  init?: string;
  logEvery?: number;
}

/** One labelled subset of the data, ready for the network. */
export interface Split extends Dataset {
  /** Row indices into the table. */
  rows: number[];
  /** File lines of those rows. */
  lines: number[];
  /** The features before standardisation. */
  raw: Matrix;
}

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

const OUTPUT_FOR: Record<LossName, { activation: ActivationName; kind: LabelMapping['kind'] }> = {
  binary_crossentropy: { activation: 'sigmoid', kind: 'binary' },
  categorical_crossentropy: { activation: 'softmax', kind: 'multiclass' },
  mean_squared_error: { activation: 'linear', kind: 'regression' },
};

function lossFor(labels: LabelMapping): LossName {
  return labels.kind === 'binary'
    ? 'binary_crossentropy'
    : labels.kind === 'multiclass'
      ? 'categorical_crossentropy'
      : 'mean_squared_error';
}

function optimizerSettings(cfg: Required<OptimizerConfig>): NonNullable<TrainingSettings['optimizer']> {
  if (cfg.name === 'sgd') return { name: cfg.name, learningRate: cfg.learningRate };
  if (cfg.name === 'adam')
    return { name: cfg.name, learningRate: cfg.learningRate, beta1: cfg.beta1, beta2: cfg.beta2, epsilon: cfg.epsilon };
  return { name: cfg.name, learningRate: cfg.learningRate, momentum: cfg.momentum };
}

/**
 * Trains a network on a CSV file as `settings` say. Everything is checked before training; the
 * caller decides what to write. `onEpochEnd` sees each epoch's log.
 */
export function trainFromCsv(settings: TrainSettings, onEpochEnd?: (log: EpochLog) => void): TrainResult {
  const file = displayName(settings.data);
  let init = undefined as Model | undefined;
  const regression = settings.loss !== undefined && lossName(settings.loss) === 'mean_squared_error';

  // Streamed: the CSV is never held as a table of strings; the columns are chosen from the header.
  const examples = readExamples(settings.data, (header) => {
    // Loaded once the CSV's header is known, so that a bad CSV is still reported first.
    init = settings.init ? loadModel(settings.init) : undefined;
    let features = settings.features;
    if (init && !features) {
      // Start from the init model's inputs, which the CSV must have.
      init.features.forEach((f, i) => {
        if (!header.includes(f)) {
          throw new InputError(
            `${file}: no column '${f}', which ${settings.init} needs as feature ${i + 1}; the columns are: ${header.join(', ')} (or name them with --features)`,
          );
        }
      });
      features = init.features;
    }
    return {
      ...(settings.target !== undefined
        ? { target: settings.target }
        : init?.target && header.includes(init.target)
          ? { target: init.target }
          : {}),
      ...(features ? { features } : {}),
      regression,
    };
  });
  const loss = lossFor(examples.labels);
  if (settings.loss !== undefined && lossName(settings.loss) !== loss) {
    const what = examples.labels.kind === 'regression' ? 'numbers' : `${examples.labels.classes.length} classes`;
    throw new InputError(
      `--loss ${settings.loss}: the target '${examples.target}' has ${what}, which needs --loss ${loss}`,
    );
  }

  let network: Network;
  if (init) {
    const net = init.network;
    if (net.inputSize !== examples.features.length) {
      throw new InputError(
        `${settings.init}: the network has ${net.inputSize} inputs but ${examples.features.length} feature columns were chosen (${examples.features.join(', ')})`,
      );
    }
    if (outputSize(net) !== outputUnits(examples.labels) || net.loss.config.name !== loss) {
      throw new InputError(
        `${settings.init}: the network ends in ${outputSize(net)} unit(s) with ${net.loss.config.name}, but the target '${examples.target}' needs ${outputUnits(examples.labels)} with ${loss}`,
      );
    }
    const hidden = net.layers.slice(0, -1).map((l) => l.bias.length);
    if (settings.hiddenGiven && hidden.join(',') !== settings.hidden.join(',')) {
      throw new InputError(
        `--hidden ${settings.hidden.join(',')}: ${settings.init} has hidden layers ${hidden.join(',') || 'none'}; leave --hidden out with --init`,
      );
    }
    network = cloneNetwork(net);
  } else {
    network = createNetwork(
      {
        inputSize: examples.features.length,
        layers: [
          ...settings.hidden.map((units) => ({ units, activation: settings.activation })),
          { units: outputUnits(examples.labels), activation: OUTPUT_FOR[loss].activation },
        ],
        loss: { name: loss },
      },
      { seed: settings.seed },
    );
  }
  const optimizer = createOptimizer({
    name: settings.optimizer,
    ...(settings.lr !== undefined ? { learningRate: settings.lr } : {}),
    ...(settings.momentum !== undefined ? { momentum: settings.momentum } : {}),
  });

  // Splits: test first, then validation out of what is left; stratified by class, seeded.
  const rng = createRandom(settings.seed);
  const classes = classIndices(examples.y, examples.labels);
  const all = Array.from({ length: examples.x.rows }, (_, i) => i);
  const { kept, held: testRows } = stratifiedSplit(all, classes, settings.testSplit, rng);
  const { kept: trainRows, held: valRows } = stratifiedSplit(kept, classes, settings.validationSplit, rng);
  if (trainRows.length === 0)
    throw new InputError(`${file}: no rows left to train on after the test and validation splits`);
  // Statistics and splits without intermediate copies of the data: for a large file the
  // copies, not the file, decide the peak memory. `raw` is made only if asked for.
  const standardization = settings.standardize ? fitStandardizationOfRows(examples.x, trainRows) : undefined;
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
  const train = subset(trainRows);
  const validation = valRows.length > 0 ? subset(valRows) : undefined;
  const test = testRows.length > 0 ? subset(testRows) : undefined;

  const history = fit(network, train, {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    shuffle: settings.shuffle,
    seed: settings.seed,
    optimizer,
    l2: settings.l2,
    ...(validation ? { validationData: validation } : {}),
    ...(settings.patience !== undefined ? { earlyStopping: { patience: settings.patience } } : {}),
    ...(onEpochEnd ? { onEpochEnd } : {}),
  });

  const evalSet = test ?? train;
  const metrics = evaluateNetwork(network, evalSet.x, evalSet.y, examples.labels);
  const training: TrainingSettings = {
    optimizer: optimizerSettings(optimizer.config),
    batchSize: settings.batchSize,
    epochs: settings.epochs,
    epochsRun: history.epochs.length,
    stopReason: history.stopReason,
    seed: settings.seed,
    shuffle: settings.shuffle,
    testSplit: settings.testSplit,
    validationSplit: settings.validationSplit,
    ...(settings.patience !== undefined ? { patience: settings.patience } : {}),
    l2: settings.l2,
    standardize: settings.standardize,
    initializedFrom: init ? 'file' : 'seed',
    trainRows: train.rows.length,
    validationRows: validation?.rows.length ?? 0,
    testRows: test?.rows.length ?? 0,
  };
  const model: Model = {
    network,
    features: examples.features,
    target: examples.target,
    labels: examples.labels,
    ...(standardization ? { standardization } : {}),
    training,
    metrics: { [test ? 'test' : 'train']: headlineMetrics(metrics) },
  };
  return {
    model,
    history,
    train,
    ...(validation ? { validation } : {}),
    ...(test ? { test } : {}),
    metrics,
    metricsOn: test ? 'test' : 'train',
    examples,
  };
}

/** The few numbers worth keeping in the model file. */
export function headlineMetrics(m: Metrics): Record<string, number> {
  if (m.kind === 'regression') return { rows: m.rows, mse: m.mse, rmse: m.rmse, mae: m.mae, r2: m.r2 };
  return {
    rows: m.rows,
    accuracy: m.accuracy,
    logLoss: m.logLoss,
    rocAuc: m.rocAuc,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
  };
}

/** "3-4-1 (sigmoid, sigmoid; binary_crossentropy)" */
export function describeNetwork(net: Network): string {
  const cfg = networkConfig(net);
  return `${[cfg.inputSize, ...cfg.layers.map((l) => l.units)].join('-')} (${cfg.layers.map((l) => l.activation).join(', ')}; ${cfg.loss.name})`;
}

/** The JSON summary of a training run. */
export function trainSummary(result: TrainResult, out: string): Record<string, unknown> {
  const { model, history } = result;
  const cfg = networkConfig(model.network);
  return {
    command: 'train',
    model: out,
    features: model.features,
    target: model.target,
    labels: model.labels,
    network: {
      sizes: [cfg.inputSize, ...cfg.layers.map((l) => l.units)],
      activations: cfg.layers.map((l) => l.activation),
      loss: cfg.loss.name,
    },
    training: model.training,
    rows: {
      train: result.train.rows.length,
      validation: result.validation?.rows.length ?? 0,
      test: result.test?.rows.length ?? 0,
    },
    history: history.epochs,
    stopReason: history.stopReason,
    ...(history.bestEpoch !== undefined ? { bestEpoch: history.bestEpoch } : {}),
    metricsOn: result.metricsOn,
    metrics: result.metrics,
  };
}

/** Prints the run's result for a person. */
export function printTrainResult(result: TrainResult, out: Output, modelPath: string): void {
  out.result(
    `network ${describeNetwork(result.model.network)}, ${result.history.epochs.length} epochs (${result.history.stopReason}${result.history.bestEpoch ? `, best epoch ${result.history.bestEpoch} restored` : ''})`,
  );
  out.result(
    `rows: ${result.train.rows.length} train, ${result.validation?.rows.length ?? 0} validation, ${result.test?.rows.length ?? 0} test`,
  );
  out.result(`${result.metricsOn} metrics:`);
  for (const line of describeMetrics(result.metrics)) out.result(line);
  out.result(`model written to ${modelPath}`);
}

/**
 * Refuses output paths that would overwrite an input or each other (e.g. `--out data.csv`), before
 * any work: the same file written twice, or the training data replaced by a model, is lost data.
 */
function checkOutputPaths(data: string, flags: TrainFlags): void {
  const inputs: [string, string][] = [[data, 'the training data']];
  if (flags.init) inputs.push([flags.init, 'the --init model']);
  const outputs: [string, string][] = [[flags.out, '--out']];
  if (flags.report) outputs.push([flags.report, '--report']);
  for (const [path, what] of outputs) {
    for (const [input, name] of inputs) {
      if (input !== '-' && resolve(path) === resolve(input)) {
        throw new InputError(`${what} ${path} is ${name}; choose another path so that it is not overwritten`);
      }
    }
  }
  if (flags.report && resolve(flags.report) === resolve(flags.out)) {
    throw new InputError(`--report ${flags.report} is the same file as --out; choose another path`);
  }
}

/** Writes the model, then the report if asked for. */
export function writeTrainOutputs(result: TrainResult, modelPath: string, reportPath?: string): void {
  saveModel(modelPath, result.model);
  if (reportPath) {
    const evalSet = result.test ?? result.train;
    writeFileAtomic(
      reportPath,
      renderReport({
        title: `backprop: ${describeNetwork(result.model.network)} on ${result.examples.target}`,
        history: result.history,
        metrics: result.metrics,
        metricsOn: result.metricsOn,
        network: result.model.network,
        x: evalSet.x,
        y: evalSet.y,
        labels: result.model.labels,
      }),
    );
  }
}

/** The parsed flags: the settings but the data path, plus where the results go. */
interface TrainFlags extends Omit<TrainSettings, 'data' | 'hiddenGiven'> {
  out: string;
  report?: string;
  json?: boolean;
  quiet?: boolean;
}

/** Registers `train`. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a network on a CSV file and write the model file')
    .argument('<data.csv>', "training data with a header row ('-' reads stdin)")
    .option('--target <column>', 'column to predict (default: the last)')
    .option('--features <columns>', 'comma-separated feature columns (default: all but the target)', parse.names)
    .addOption(
      new Option('--hidden <sizes>', "hidden layer sizes, e.g. 4 or 16,8 ('0' for none)")
        .argParser(parse.sizes)
        .default([4], '4'),
    )
    .option('--activation <name>', 'hidden activation: sigmoid, tanh, relu, linear', parse.activationName, 'sigmoid')
    .option(
      '--loss <name>',
      'bce, cce or mse (default: bce for two classes, cce for more; mse for regression)',
      parse.lossFlag,
    )
    .option('--optimizer <name>', 'sgd, momentum, nesterov or adam', parse.optimizerName, 'sgd')
    .option('--lr <rate>', 'learning rate η (default 0.1; 0.001 for adam)', parse.positiveNumber)
    .option('--momentum <m>', 'momentum for momentum/nesterov (default 0.9)', parse.unitInterval)
    .option('--batch-size <n>', 'examples per SGD step', parse.positiveInteger, 8)
    .option('--epochs <n>', 'passes over the training data', parse.positiveInteger, 100)
    .option('--seed <n>', 'seed of the split, the initial weights and the shuffling', parse.integer, 0)
    .option('--no-shuffle', 'keep the training rows in file order every epoch')
    .option('--test-split <fraction>', 'fraction held out for the test metrics', parse.fraction, 0.2)
    .option('--validation-split <fraction>', 'fraction of the rest held out for validation', parse.fraction, 0.1)
    .option(
      '--patience <n>',
      'stop after n epochs without validation-loss improvement (training loss when --validation-split is 0); restores the best',
      parse.positiveInteger,
    )
    .option('--l2 <lambda>', 'L2 penalty λ·Σ‖kernel‖²', parse.nonNegativeNumber, 0)
    .option('--no-standardize', 'use the features as they are (default: mean 0, std 1 from the training split)')
    .option('--init <model.json>', 'start from the weights of this model file')
    .option('--out <model.json>', 'where to write the model', 'model.json')
    .option('--report <file.html>', 'also write an HTML report with curves, ROC and confusion matrix')
    .option('--log-every <n>', 'print every n-th epoch (default: about 20 lines)', parse.positiveInteger)
    .option('--json', 'print a JSON summary on stdout')
    .option('--quiet', 'print nothing but errors (and --json)')
    .addHelpText(
      'after',
      `
Examples:
  $ backprop train data/breast-cancer.csv --target malignant --features worst_radius,worst_texture,worst_smoothness --hidden 4 --out model.json
  $ backprop train data/iris.csv --hidden 8 --epochs 200 --report iris.html
  $ backprop train data.csv --optimizer adam --lr 0.01 --batch-size 32 --patience 10 --json`,
    )
    .action((data: string, flags: TrainFlags, cmd: Command) => {
      checkOutputPaths(data, flags);
      const out = createOutput(flags);
      const lr = flags.lr ?? (flags.optimizer === 'adam' ? undefined : 0.1);
      const settings: TrainSettings = {
        ...flags,
        data,
        hiddenGiven: cmd.getOptionValueSource('hidden') === 'cli',
        ...(lr !== undefined ? { lr } : {}),
      };
      const reporter = createEpochReporter(
        out,
        flags.epochs,
        flags.logEvery ?? Math.max(1, Math.ceil(flags.epochs / 20)),
      );
      let result: TrainResult;
      try {
        result = trainFromCsv(settings, (log) => reporter.onEpochEnd(log));
      } finally {
        reporter.stop();
      }
      writeTrainOutputs(result, flags.out, flags.report);
      printTrainResult(result, out, flags.out);
      if (flags.report) out.result(`report written to ${flags.report}`);
      out.document({ ...trainSummary(result, flags.out), ...(flags.report ? { report: flags.report } : {}) });
    });
}
