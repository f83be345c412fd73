/** `backprop init`: a model file with seeded initial weights, so training can start from it. */
import { totalmem } from 'node:os';
import { type Command, Option } from 'commander';
import { initialModel } from '../data/init-model.js';
import type { ActivationName } from '../nn/activations.js';
import { INITIALIZER_NAMES } from '../nn/initializers.js';
import { setMemoryBudget, setParameterLimit } from '../nn/network.js';
import { saveModel } from '../node/model-files.js';
import { checkOutputs } from '../node/output-paths.js';
import * as parse from './options.js';
import { createOutput } from './output.js';

interface InitFlags {
  sizes: number[];
  activation: ActivationName;
  outputActivation?: ActivationName;
  loss?: string;
  seed: number;
  kernelInit: string;
  features?: string[];
  classes?: string[];
  out: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
  maxParameters?: number;
}

/** Registers `init`. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description("write a model file with seeded initial weights (default: the notes' 3-4-1 sigmoid network)")
    .addOption(
      new Option('--sizes <sizes>', 'layer sizes from the inputs to the outputs')
        .argParser(parse.sizes)
        .default([3, 4, 1], '3,4,1'),
    )
    .option('--activation <name>', 'hidden activation', parse.activationName, 'sigmoid')
    .option(
      '--output-activation <name>',
      'output activation (default: sigmoid for one output, softmax for more; linear with mse)',
      parse.outputActivationName,
    )
    .option('--loss <name>', 'bce, cce or mse (default: bce for one output, cce for more)', parse.lossFlag)
    .option('--seed <n>', 'seed of the initial weights', parse.integer, 0)
    .option('--kernel-init <name>', `kernel initialiser: ${INITIALIZER_NAMES.join(', ')}`, 'glorot_uniform')
    .option('--features <names>', 'feature (CSV column) names (default: x1, x2, …)', parse.names)
    .option('--classes <names>', 'class labels (default: 0, 1 or 0, 1, 2, …)', parse.names)
    .option('--max-parameters <n>', parse.MAX_PARAMETERS_HELP, parse.positiveInteger)
    .option('--out <model.json>', 'where to write the model', 'model.json')
    .option('--force', 'replace an existing --out file that is not an untrained model file, such as a trained model')
    .option('--json', 'print a JSON summary')
    .option('--quiet', 'print nothing but errors (and --json)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ backprop init --out notes.json\n  $ backprop init --sizes 4,8,3 --features a,b,c,d --classes x,y,z --seed 1 --out iris-init.json',
    )
    .action((flags: InitFlags) => {
      const out = createOutput(flags);
      if (flags.maxParameters !== undefined) setParameterLimit(flags.maxParameters);
      setMemoryBudget(totalmem());
      // A trained model (often under the same default name, model.json) is kept unless --force.
      checkOutputs([], [{ path: flags.out, flag: '--out', replaces: ['model'] }], flags.force);
      const { model, loss, outputActivation } = initialModel(flags);
      const units = flags.sizes.slice(1);
      saveModel(flags.out, model, { force: true });
      out.result(
        `model ${flags.sizes.join('-')} (${[...units.slice(0, -1).map(() => flags.activation), outputActivation].join(', ')}; ${loss}) written to ${flags.out}`,
      );
      out.document({
        command: 'init',
        model: flags.out,
        sizes: flags.sizes,
        loss,
        features: model.features,
        labels: model.labels,
      });
    });
}
