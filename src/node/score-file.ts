/**
 * Where `evaluate` keeps the scores of a file's rows until its exact ROC AUCs can be computed:
 * in temporary files, one per output unit, so that memory holds one byte per row (its class)
 * and not eight per row and output. Each file is unlinked as soon as it is opened, so nothing is
 * left behind even when the process is killed.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackpropError } from '../core/errors.js';
import { memoryScoreStore, type ScoreStore } from '../data/evaluate.js';

/** Rows read back at a time. */
const PIECE_ROWS = 1 << 16;

/** A {@link ScoreStore} that must be closed when done. */
export type ClosableScoreStore = ScoreStore & { close(): void };

/**
 * Score columns in temporary files (in memory where no temporary directory can be made).
 * @example
 * const store = fileScoreStore();
 * try { createEvaluation(model, false, store); … } finally { store.close(); }
 */
export function fileScoreStore(): ClosableScoreStore {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'backprop-evaluate-'));
  } catch {
    return { ...memoryScoreStore(), close() {} };
  }
  const fds: number[] = [];
  const sizes: number[] = [];
  const fdOf = (c: number): number => {
    if (fds[c] === undefined) {
      const path = join(dir, `scores-${c}.f64`);
      fds[c] = openSync(path, 'w+');
      sizes[c] = 0;
      try {
        unlinkSync(path);
      } catch {
        // Where an open file cannot be unlinked, close() removes the directory.
      }
    }
    return fds[c];
  };
  return {
    append(c, values) {
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      try {
        const fd = fdOf(c);
        for (let done = 0; done < bytes.length; ) {
          done += writeSync(fd, bytes, done, bytes.length - done, sizes[c] + done);
        }
      } catch (err) {
        // A full disk is the user's to fix: one line, not a stack.
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        throw new BackpropError(`cannot keep the rows' scores in a temporary file in ${dir} (${code})`);
      }
      sizes[c] += bytes.length;
    },
    read(c, visit) {
      const fd = fds[c];
      if (fd === undefined) return;
      const piece = new Float64Array(PIECE_ROWS);
      const bytes = new Uint8Array(piece.buffer);
      for (let pos = 0; pos < sizes[c]; ) {
        const want = Math.min(bytes.length, sizes[c] - pos);
        for (let got = 0; got < want; ) {
          const n = readSync(fd, bytes, got, want - got, pos + got);
          if (n === 0) throw new Error(`the temporary scores file of output ${c} ended early`);
          got += n;
        }
        visit(piece.subarray(0, want / 8));
        pos += want;
      }
    },
    close() {
      for (const fd of fds) if (fd !== undefined) closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
