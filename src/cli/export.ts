/** `backprop export <model> --format tfjs|onnx --out <dir|file.onnx>`: hand a model to TF.js/Keras or ONNX. */
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from '../data/tfjs-layers.js';
import { loadModel } from '../node/model-files.js';
import { ANY_OUTPUT, checkOutputs } from '../node/output-paths.js';
import { writeTfjsLayers } from '../node/tfjs-files.js';
import { createOutput } from './output.js';

/** The formats `export` writes. */
export const EXPORT_FORMATS = ['tfjs', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

interface ExportFlags {
  format: ExportFormat;
  out: string;
  force?: boolean;
  foldStandardization?: boolean;
  json?: boolean;
  quiet?: boolean;
}

function exportFormat(text: string): ExportFormat {
  if (!(EXPORT_FORMATS as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(`unknown format; the known formats are ${EXPORT_FORMATS.join(', ')}.`);
  }
  return text as ExportFormat;
}

/** Registers `export`. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a model in the TF.js Layers format (a directory) or as ONNX (a file), taking raw features')
    .argument('<model.json>', 'a model file')
    .addOption(
      new Option('--format <format>', `${EXPORT_FORMATS.join(' or ')}`).argParser(exportFormat).makeOptionMandatory(),
    )
    .requiredOption('--out <path>', 'tfjs: a directory (model.json + group1-shard1of1.bin); onnx: a .onnx file')
    .option('--force', 'write into a non-empty directory (tfjs) or over an existing file (onnx)')
    .option(
      '--fold-standardization',
      "fold the standardisation into the first layer's weights instead of a frozen step before it",
    )
    .option('--json', 'print a JSON summary')
    .option('--quiet', 'print nothing but errors (and --json)')
    .addHelpText(
      'after',
      `
The exported model takes raw feature values: the standardisation is its own frozen step before
the first layer (tfjs: a non-trainable Dense layer 'standardize'; onnx: Sub and Div nodes), so
training the export trains the model's own weights. --fold-standardization folds it into the
first layer's weights instead. Weights become float32. See docs/interop.md.

Examples:
  $ backprop export model.json --format tfjs --out web-model/
  $ backprop export model.json --format onnx --out model.onnx`,
    )
    .action(async (modelPath: string, flags: ExportFlags) => {
      const out = createOutput(flags);
      const force = flags.force ?? false;
      const foldStandardization = flags.foldStandardization ?? false;
      // The files written, checked before anything is read: none may be the model exported.
      const targets =
        flags.format === 'tfjs'
          ? [
              { path: join(flags.out, TFJS_MODEL_FILE), flag: '--out', replaces: ['tfjs-model'] as const },
              { path: join(flags.out, TFJS_WEIGHTS_FILE), flag: '--out', replaces: ['other'] as const },
            ]
          : // An existing file needs --force, as writeOnnx says.
            [{ path: flags.out, flag: '--out', replaces: ANY_OUTPUT }];
      checkOutputs([[modelPath, 'the model being exported']], targets, force);
      const model = loadModel(modelPath);
      let files: string[];
      let what: string;
      if (flags.format === 'tfjs') {
        files = writeTfjsLayers(flags.out, model, { force, foldStandardization });
        what = 'TF.js Layers model';
      } else {
        // Loaded here so that protobufjs is not loaded by every other command.
        const [{ ONNX_OPSET }, { writeOnnx }] = await Promise.all([
          import('../data/onnx.js'),
          import('../node/onnx-file.js'),
        ]);
        writeOnnx(flags.out, model, { force, foldStandardization });
        files = [flags.out];
        what = `ONNX model (opset ${ONNX_OPSET})`;
      }
      out.result(`${what} written: ${files.join(', ')}`);
      out.document({
        command: 'export',
        model: modelPath,
        format: flags.format,
        files,
        standardizationFolded: model.standardization !== undefined && foldStandardization,
        standardizationStep: model.standardization !== undefined && !foldStandardization,
      });
    });
}
