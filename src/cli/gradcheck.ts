/** `backprop gradcheck <model> <data.csv>`: backprop's gradients against finite differences. */
import type { Command } from 'commander';
import { readCsv } from '../io/csv.js';
import { labelledData } from '../io/model-data.js';
import { loadModel } from '../io/model-file.js';
import { gradientCheck } from '../nn/gradient-check.js';
import * as parse from './options.js';
import { createOutput } from './output.js';

interface GradcheckFlags {
  target?: string;
  epsilon: number;
  tolerance: number;
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
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'print nothing but errors (and --json)')
    .addHelpText('after', '\nExample:\n  $ backprop gradcheck model.json data/breast-cancer.csv')
    .action((modelPath: string, dataPath: string, flags: GradcheckFlags) => {
      const out = createOutput(flags);
      const model = loadModel(modelPath);
      const table = readCsv(dataPath);
      const { x, y } = labelledData(model, table, modelPath, flags.target);
      const result = gradientCheck(model.network, x, y, { epsilon: flags.epsilon });
      const pass = result.maxRelError <= flags.tolerance;
      out.result(
        `gradient check of ${modelPath} on ${table.file} (${x.rows} rows, h = ${flags.epsilon}), loss ${result.loss.toPrecision(6)}`,
      );
      for (const l of result.layers) {
        out.result(
          `  layer ${l.layer}: kernel max rel. error ${l.kernel.maxRelError.toExponential(2)}, bias ${l.bias.maxRelError.toExponential(2)}`,
        );
      }
      out.result(
        `${pass ? 'PASS' : 'FAIL'}: max relative error ${result.maxRelError.toExponential(2)} (tolerance ${flags.tolerance})`,
      );
      out.document({
        command: 'gradcheck',
        model: modelPath,
        data: table.file,
        rows: x.rows,
        epsilon: flags.epsilon,
        tolerance: flags.tolerance,
        pass,
        ...result,
      });
      if (!pass) process.exitCode = 1;
    });
}
