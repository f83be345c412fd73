/**
 * Ctrl-C during training: the first SIGINT (or SIGTERM) asks training to stop after the current
 * batch, so that the model so far is saved; a second one exits at once, before anything is
 * written (saves are atomic, so no partial file is left either way).
 */
import type { Output } from './output.js';
import type { EpochReporter } from './progress.js';

/** The exit code after an interruption (128 + SIGINT), as shells report Ctrl-C. */
export const INTERRUPTED = 130;

/**
 * Installs the handlers; `saved()` marks the model as written (a signal after that exits at once
 * too, with nothing left to lose).
 * @param out where the message goes
 * @param reporter the progress bar to clear before a message
 * @param stop asks training to stop after the current batch
 */
export function interruptHandler(
  out: Output,
  reporter: Pick<EpochReporter, 'stop'>,
  stop: () => void,
): { saved(): void } {
  let count = 0;
  const onSignal = () => {
    count++;
    reporter.stop();
    if (count === 1) {
      out.note('interrupted: stopping after this batch to save the model; press Ctrl-C again to quit without saving');
      stop();
      return;
    }
    if (!out.quiet) process.stderr.write('interrupted again: quitting, nothing saved\n');
    process.exit(INTERRUPTED);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    saved() {
      count = Math.max(count, 1);
    },
  };
}
