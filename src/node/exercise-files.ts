/** The exercise's files: JSON answers and problems read with the CLI's messages, class sheets written whole. */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../data/input-error.js';
import { readText } from './csv-file.js';

/**
 * A JSON file's value, with the file named in every error.
 * @param path the file (`-` for stdin)
 * @example
 * const answers = readJsonFile('answers.json');
 */
export function readJsonFile(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Writes `files` into the new (or empty) directory `dir` all at once: into a temporary
 * directory beside it, then renamed, so either every file appears or none does.
 * @param dir the directory; an existing non-empty one is refused
 * @param files file names and their text
 * @example
 * writeDirectoryAtomic('sheets', new Map([['student-1-problem.md', text]]));
 */
export function writeDirectoryAtomic(dir: string, files: ReadonlyMap<string, string>): void {
  const target = resolve(dir);
  let existing: string[] = [];
  let kind: 'missing' | 'directory' | 'file' = 'missing';
  try {
    kind = statSync(target).isDirectory() ? 'directory' : 'file';
  } catch {
    // Missing: it will be created.
  }
  if (kind === 'file') throw new InputError(`${dir}: is a file, expected a new or empty directory; it is kept`);
  if (kind === 'directory') existing = readdirSync(target);
  if (existing.length > 0) throw new InputError(`${dir}: exists and is not empty; choose a new directory`);
  let tmp: string | undefined;
  try {
    mkdirSync(dirname(target), { recursive: true });
    tmp = mkdtempSync(join(dirname(target), `.${basename(target)}.tmp-`));
    for (const [name, text] of files) writeFileSync(join(tmp, name), text);
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  } catch (err) {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
    throw new InputError(`${dir}: cannot be written (${(err as Error).message})`);
  }
}
