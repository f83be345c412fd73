/**
 * Writing files so that a reader never sees half of one: each file goes to a temporary file in
 * its own directory, is flushed to disk (fsync), and is then renamed over the target. The
 * temporary files are named `.<name>.<pid>.<time>.tmp`; one left by an earlier save that was
 * killed (its process gone) is removed by the next save to the same place.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../data/input-error.js';

/** A file to write: its path and contents. */
export interface FileToWrite {
  path: string;
  data: string | Uint8Array;
}

/** The temporary file for `path` of this process. */
function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files an earlier, killed save of `path` left beside it (those whose
 * process is gone); files of a save still running elsewhere are left alone.
 * @param path the file being saved
 * @example
 * removeStaleTemporaryFiles('out/model.json'); // removes out/.model.json.4242.1700000000000.tmp
 */
export function removeStaleTemporaryFiles(path: string): void {
  const name = basename(path);
  let entries: string[];
  try {
    entries = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(`.${name}.`) || !entry.endsWith('.tmp')) continue;
    const m = /^\.(\d+)\.\d+\.tmp$/.exec(entry.slice(name.length + 1));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !processAlive(pid)) rmSync(join(dirname(path), entry), { force: true, recursive: true });
  }
}

/**
 * Writes `data` to `path` and flushes it to disk (fsync) before returning; not atomic by itself.
 * @param path the file
 * @param data its contents
 * @example
 * writeSynced(join(tmpDir, 'model.json'), json); // then rename tmpDir into place
 */
export function writeSynced(tmp: string, data: string | Uint8Array): void {
  const fd = openSync(tmp, 'w', 0o666);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory's entries (the renames) to disk where the platform allows it. */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform or file system can fsync a directory; the rename itself is atomic.
  }
}

/**
 * Writes several files so that all appear or none: every file is written and flushed to its
 * temporary file first, and only then are they renamed into place. A failure before the renames
 * leaves every target as it was. Missing parent directories are created.
 * @param files the paths and contents
 * @example
 * writeFilesAtomic([{ path: 'model.json', data: text }, { path: 'report.html', data: html }]);
 */
export function writeFilesAtomic(files: FileToWrite[]): void {
  const temps: string[] = [];
  let current = files[0]?.path ?? '';
  try {
    for (const { path, data } of files) {
      current = path;
      mkdirSync(dirname(path), { recursive: true });
      removeStaleTemporaryFiles(path);
      const tmp = temporaryPath(path);
      temps.push(tmp);
      writeSynced(tmp, data);
    }
    files.forEach(({ path }, i) => {
      current = path;
      renameSync(temps[i], path);
    });
  } catch (err) {
    for (const tmp of temps) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // The directory itself is unusable, so there is no temporary file to remove.
      }
    }
    throw new InputError(`${current}: cannot be written (${(err as Error).message})`);
  }
  for (const dir of new Set(files.map(({ path }) => dirname(path)))) syncDirectory(dir);
}

/**
 * Writes `data` to `path` atomically: to a temporary file in the same directory, flushed, then
 * renamed over the target, so a reader never sees half a file and a failed write leaves the old
 * one (or none). Missing parent directories are created.
 * @param path the file
 * @param data its contents
 * @example
 * writeFileAtomic('out/model.json', text);
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeFilesAtomic([{ path, data }]);
}

/** A file being written piece by piece that appears, whole, only on {@link AtomicFile.commit}. */
export interface AtomicFile {
  write(data: string | Uint8Array): void;
  /** Flushes the temporary file and renames it over the target. */
  commit(): void;
  /** Removes the temporary file; the target is left as it was. */
  abort(): void;
}

/**
 * Opens `path` for writing in pieces (predictions as they are computed): the pieces go to a
 * temporary file beside it, which {@link AtomicFile.commit} flushes and renames into place, so a
 * reader — or a failure half-way — never sees a partial file.
 * @param path the file
 * @example
 * const f = openAtomic('preds.csv'); f.write('label\n'); f.commit();
 */
export function openAtomic(path: string): AtomicFile {
  const tmp = temporaryPath(path);
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true });
    removeStaleTemporaryFiles(path);
    fd = openSync(tmp, 'w', 0o666);
  } catch (err) {
    throw new InputError(`${path}: cannot be written (${(err as Error).message})`);
  }
  let open = true;
  const fail = (err: unknown): never => {
    abort();
    throw new InputError(`${path}: cannot be written (${(err as Error).message})`);
  };
  function abort(): void {
    if (open) closeSync(fd);
    open = false;
    rmSync(tmp, { force: true });
  }
  return {
    write(data) {
      try {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      } catch (err) {
        fail(err);
      }
    },
    commit() {
      try {
        fsyncSync(fd);
        closeSync(fd);
        open = false;
        renameSync(tmp, path);
      } catch (err) {
        fail(err);
      }
      syncDirectory(dirname(path));
    },
    abort,
  };
}
