/**
 * Training progress on stderr: a one-line progress bar when stderr is a terminal, and a line of
 * loss and validation metrics every few epochs (printed above the bar, or alone when there is no
 * bar).
 *
 * The bar is drawn on the terminal's current line only: `\r`, erase the line, draw. It never
 * saves or restores a cursor position (a saved position goes stale when the output scrolls, and
 * restoring it overprints what came after) and never hides the cursor, so no exit path — an
 * error, Ctrl-C, a kill — can leave the terminal in a state that needs restoring.
 */
import type { EpochLog } from '../train/fit.js';
import type { Output } from './output.js';

export interface EpochReporter {
  /** How far the CSV has been read (a file's size, or undefined for a pipe). */
  onRead(bytesRead: number, fileBytes: number | undefined): void;
  onEpochEnd(log: EpochLog): void;
  stop(): void;
}

/** One epoch's numbers on one line. */
export function describeEpoch(log: EpochLog, epochs: number): string {
  const f = (v: number | undefined) => (v === undefined ? '' : v.toFixed(4));
  const parts = [`epoch ${String(log.epoch).padStart(String(epochs).length)}/${epochs}`, `loss ${f(log.loss)}`];
  if (log.accuracy !== undefined) parts.push(`acc ${f(log.accuracy)}`);
  if (log.valLoss !== undefined) parts.push(`val_loss ${f(log.valLoss)}`);
  if (log.valAccuracy !== undefined) parts.push(`val_acc ${f(log.valAccuracy)}`);
  if (log.partial) parts.push(`(interrupted after ${log.partial.batches} of ${log.partial.of} batches)`);
  return parts.join('  ');
}

/** The bar's text for `done` of `total` epochs, cut to `columns` characters. */
export function barLine(done: number, total: number, loss: string, columns: number): string {
  const width = 40;
  const filled = Math.round((width * done) / Math.max(1, total));
  const text = `training [${bar(width, filled)}] ${done}/${total} epochs  loss ${loss}`;
  // One character short of the width: a full line would wrap the cursor onto the next one.
  return [...text].slice(0, Math.max(1, columns - 1)).join('');
}

/** The reading bar's text: how much of the file (of `fileBytes`, when known) has been read. */
export function readLine(bytesRead: number, fileBytes: number | undefined, columns: number): string {
  const mb = (b: number) => (b / 1e6).toFixed(b < 1e7 ? 1 : 0);
  const width = 40;
  const text =
    fileBytes === undefined
      ? `reading ${mb(bytesRead)} MB`
      : `reading [${bar(width, Math.round((width * bytesRead) / Math.max(1, fileBytes)))}] ${mb(bytesRead)} of ${mb(fileBytes)} MB`;
  return [...text].slice(0, Math.max(1, columns - 1)).join('');
}

function bar(width: number, filled: number): string {
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

const ERASE_LINE = '\r\x1b[2K';

/**
 * Reports epochs through `out`; `every` epochs get a line (and the first and the last always).
 * The bar is drawn only when stderr is a TTY and output is not quiet.
 */
export function createEpochReporter(out: Output, epochs: number, every: number): EpochReporter {
  const tty = process.stderr.isTTY === true && !out.quiet;
  const columns = () => process.stderr.columns || 80;
  let drawn = false;
  let lastDraw = 0;
  const draw = (done: number, loss: string) => {
    process.stderr.write(`${ERASE_LINE}${barLine(done, epochs, loss, columns())}`);
    drawn = true;
    lastDraw = Date.now();
  };
  // Until the CSV has been read (or, from a pipe, until the first epoch ends) the bar says how far.
  let reading = true;
  if (tty) draw(0, '-');
  return {
    onRead(bytesRead, fileBytes) {
      if (!tty || !reading) return;
      if (fileBytes !== undefined && bytesRead >= fileBytes) {
        reading = false;
        draw(0, '-');
        return;
      }
      process.stderr.write(`${ERASE_LINE}${readLine(bytesRead, fileBytes, columns())}`);
      drawn = true;
    },
    onEpochEnd(log) {
      reading = false;
      if (log.epoch % every === 0 || log.epoch === epochs || log.epoch === 1 || log.partial) {
        const line = describeEpoch(log, epochs);
        if (tty) {
          process.stderr.write(`${ERASE_LINE}${line}\n`);
          draw(log.epoch, log.loss.toFixed(4));
        } else out.note(line);
      } else if (tty && Date.now() - lastDraw >= 50) draw(log.epoch, log.loss.toFixed(4));
    },
    stop() {
      if (drawn) process.stderr.write(ERASE_LINE);
      drawn = false;
    },
  };
}
