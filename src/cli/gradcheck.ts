/** `backprop gradcheck <model> <data.csv>`: backprop's gradients against finite differences. */
import type { Command } from 'commander';
import { labelledData } from '../data/model-data.js';
import { gradientCheck } from '../nn/gradient-check.js';
import { readCsv } from '../node/csv-file.js';
import { loadModel } from '../node/model-files.js';
import * as parse from './options.js';
import { createOutput } from './output.js';

interface GradcheckFlags extends parse.CsvFlags {
  target?: string;
  epsilon: number;
  tolerance: number;
  floor: number;
  json?: boolean;
  quiet?: boolean;
}

/** Registers `gradcheck`. */
export function registerGradcheck(program: Command): void {
  program
    .command('gradcheck')
    .description("check every gradient of the model's mean loss on a CSV file against central finite differences")
    .argument('<model.json>', 'a model file')
    .argument('<data.csv>', "labelled data, used as one batch ('-' reads stdin)")
    .option('--target <column>', "label column (default: the model's target)")
    .option('--epsilon <h>', 'finite-difference step', parse.positiveNumber, 1e-5)
    .option('--tolerance <r>', 'largest relative error that passes (exit code 1 above it)', parse.positiveNumber, 1e-6)
    .option(
      '--floor <g>',
      'relative errors divide by max(|analytic|, |numeric|, g): gradients smaller than g are judged on their absolute error, since finite differences carry ~1e-11 of rounding',
      parse.positiveNumber,
      1e-4,
    )
    .option('--delimiter <char>', parse.DELIMITER_HELP, parse.delimiter)
    .option('--comment <char>', parse.COMMENT_HELP, parse.commentChar)
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'print nothing but errors (and --json)')
    .addHelpText('after', '\nExample:\n  $ backprop gradcheck model.json data/breast-cancer.csv')
    .action((modelPath: string, dataPath: string, flags: GradcheckFlags) => {
      const out = createOutput(flags);
      const model = loadModel(modelPath);
      const table = readCsv(dataPath, parse.csvDialect(flags));
      const { x, y } = labelledData(model, table, modelPath, flags.target);
      const result = gradientCheck(model.network, x, y, { epsilon: flags.epsilon, floor: flags.floor });
      const pass = result.maxRelError <= flags.tolerance;
      out.result(
        `gradient check of ${modelPath} on ${table.file} (${x.rows} rows, h = ${flags.epsilon.toExponential()}, floor ${flags.floor.toExponential()}), loss ${result.loss.toPrecision(6)}`,
      );
      for (const l of result.layers) {
        out.result(
          `  layer ${l.layer}: kernel max rel. error ${l.kernel.maxRelError.toExponential(2)}, bias ${l.bias.maxRelError.toExponential(2)}`,
        );
      }
      out.result(
        `${pass ? 'PASS' : 'FAIL'}: max relative error ${result.maxRelError.toExponential(2)} (tolerance ${flags.tolerance.toExponential()})`,
      );
      out.document({
        command: 'gradcheck',
        model: modelPath,
        data: table.file,
        rows: x.rows,
        epsilon: flags.epsilon,
        tolerance: flags.tolerance,
        floor: flags.floor,
        pass,
        ...result,
      });
      if (!pass) process.exitCode = 1;
    });
}
