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
  const text = `training [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} epochs  loss ${loss}`;
  // One character short of the width: a full line would wrap the cursor onto the next one.
  return [...text].slice(0, Math.max(1, columns - 1)).join('');
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
  if (tty) draw(0, '-');
  return {
    onEpochEnd(log) {
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
