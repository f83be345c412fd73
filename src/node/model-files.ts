/** Model files on disk: read and checked, or written atomically. */
import { type Model, parseModel, serializeModel } from '../data/model-file.js';
import { writeFileAtomic } from './atomic-write.js';
import { readText } from './csv-file.js';
import { checkOutputs, MODEL_OUTPUT } from './output-paths.js';

/**
 * Reads and checks a model file; errors name the file and the field.
 * @param path the model file (`-` reads stdin)
 * @example
 * const model = loadModel('model.json');
 */
export function loadModel(path: string): Model {
  return parseModel(readText(path), path);
}

/**
 * Saves a model file atomically: a reader never sees half of it. Missing directories are made.
 * An existing file that is not a model file is kept (an error) unless `force`.
 * @param path where to write
 * @param model the model
 * @param options force: replace an existing file that is not a model file
 * @example
 * saveModel('out/model.json', model);
 */
export function saveModel(path: string, model: Model, options: { force?: boolean } = {}): void {
  checkOutputs([], [{ path, flag: 'the model file', replaces: MODEL_OUTPUT }], options.force ?? false);
  writeFileAtomic(path, serializeModel(model));
}
