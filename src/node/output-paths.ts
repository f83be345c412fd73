/** The guard that keeps a command from writing over its own inputs. */
import { resolve } from 'node:path';
import { InputError } from '../data/input-error.js';

/**
 * Refuses output paths that would overwrite an input or each other (e.g. `--out data.csv`),
 * before any work: the same file written twice, or the training data replaced by a model, is
 * lost data. `-` (stdin) is never a file.
 * @param inputs `[path, how to name it]` of each input
 * @param outputs `[path, the flag that named it]` of each output, the first one the main output
 * @example
 * checkOutputPaths([['data.csv', 'the training data']], [['model.json', '--out']]);
 */
export function checkOutputPaths(inputs: [string, string][], outputs: [string, string][]): void {
  for (const [path, what] of outputs) {
    for (const [input, name] of inputs) {
      if (input !== '-' && resolve(path) === resolve(input)) {
        throw new InputError(`${what} ${path} is ${name}; choose another path so that it is not overwritten`);
      }
    }
  }
  const [main, ...others] = outputs;
  for (const [path, what] of others) {
    if (resolve(path) === resolve(main[0])) {
      throw new InputError(`${what} ${path} is the same file as ${main[1]}; choose another path`);
    }
  }
}
