/**
 * The output-path guard every writing command (and the library's file functions) goes through,
 * before any work starts:
 * - an output is never one of the command's inputs (however spelled: `./a/../x`, a symbolic or
 *   hard link), not even with `--force`;
 * - two outputs of one command are never the same file;
 * - an output's directory must be writable (or creatable), and an output is not a directory;
 * - an existing file that is not what the command writes (a trained model under `init`, a model
 *   file under `predict --out`) is kept unless `force`.
 */
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../data/input-error.js';

/** What an existing file at an output path is, as far as replacing it goes. */
export type ExistingKind = 'absent' | 'model' | 'trained-model' | 'tfjs-model' | 'other';

/** One output of a command. */
export interface OutputSpec {
  path: string;
  /** The flag that named it (`--out`), or how to name it. */
  flag: string;
  /** The kinds of existing file it may replace without `force` (`absent` is always fine). */
  replaces: readonly ExistingKind[];
}

/** One input of a command: `[path, how to name it]`. `-` (stdin) is never a file. */
export type InputSpec = [string, string];

const KIND_WORDS: Record<ExistingKind, string> = {
  absent: 'missing',
  model: 'a backprop model file',
  'trained-model': 'a trained backprop model file',
  'tfjs-model': 'a TF.js model',
  other: 'a file this command does not write',
};

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Whether two paths name the same file: the same resolved path, or the same inode. */
export function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  const sa = statOf(a);
  const sb = statOf(b);
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** The first bytes of a file, as text. */
function head(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    return buf.toString('utf8', 0, readSync(fd, buf, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * What the file at `path` is: a backprop model (trained or not), a TF.js model, something else,
 * or nothing. Judged from its first 64 KB: a model file's `format` comes first, and a trained
 * one records its epochs or metrics.
 * @param path the file
 * @example
 * existingKind('model.json'); // 'trained-model'
 */
export function existingKind(path: string): ExistingKind {
  const st = statOf(path);
  if (st === undefined) return 'absent';
  if (!st.isFile()) return 'other';
  let text: string;
  try {
    text = head(path, 65536);
  } catch {
    return 'other';
  }
  if (/^\s*\{\s*"format"\s*:\s*"backprop-model"/.test(text)) {
    return /"(stopReason|epochs|metrics)"\s*:/.test(text) ? 'trained-model' : 'model';
  }
  if (/^\s*\{[\s\S]*"modelTopology"\s*:/.test(text)) return 'tfjs-model';
  return 'other';
}

/** Refuses a path whose directory cannot be written (the nearest existing ancestor is checked). */
function checkWritable(out: OutputSpec): void {
  const st = statOf(out.path);
  if (st?.isDirectory()) throw new InputError(`${out.flag} ${out.path}: cannot be written (it is a directory)`);
  let dir = dirname(resolve(out.path));
  let ds = statOf(dir);
  while (ds === undefined && dirname(dir) !== dir) {
    dir = dirname(dir);
    ds = statOf(dir);
  }
  if (!ds?.isDirectory())
    throw new InputError(`${out.flag} ${out.path}: cannot be written (${dir} is not a directory)`);
  try {
    accessSync(dir, constants.W_OK);
    if (st) accessSync(out.path, constants.W_OK);
  } catch {
    throw new InputError(`${out.flag} ${out.path}: cannot be written (no permission to write in ${dir})`);
  }
}

/**
 * Checks every output of a command before any work: none is an input (not even with `force`),
 * none is another output, each can be written, and an existing file that is not what the command
 * writes is kept unless `force`. Throws an {@link InputError} naming the flag and the path.
 * @param inputs `[path, how to name it]` of each input
 * @param outputs the outputs, the first one the main output
 * @param force whether existing files of other kinds may be replaced (inputs never are)
 * @example
 * checkOutputs([['data.csv', 'the training data']], [{ path: 'model.json', flag: '--out', replaces: ['model', 'trained-model'] }]);
 */
export function checkOutputs(inputs: InputSpec[], outputs: OutputSpec[], force = false): void {
  outputs.forEach((out, i) => {
    for (const [input, name] of inputs) {
      if (input !== '-' && sameFile(out.path, input)) {
        throw new InputError(`${out.flag} ${out.path}: is ${name}; choose another path`);
      }
    }
    for (const other of outputs.slice(0, i)) {
      if (sameFile(out.path, other.path)) {
        throw new InputError(`${out.flag} ${out.path} is the same file as ${other.flag}; choose another path`);
      }
    }
  });
  for (const out of outputs) {
    checkWritable(out);
    const kind = existingKind(out.path);
    if (kind !== 'absent' && !force && !out.replaces.includes(kind)) {
      throw new InputError(
        `${out.flag} ${out.path}: exists and is ${KIND_WORDS[kind]}; it is kept (use --force to replace it)`,
      );
    }
  }
}

/**
 * Refuses output paths that would overwrite an input or each other (e.g. `--out data.csv`),
 * before any work. Kept for the callers that only need those two rules; see {@link checkOutputs}.
 * @param inputs `[path, how to name it]` of each input
 * @param outputs `[path, the flag that named it]` of each output, the first one the main output
 * @example
 * checkOutputPaths([['data.csv', 'the training data']], [['model.json', '--out']]);
 */
export function checkOutputPaths(inputs: InputSpec[], outputs: [string, string][]): void {
  checkOutputs(
    inputs,
    outputs.map(([path, flag]) => ({ path, flag, replaces: ANY_OUTPUT })),
  );
}

/**
 * What a model file output of `train`, `import` or `demo` may replace without `--force`: a
 * backprop model file — not a CSV, a text file or a TF.js model (`model.json` is the default name
 * of both) — and, even with `--force`, never an input.
 */
export const MODEL_OUTPUT: readonly ExistingKind[] = ['model', 'trained-model'];
/** Every kind: only the input, collision and writability rules apply. */
export const ANY_OUTPUT: readonly ExistingKind[] = ['model', 'trained-model', 'tfjs-model', 'other'];
/** What a CSV or HTML output may replace without `--force`: anything but a model. */
export const DATA_OUTPUT: readonly ExistingKind[] = ['other'];
