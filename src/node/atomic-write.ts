/** Writing files so that a reader never sees half of one. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../data/input-error.js';

/**
 * Writes `data` to `path` atomically: to a temporary file in the same directory, then renamed
 * over the target, so a reader never sees half a file and a failed write leaves the old one
 * (or none). Missing parent directories are created.
 * @param path the file
 * @param data its contents
 * @example
 * writeFileAtomic('out/model.json', text);
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The directory itself is unusable, so there is no temporary file to remove.
    }
    throw new InputError(`${path}: cannot be written (${(err as Error).message})`);
  }
}
