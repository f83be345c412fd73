/** `backprop evaluate <model> <data.csv>`: the model's metrics on labelled rows. */
import type { Command } from 'commander';
import { describeMetrics } from '../data/evaluate.js';
import { loadModel } from '../node/model-files.js';
import { evaluateCsvFile } from '../node/predict-file.js';
import * as parse from './options.js';
import { createOutput } from './output.js';

interface EvaluateFlags extends parse.CsvFlags {
  target?: string;
  bestThreshold?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** Registers `evaluate`. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('accuracy, log-loss, ROC AUC, precision, recall, F1 and the confusion matrix of a model on a CSV file')
    .argument('<model.json>', 'a model file')
    .argument('<data.csv>', "labelled data ('-' reads stdin)")
    .option('--target <column>', "label column (default: the model's target)")
    .option('--best-threshold', 'binary: also report the threshold that maximises F1 on this data')
    .option('--delimiter <char>', parse.DELIMITER_HELP, parse.delimiter)
    .option('--comment <char>', parse.COMMENT_HELP, parse.commentChar)
    .option('--json', 'print the metrics as JSON')
    .option('--quiet', 'print nothing but errors (and --json)')
    .addHelpText('after', '\nExample:\n  $ backprop evaluate model.json data/breast-cancer.csv --json')
    .action((modelPath: string, dataPath: string, flags: EvaluateFlags) => {
      const out = createOutput(flags);
      const model = loadModel(modelPath);
      const { target, file, ...metrics } = evaluateCsvFile(model, dataPath, {
        csv: parse.csvDialect(flags),
        modelName: modelPath,
        ...(flags.target !== undefined ? { target: flags.target } : {}),
        ...(flags.bestThreshold ? { bestThreshold: true } : {}),
      });
      out.result(`${modelPath} on ${file} (target ${target}):`);
      for (const line of describeMetrics(metrics)) out.result(line);
      out.document({ command: 'evaluate', model: modelPath, data: file, target, ...metrics });
    });
}
