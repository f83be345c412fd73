/** `backprop train <data.csv>`: parse the flags, run the library's training pipeline, write and print. */
import { totalmem } from 'node:os';
import { type Command, Option } from 'commander';
import { parseModel } from '../data/model-file.js';
import { checkOutputs, DATA_OUTPUT, type InputSpec, MODEL_OUTPUT, type OutputSpec } from '../node/output-paths.js';
import { saveTrainedRun, type TrainFileOptions, trainInWorker } from '../node/train-file.js';
import type { TrainedRun } from '../node/train-worker-types.js';
import { INTERRUPTED, interruptHandler } from './interrupt.js';
import * as parse from './options.js';
import { createOutput } from './output.js';
import { createEpochReporter } from './progress.js';
import { printTrainResult, trainSummary } from './train-output.js';

/** The parsed flags: the pipeline's options, the initial model's file, and where the results go. */
interface TrainFlags extends Omit<TrainFileOptions, 'hiddenGiven' | 'initFile' | 'onEpochEnd'> {
  hidden: number[];
  epochs: number;
  init?: string;
  logEvery?: number;
  out: string;
  report?: string;
  json?: boolean;
  quiet?: boolean;
  maxParameters?: number;
  delimiter?: string;
  comment?: string;
  force?: boolean;
}

/** Registers `train`. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a network on a CSV file and write the model file')
    .argument('<data.csv>', "training data with a header row ('-' reads stdin)")
    .option('--target <column>', 'column to predict (default: the last)')
    .option('--features <columns>', 'comma-separated feature columns (default: all but the target)', parse.names)
    .option('--ignore <columns>', 'comma-separated columns never used as features (an id, a leak)', parse.names)
    .option('--delimiter <char>', parse.DELIMITER_HELP, parse.delimiter)
    .option('--comment <char>', parse.COMMENT_HELP, parse.commentChar)
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
    .option(
      '--threads <n>',
      'threads computing each batch (default: 2 for large layers × batches, else 1; 1 turns threads off, same result)',
      parse.positiveInteger,
    )
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
    .option(
      '--dtype <type>',
      "float64 or float32 (Keras's floatx): float32 trains in float32 kernels, recorded in the model (--init keeps it)",
      parse.dtypeName,
      'float64',
    )
    .option('--no-standardize', 'use the features as they are (default: mean 0, std 1 from the training split)')
    .option('--no-standardize-target', 'regression: fit y as it is (default: mean 0, std 1, stored in the model)')
    .option(
      '--class-weight <weights>',
      "'balanced' (n / (classes·n_c)) or class=weight,… : each training example's loss times its class's weight",
      parse.classWeight,
    )
    .option('--threshold <p>', 'binary: label positive from this probability (default 0.5; stored)', parse.openUnit)
    .option('--include-optimizer', "store the optimiser's state in the model, so that --init resumes it exactly")
    .option('--max-parameters <n>', parse.MAX_PARAMETERS_HELP, parse.positiveInteger)
    .option(
      '--init <model.json>',
      'start from this model: its weights, features, labels and standardisation; its optimiser, --lr, --batch-size, --seed, --l2 and --dtype unless given',
    )
    .option('--out <model.json>', 'where to write the model', 'model.json')
    .option('--report <file.html>', 'also write an HTML report with curves, ROC and confusion matrix')
    .option('--log-every <n>', 'print every n-th epoch (default: about 20 lines)', parse.positiveInteger)
    .option('--force', 'replace an existing --out or --report file that is not what train writes (never an input)')
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
    .action(async (data: string, flags: TrainFlags, cmd: Command) => {
      const outputs: OutputSpec[] = [{ path: flags.out, flag: '--out', replaces: MODEL_OUTPUT }];
      if (flags.report) outputs.push({ path: flags.report, flag: '--report', replaces: DATA_OUTPUT });
      const inputs: InputSpec[] = [[data, 'the training data']];
      if (flags.init) inputs.push([flags.init, 'the --init model']);
      checkOutputs(inputs, outputs, flags.force);
      const out = createOutput(flags);
      const {
        init,
        out: modelPath,
        report,
        json,
        quiet,
        logEvery,
        maxParameters,
        delimiter,
        comment,
        force,
        ...options
      } = flags;
      // With --init, what the command line leaves out comes from the model, not from the defaults.
      if (init) {
        for (const key of ['optimizer', 'batchSize', 'seed', 'l2', 'dtype'] as const) {
          if (cmd.getOptionValueSource(key) !== 'cli') delete options[key];
        }
      }
      const reporter = createEpochReporter(out, flags.epochs, logEvery ?? Math.max(1, Math.ceil(flags.epochs / 20)));
      const training = trainInWorker(
        data,
        {
          ...options,
          ...(init ? { initFile: init } : {}),
          csv: parse.csvDialect(flags),
          hiddenGiven: cmd.getOptionValueSource('hidden') === 'cli',
        },
        {
          onEpochEnd: (log) => reporter.onEpochEnd(log),
          onRead: (bytesRead, fileBytes) => reporter.onRead(bytesRead, fileBytes),
          report: report !== undefined,
          maxParameters,
          memoryBudget: totalmem(),
        },
      );
      const stopOnSignal = interruptHandler(out, reporter, () => training.stop());
      let run: TrainedRun;
      try {
        run = await training.result;
      } finally {
        reporter.stop();
      }
      for (const w of run.warnings) out.note(`warning: ${w}`);
      saveTrainedRun(run, modelPath, report);
      stopOnSignal.saved();
      const view = { ...run, model: parseModel(run.modelText, modelPath) };
      printTrainResult(view, out, modelPath);
      if (report) out.result(`report written to ${report}`);
      out.document({ ...trainSummary(view, modelPath), ...(report ? { report } : {}) });
      if (run.history.stopReason === 'interrupted') process.exitCode = INTERRUPTED;
    });
}
