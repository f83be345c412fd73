/**
 * `backprop explain`: one example's forward and backward pass in the notes' notation (for
 * two-layer, one-output networks), or in the general per-layer δ form, with the SGD step the
 * example would cause and a finite-difference check of every gradient.
 */
import type { Command } from 'commander';
import { explain, explainInputFromTable, explainInputFromValues } from '../data/explain.js';
import { InputError } from '../data/input-error.js';
import { readCsv } from '../node/csv-file.js';
import { loadModel } from '../node/model-files.js';
import * as parse from './options.js';
import { createOutput } from './output.js';

interface ExplainFlags extends parse.CsvFlags {
  x?: number[];
  y?: string;
  data?: string;
  row?: number;
  target?: string;
  lr?: number;
  json?: boolean;
  quiet?: boolean;
}

/** Registers `explain`. */
export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description(
      "one example's forward and backward pass in the notes' notation, with the SGD step and a gradient check",
    )
    .argument('<model.json>', 'a model file')
    .option(
      '--x <values>',
      "the example's raw feature values, comma-separated, in the model's feature order",
      parse.numbers,
    )
    .option('--y <label>', "the example's label (default: the network's own prediction)")
    .option('--data <file.csv>', 'take the example from this CSV file')
    .option(
      '--row <n>',
      '1-based data row of --data (without it: the whole file as one mini-batch)',
      parse.positiveInteger,
    )
    .option('--target <column>', "label column of --data (default: the model's target)")
    .option('--lr <rate>', "learning rate of the SGD step shown (default: the model's, else 0.1)", parse.positiveNumber)
    .option('--delimiter <char>', parse.DELIMITER_HELP, parse.delimiter)
    .option('--comment <char>', parse.COMMENT_HELP, parse.commentChar)
    .option('--json', 'print the quantities as JSON')
    .option('--quiet', 'print nothing but errors (and --json)')
    .addHelpText(
      'after',
      `
Examples:
  $ backprop explain model.json --x 17.5,21.3,0.14 --y 1
  $ backprop explain model.json --data data/breast-cancer.csv --row 20 --json
  $ backprop explain model.json --data small.csv          (the whole file as one mini-batch)`,
    )
    .action((modelPath: string, flags: ExplainFlags) => {
      const out = createOutput(flags);
      if (flags.row !== undefined && flags.data === undefined)
        throw new InputError('explain: --row needs --data <file.csv>');
      if ((flags.x === undefined) === (flags.data === undefined)) {
        throw new InputError('explain: give either --x <values> or --data <file.csv>, exactly one of them');
      }
      const model = loadModel(modelPath);
      const common = { ...(flags.y !== undefined ? { label: flags.y } : {}), ...(flags.lr ? { lr: flags.lr } : {}) };
      const input = flags.x
        ? explainInputFromValues(model, flags.x, common)
        : explainInputFromTable(model, readCsv(flags.data!, parse.csvDialect(flags)), {
            ...common,
            modelName: modelPath,
            ...(flags.row !== undefined ? { row: flags.row } : {}),
            ...(flags.target !== undefined ? { target: flags.target } : {}),
          });
      const explanation = explain(input);
      for (const line of explanation.lines) out.result(line);
      out.document(explanation.json);
    });
}
