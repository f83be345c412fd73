/**
 * The ONNX export written to a file. Kept apart from the other Node helpers so that protobufjs is
 * loaded only by the code that writes ONNX.
 */
import { statSync } from 'node:fs';
import type { ExportOptions } from '../data/export-layers.js';
import { InputError } from '../data/input-error.js';
import type { Model } from '../data/model-file.js';
import { toOnnx } from '../data/onnx.js';
import { writeFileAtomic } from './atomic-write.js';

/**
 * Writes the ONNX export of `model` to `path` (atomically); an existing file needs `force`.
 * @param path the .onnx file
 * @param model the model
 * @param options force: replace an existing file; foldStandardization: fold it into the first Gemm
 * @example
 * writeOnnx('model.onnx', model, { force: true });
 */
export function writeOnnx(path: string, model: Model, options: { force?: boolean } & ExportOptions = {}): void {
  let exists = false;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new InputError(`${path}: is a directory, expected a file name ending in .onnx`);
    exists = true;
  } catch (err) {
    if (err instanceof InputError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new InputError(`${path}: cannot be read (${(err as Error).message})`);
    }
  }
  if (exists && !options.force) throw new InputError(`${path}: already exists; use --force to replace it`);
  writeFileAtomic(path, toOnnx(model, { foldStandardization: options.foldStandardization }));
}
