/**
 * `backprop demo` (what `npm start` runs): the notes' 3-4-1 sigmoid network trained by plain SGD
 * on three standardised features of the bundled breast-cancer data, then one test example
 * explained in the notes' notation.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { explain, explainInputFromSplit } from '../data/explain.js';
import { InputError } from '../data/input-error.js';
import { NOTES_TRAINING, type TrainResult } from '../data/train.js';
import { checkOutputs, MODEL_OUTPUT } from '../node/output-paths.js';
import { saveTrainResult, trainFromCsvFile } from '../node/train-file.js';
import { createOutput } from './output.js';
import { createEpochReporter } from './progress.js';
import { printTrainResult, trainSummary, viewOf } from './train-output.js';

/** The bundled data file, found next to the installed package (dist/cli → ../../data). */
function bundledData(name: string): string {
  const path = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data', name);
  if (!existsSync(path)) throw new InputError(`${path}: the bundled data file is missing`);
  return path;
}

const DEMO = NOTES_TRAINING;

interface DemoFlags {
  out: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** Registers `demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description("train the notes' 3-4-1 network on the bundled breast-cancer data and explain one test example")
    .option('--out <model.json>', 'where to write the model', 'out/model.json')
    .option('--force', 'replace an existing --out file that is not a model file')
    .option('--json', 'print a JSON summary (training and the explanation)')
    .option('--quiet', 'print nothing but errors (and --json)')
    .action((flags: DemoFlags) => {
      const out = createOutput(flags);
      const data = bundledData('breast-cancer.csv');
      checkOutputs(
        [[data, 'the bundled data']],
        [{ path: flags.out, flag: '--out', replaces: MODEL_OUTPUT }],
        flags.force,
      );
      out.result(
        "The notes' network: x (3 standardised features) → 4 sigmoid units → 1 sigmoid unit, binary cross-entropy, plain SGD",
      );
      out.result(
        `  data: data/breast-cancer.csv, features ${DEMO.features.join(', ')}, target malignant (1 = malignant)`,
      );
      out.result(
        `  η = ${DEMO.lr}, batch size ${DEMO.batchSize}, ${DEMO.epochs} epochs, seed ${DEMO.seed}, stratified 80/20 train/test split (10% of train for validation)`,
      );
      out.result('');
      const reporter = createEpochReporter(out, DEMO.epochs, 10);
      let result: TrainResult;
      try {
        result = trainFromCsvFile(data, {
          ...DEMO,
          features: [...DEMO.features],
          hidden: [...DEMO.hidden],
          onEpochEnd: (log) => reporter.onEpochEnd(log),
        });
      } finally {
        reporter.stop();
      }
      saveTrainResult(result, flags.out);
      printTrainResult(viewOf(result), out, flags.out);

      // The first test example, explained quantity by quantity.
      const source = `the first test example, data/breast-cancer.csv line ${result.test!.lines[0]}`;
      const explanation = explain(explainInputFromSplit(result.model, result.test!, 0, DEMO.lr, source));
      out.result('');
      for (const line of explanation.lines) out.result(line);
      out.document({ ...trainSummary(viewOf(result), flags.out), explanation: explanation.json });
    });
}
