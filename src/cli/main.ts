#!/usr/bin/env node
/**
 * The `backprop` command. Every user error (a BackpropError, including io's InputError, or a
 * bad flag) ends as one line on stderr and exit code 2, with no stack trace; anything else is a
 * bug and keeps its stack.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { BackpropError } from '../core/errors.js';
import { escapeControl } from '../data/safe-text.js';
import { registerDemo } from './demo.js';
import { registerEvaluate } from './evaluate.js';
import { registerExercise } from './exercise.js';
import { registerExplain } from './explain.js';
import { registerExport } from './export.js';
import { registerGradcheck } from './gradcheck.js';
import { registerImport } from './import.js';
import { registerInit } from './init.js';
import { registerPredict } from './predict.js';
import { registerTrain } from './train.js';

/** Exit code of every user error. */
export const USAGE_ERROR = 2;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The program with all its commands. */
export function createProgram(): Command {
  const program = new Command();
  program
    .name('backprop')
    .description('Multilayer perceptrons trained by backpropagation: train, evaluate, predict and explain on CSV data.')
    .version(packageVersion())
    .exitOverride()
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .configureOutput({
      // Commander puts its suggestion ("Did you mean --epochs?") on a second line: keep one line.
      outputError: (text, write) =>
        write(
          `backprop: ${text
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')}\n`,
        ),
    })
    .addHelpText(
      'after',
      `
Examples:
  $ backprop demo
  $ backprop train data/breast-cancer.csv --features worst_radius,worst_texture,worst_smoothness --out model.json
  $ backprop evaluate model.json data/breast-cancer.csv
  $ backprop predict model.json new.csv --out preds.csv
  $ backprop explain model.json --data data/breast-cancer.csv --row 1`,
    );
  registerDemo(program);
  registerTrain(program);
  registerEvaluate(program);
  registerPredict(program);
  registerExplain(program);
  registerGradcheck(program);
  registerInit(program);
  registerExport(program);
  registerImport(program);
  registerExercise(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end here too, with exit code 0; commander has already printed.
      process.exitCode = err.exitCode === 0 ? 0 : USAGE_ERROR;
      return;
    }
    if (err instanceof BackpropError) {
      process.stderr.write(`backprop: ${escapeControl(err.message.replace(/\s*\n\s*/g, ' '))}\n`);
      process.exitCode = USAGE_ERROR;
      return;
    }
    throw err;
  }
}

// A closed pipe (`backprop predict … | head`) is not an error: stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

await main(process.argv);
