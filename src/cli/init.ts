/** `backprop init`: a model file with seeded initial weights, so training can start from it. */
import { type Command, Option } from 'commander';
import { InputError } from '../data/input-error.js';
import { defaultLabels, defaultLoss, defaultOutputActivation } from '../data/labels.js';
import type { Model } from '../data/model-file.js';
import type { ActivationName } from '../nn/activations.js';
import { INITIALIZER_NAMES, type InitializerName } from '../nn/initializers.js';
import { lossName } from '../nn/losses.js';
import { createNetwork } from '../nn/network.js';
import { saveModel } from '../node/model-files.js';
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
  json?: boolean;
  quiet?: boolean;
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
    .option('--out <model.json>', 'where to write the model', 'model.json')
    .option('--json', 'print a JSON summary')
    .option('--quiet', 'print nothing but errors (and --json)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ backprop init --out notes.json\n  $ backprop init --sizes 4,8,3 --features a,b,c,d --classes x,y,z --seed 1 --out iris-init.json',
    )
    .action((flags: InitFlags) => {
      const out = createOutput(flags);
      if (flags.sizes.length < 2)
        throw new InputError(`--sizes ${flags.sizes.join(',')}: expected at least an input and an output size`);
      if (!(INITIALIZER_NAMES as readonly string[]).includes(flags.kernelInit)) {
        throw new InputError(`--kernel-init ${flags.kernelInit}: expected one of ${INITIALIZER_NAMES.join(', ')}`);
      }
      const [inputSize, ...units] = flags.sizes;
      const outputs = units[units.length - 1];
      const loss = flags.loss ? lossName(flags.loss) : defaultLoss(outputs);
      const outputActivation = flags.outputActivation ?? defaultOutputActivation(loss, outputs);
      const features = flags.features ?? Array.from({ length: inputSize }, (_, i) => `x${i + 1}`);
      if (features.length !== inputSize)
        throw new InputError(`--features: ${features.length} names, expected ${inputSize} (the input size)`);
      const want = outputs === 1 ? 2 : outputs;
      if (loss !== 'mean_squared_error' && flags.classes && flags.classes.length !== want)
        throw new InputError(
          `--classes: ${flags.classes.length} labels, expected ${want} for ${outputs} output unit(s)`,
        );
      const labels = defaultLabels(loss, outputs, flags.classes);
      const network = createNetwork(
        {
          inputSize,
          layers: units.map((u, i) => ({
            units: u,
            activation: i === units.length - 1 ? outputActivation : flags.activation,
          })),
          loss: { name: loss },
        },
        { seed: flags.seed, kernelInitializer: flags.kernelInit as InitializerName },
      );
      const model: Model = { network, features, labels, training: { seed: flags.seed, initializedFrom: 'seed' } };
      saveModel(flags.out, model);
      out.result(
        `model ${flags.sizes.join('-')} (${[...units.slice(0, -1).map(() => flags.activation), outputActivation].join(', ')}; ${loss}) written to ${flags.out}`,
      );
      out.document({ command: 'init', model: flags.out, sizes: flags.sizes, loss, features, labels });
    });
}
