/**
 * TF.js Layers models as directories on disk: the artifacts come from the library's
 * `toTfjsLayers` and `fromTfjsLayers`; this module adds the paths, the refusal to write into a
 * non-empty directory without `force`, and writes no reader sees half of.
 */
import { mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { ExportOptions } from '../data/export-layers.js';
import { InputError } from '../data/input-error.js';
import type { Model } from '../data/model-file.js';
import { parseJsonData } from '../data/safe-text.js';
import { fromTfjsLayers, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE, toTfjsLayers } from '../data/tfjs-layers.js';
import { writeFilesAtomic, writeSynced } from './atomic-write.js';
import { readText } from './csv-file.js';

/** The entries of `dir`, or undefined when it does not exist; an error if it is a file. */
function directoryEntries(dir: string, what: string): string[] | undefined {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`${dir}: cannot be read (${(err as Error).message})`);
  }
  if (!isDir) throw new InputError(`${dir}: is a file, expected a directory (${what})`);
  return readdirSync(dir);
}

/**
 * Refuses to write into a non-empty directory unless forced; returns whether it has entries.
 * @param dir the directory
 * @param force whether a non-empty directory may be written into
 * @example
 * checkExportDirectory('web-model', false); // false: new or empty
 */
export function checkExportDirectory(dir: string, force: boolean): boolean {
  const entries = directoryEntries(dir, `--format tfjs writes ${TFJS_MODEL_FILE} and ${TFJS_WEIGHTS_FILE} into it`);
  if (entries && entries.length > 0 && !force) {
    throw new InputError(
      `${dir}: directory is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}); use --force to replace ${TFJS_MODEL_FILE} and ${TFJS_WEIGHTS_FILE} in it`,
    );
  }
  return entries !== undefined && entries.length > 0;
}

/**
 * Writes the TF.js Layers export of `model` into directory `dir`.
 *
 * A new or empty directory is written whole or not at all: both files go into a temporary
 * directory beside it, which is then renamed to `dir`. Over a non-empty directory (only with
 * `force`) the other entries must be kept, so each file is replaced by its own temporary file
 * and rename, the weights first and `model.json` last: a reader never sees half a file, and a
 * failure before the last rename leaves the old `model.json` in place.
 * @returns the paths written
 * @param dir the directory
 * @param model the model
 * @param options force: write into a non-empty directory; foldStandardization: fold it into the first layer
 * @example
 * writeTfjsLayers('web-model', model); // ['web-model/model.json', 'web-model/group1-shard1of1.bin']
 */
export function writeTfjsLayers(
  dir: string,
  model: Model,
  options: { force?: boolean } & ExportOptions = {},
): string[] {
  const nonEmpty = checkExportDirectory(dir, options.force ?? false);
  const { modelJson, weights } = toTfjsLayers(model, { foldStandardization: options.foldStandardization });
  const json = `${JSON.stringify(modelJson, null, 2)}\n`;
  const files = [join(dir, TFJS_MODEL_FILE), join(dir, TFJS_WEIGHTS_FILE)];
  if (nonEmpty) {
    writeFilesAtomic([
      { path: files[1], data: weights },
      { path: files[0], data: json },
    ]);
    return files;
  }
  const parent = dirname(resolve(dir));
  let tmp: string | undefined;
  try {
    mkdirSync(parent, { recursive: true });
    tmp = join(parent, `.${basename(resolve(dir))}.${process.pid}.${Date.now()}.tmp`);
    mkdirSync(tmp);
    writeSynced(join(tmp, TFJS_WEIGHTS_FILE), weights);
    writeSynced(join(tmp, TFJS_MODEL_FILE), json);
    // rename(2) replaces an empty directory.
    renameSync(tmp, dir);
  } catch (err) {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    throw new InputError(`${dir}: cannot be written (${(err as Error).message})`);
  }
  return files;
}

/**
 * Reads a TF.js Layers model: `path` is its `model.json` or the directory holding it.
 * @param path the model.json or its directory
 * @example
 * const model = readTfjsLayers('web-model');
 */
export function readTfjsLayers(path: string): Model {
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, TFJS_MODEL_FILE);
  } catch {
    // readText reports a missing path.
  }
  const text = readText(file);
  let value: unknown;
  try {
    value = parseJsonData(text, file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(
      `${file}: not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')}), expected a TF.js model.json`,
    );
  }
  const home = realpathSync(dirname(resolve(file)));
  return fromTfjsLayers(value, file, (p) => {
    // A link beside model.json may still point elsewhere: what is read must really be inside.
    const real = realpathSync(p);
    if (!real.startsWith(home + sep)) {
      throw new InputError(`${p}: leads out of the model's directory (to ${real}); refused`);
    }
    return new Uint8Array(readFileSync(real));
  });
}
