/**
 * Training progress on stderr: a progress bar when stderr is a terminal, and a line of loss and
 * validation metrics every few epochs (printed above the bar, or alone when there is no bar).
 */
import cliProgress from 'cli-progress';
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
  return parts.join('  ');
}

/**
 * Reports epochs through `out`; `every` epochs get a line (and the last one always).
 * The bar is drawn only when stderr is a TTY and output is not quiet.
 */
export function createEpochReporter(out: Output, epochs: number, every: number): EpochReporter {
  const tty = process.stderr.isTTY === true && !out.quiet;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: 'training [{bar}] {value}/{total} epochs  loss {loss}',
          hideCursor: true,
          clearOnComplete: true,
          forceRedraw: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(epochs, 0, { loss: '-' });
  return {
    onEpochEnd(log) {
      if (log.epoch % every === 0 || log.epoch === epochs || log.epoch === 1) {
        const line = describeEpoch(log, epochs);
        // Training runs synchronously, so the bar's own timer never fires: clear its line, print
        // the epoch line, and redraw the bar below it by hand.
        if (bar) process.stderr.write(`\r\x1b[2K${line}\n`);
        else out.note(line);
      }
      bar?.update(log.epoch, { loss: log.loss.toFixed(4) });
      bar?.render();
    },
    stop() {
      bar?.stop();
    },
  };
}
