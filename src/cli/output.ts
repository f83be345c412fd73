/**
 * Where the CLI's words go: results for a person on stdout, progress and notes on stderr,
 * `--json` puts exactly one JSON document on stdout, `--quiet` silences everything else.
 */
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
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

/** The output for a command's `--json` / `--quiet` flags. */
export function createOutput(options: OutputOptions): Output {
  const json = options.json ?? false;
  const quiet = options.quiet ?? false;
  return {
    json,
    quiet,
    result(line = '') {
      if (!json && !quiet) process.stdout.write(`${line}\n`);
    },
    note(line) {
      if (!quiet) process.stderr.write(`${line}\n`);
    },
    document(value) {
      if (json) process.stdout.write(`${toJson(value)}\n`);
    },
  };
}
