/**
 * Where the CLI's words go: results for a person on stdout, progress and notes on stderr,
 * `--json` puts exactly one JSON document on stdout, `--quiet` silences everything else.
 * Control characters in a line (a label or feature name from a shared model file or CSV) are
 * escaped, so that nothing printed can drive the terminal.
 */
import { escapeControl } from '../data/safe-text.js';

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
}

export interface Output {
  readonly json: boolean;
  readonly quiet: boolean;
  /** A line of the human-readable result (stdout; not with --json or --quiet). */
  result(line?: string): void;
  /** A progress or diagnostic line (stderr; not with --quiet). */
  note(line: string): void;
  /** The one JSON document (stdout; only with --json). */
  document(value: unknown): void;
}

/** JSON with NaN and ±Infinity as null (JSON has no such numbers). */
export function toJson(value: unknown): string {
  // JSON escapes C0 controls itself; DEL, C1 and the line separators are escaped here too.
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The output for a command's `--json` / `--quiet` flags. */
export function createOutput(options: OutputOptions): Output {
  const json = options.json ?? false;
  const quiet = options.quiet ?? false;
  return {
    json,
    quiet,
    result(line = '') {
      if (!json && !quiet) process.stdout.write(`${escapeControl(line)}\n`);
    },
    note(line) {
      if (!quiet) process.stderr.write(`${escapeControl(line)}\n`);
    },
    document(value) {
      if (json) process.stdout.write(`${toJson(value)}\n`);
    },
  };
}
