/** `backprop import <dir>/model.json [--out model.json]`: a TF.js Layers model back into a model file. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from '../data/tfjs-layers.js';
import { saveModel } from '../node/model-files.js';
import { checkOutputs, MODEL_OUTPUT } from '../node/output-paths.js';
import { readTfjsLayers } from '../node/tfjs-files.js';
import { createOutput } from './output.js';

interface ImportFlags {
  out: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** Registers `import`. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('read a TF.js Layers model (a Sequential of Dense layers) into a backprop model file')
    .argument('<model.json>', 'the TF.js model.json (or the directory holding it), its weights beside it')
    .option('--out <model.json>', 'where to write the backprop model file', 'model.json')
    .option('--force', 'replace an existing --out file that is not a backprop model file (never an input)')
    .option('--json', 'print a JSON summary')
    .option('--quiet', 'print nothing but errors (and --json)')
    .addHelpText(
      'after',
      `
Supported: Dense layers (after an optional InputLayer) with sigmoid, tanh, relu, linear or softmax
activations and float32 weights; a frozen (trainable: false) diagonal linear first layer, as
export writes, becomes the model's standardisation. Feature names, labels and loss come from the
metadata backprop's export writes; without it: x1, x2, … and the loss implied by the last activation.

Examples:
  $ backprop import web-model/model.json --out model.json`,
    )
    .action((input: string, flags: ImportFlags) => {
      const out = createOutput(flags);
      const dir = existsSync(input) && statSync(input).isDirectory() ? input : dirname(input);
      checkOutputs(
        [
          [input, 'the TF.js model being imported'],
          [join(dir, TFJS_MODEL_FILE), 'the TF.js model being imported'],
          [join(dir, TFJS_WEIGHTS_FILE), "the TF.js model's weights"],
        ],
        [{ path: flags.out, flag: '--out', replaces: MODEL_OUTPUT }],
        flags.force,
      );
      const model = readTfjsLayers(input);
      saveModel(flags.out, model, { force: true });
      const sizes = [model.network.inputSize, ...model.network.layers.map((l) => l.bias.length)];
      out.result(
        `model ${sizes.join('-')} (${model.network.layers.map((l) => l.activation.name).join(', ')}; ${model.network.loss.config.name}) written to ${flags.out}`,
      );
      out.document({
        command: 'import',
        from: input,
        model: flags.out,
        sizes,
        features: model.features,
        labels: model.labels,
        loss: model.network.loss.config.name,
      });
    });
}
