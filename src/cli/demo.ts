/**
 * `backprop demo` (what `npm start` runs): the notes' 3-4-1 sigmoid network trained by plain SGD
 * on three standardised features of the bundled breast-cancer data, then one test example
 * explained in the notes' notation.
 */
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { fromRows } from '../core/matrix.js';
import { explain } from '../data/explain.js';
import { InputError } from '../data/input-error.js';
import { parseModel } from '../data/model-file.js';
import { NOTES_TRAINING } from '../data/train.js';
import { checkOutputs, MODEL_OUTPUT } from '../node/output-paths.js';
import { saveTrainedRun, trainInWorker } from '../node/train-file.js';
import type { TrainedRun } from '../node/train-worker-types.js';
import { INTERRUPTED, interruptHandler } from './interrupt.js';
import { createOutput } from './output.js';
import { createEpochReporter, type EpochReporter } from './progress.js';
import { printTrainResult, trainSummary } from './train-output.js';

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
    .action(async (flags: DemoFlags) => {
      const out = createOutput(flags);
      const data = bundledData('breast-cancer.csv');
      checkOutputs(
        [[data, 'the bundled data']],
        [{ path: flags.out, flag: '--out', replaces: MODEL_OUTPUT }],
        flags.force,
      );
      // In a worker, as `train` does: this thread stays free to take Ctrl-C. The handler is in
      // place before anything is printed; the reporter (which may draw a bar) after the heading.
      let reporter: EpochReporter | undefined;
      const training = trainInWorker(
        data,
        { ...DEMO, features: [...DEMO.features], hidden: [...DEMO.hidden] },
        { onEpochEnd: (log) => reporter?.onEpochEnd(log), firstTest: true, memoryBudget: totalmem() },
      );
      const stopOnSignal = interruptHandler(out, { stop: () => reporter?.stop() }, () => training.stop());
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
      reporter = createEpochReporter(out, DEMO.epochs, 10);
      let run: TrainedRun;
      try {
        run = await training.result;
      } finally {
        reporter.stop();
      }
      saveTrainedRun(run, flags.out);
      stopOnSignal.saved();
      const view = { ...run, model: parseModel(run.modelText, flags.out) };
      printTrainResult(view, out, flags.out);
      const summary = trainSummary(view, flags.out);
      if (run.history.stopReason === 'interrupted' || run.firstTest === undefined) {
        out.document(summary);
        if (run.history.stopReason === 'interrupted') process.exitCode = INTERRUPTED;
        return;
      }
      // The first test example, explained quantity by quantity.
      const first = run.firstTest;
      const explanation = explain({
        model: view.model,
        x: fromRows([first.x]),
        raw: fromRows([first.raw]),
        y: fromRows([first.y]),
        yGiven: true,
        lr: DEMO.lr,
        source: `the first test example, data/breast-cancer.csv line ${first.line}`,
      });
      out.result('');
      for (const line of explanation.lines) out.result(line);
      out.document({ ...summary, explanation: explanation.json });
    });
}
