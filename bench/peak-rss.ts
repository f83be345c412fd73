/**
 * A process's peak resident set size, measured so that its parent's size does not leak in. On
 * Linux, `process.resourceUsage().maxRSS` of a process started by fork + exec (as `spawn` starts
 * one) is the larger of its own peak and its parent's RSS at the fork: exec keeps the high-water
 * mark of the memory it replaced. A child of a 276 MB test runner reads 276 MB however little it
 * used. VmHWM in /proc/self/status is the peak of the process's own memory only.
 */
import { readFileSync } from 'node:fs';

/** This process's peak RSS in bytes: VmHWM where /proc has it, else `maxRSS`. */
export function peakRss(): number {
  try {
    const kb = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (kb) return Number(kb[1]) * 1024;
  } catch {
    // no /proc: not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** The same measurement as source text for a module loaded with `--import`, printing `maxrss=<bytes>` on stderr at exit. */
const REPORTER = `import { readFileSync } from 'node:fs';
process.on('exit', () => {
  let bytes;
  try { bytes = Number(/VmHWM:\\s*(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024; }
  catch { bytes = process.resourceUsage().maxRSS * 1024; }
  process.stderr.write('\\nmaxrss=' + bytes + '\\n');
});`;

/** `--import` this (a data: URL) into a child process to have it report its peak RSS; read it with {@link reportedPeakRss}. */
export const REPORT_PEAK_RSS = `data:text/javascript,${encodeURIComponent(REPORTER)}`;

/** The peak RSS a child reported on its stderr (NaN if it did not). */
export function reportedPeakRss(stderr: string): number {
  return Number(/maxrss=(\d+)/.exec(stderr)?.[1]);
}
