/** Writing to standard output synchronously, a batch at a time, whatever it is connected to. */
import { writeSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes `text` to stdout (fd 1) before returning, so that memory holds one batch however slow
 * the reader: a pipe that is full (EAGAIN, stdout being non-blocking) is waited for, 1 ms at a
 * time. A reader that has gone (EPIPE: `backprop predict … | head`) ends the process quietly,
 * exit 0, as the command line does everywhere.
 * @param text what to write
 * @example
 * writeStdoutSync('probability,label\n');
 */
export function writeStdoutSync(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(1, bytes, off, bytes.length - off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      else if (code === 'EPIPE') process.exit(0);
      else throw err;
    }
  }
}
