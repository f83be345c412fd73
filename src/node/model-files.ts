/** Model files on disk: read and checked, or written atomically. */
import { type Model, parseModel, serializeModel } from '../data/model-file.js';
import { writeFileAtomic } from './atomic-write.js';
import { readText } from './csv-file.js';

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
 * @param path where to write
 * @param model the model
 * @example
 * saveModel('out/model.json', model);
 */
export function saveModel(path: string, model: Model): void {
  writeFileAtomic(path, serializeModel(model));
}
