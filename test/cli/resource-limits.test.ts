import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../../src/data/csv.js';
import { BREAST_CANCER, run, tempDir } from './run-cli.js';

/** Runs a command that must fail as a user error: one line, exit 2, no stack, quickly. */
function refused(args: string[], dir = tempDir()): string {
  const t0 = Date.now();
  const r = run(args, dir);
  const seconds = (Date.now() - t0) / 1000;
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |RangeError|heap/);
  // Under a second of work; the bound allows for node's start-up on a busy machine.
  expect(seconds).toBeLessThan(5);
  return r.stderr.trim();
}

describe('resource limits (issue 9.4)', () => {
  it('refuses networks that do not fit, saying how big they would be', () => {
    expect(refused(['train', BREAST_CANCER, '--hidden', '100000,100000', '--out', 'm.json'])).toMatch(
      /the network 30-100000-100000-1 would have 10,003,300,001 parameters \(80\.0 GB of weights/,
    );
    expect(refused(['init', '--sizes', '100000,100000,1', '--out', 'm.json'])).toMatch(/10,000,200,001 parameters/);
    expect(refused(['init', '--sizes', '30000,30000,1', '--out', 'm.json'])).toMatch(
      /900,060,001 parameters \(7\.2 GB of weights, about 36\.0 GB to train\), over the limit of 10,000,000 \(raise it with --max-parameters\)/,
    );
    // Raising the limit does not help a network bigger than the machine.
    expect(
      refused(['init', '--sizes', '100000,100000,1', '--max-parameters', '100000000000', '--out', 'm.json']),
    ).toMatch(/10,000,200,001 parameters .*(does not fit in memory|of memory there is)/);
    expect(refused(['init', '--sizes', '3,40,1', '--max-parameters', '100', '--out', 'm.json'])).toMatch(
      /201 parameters.*over the limit of 100/,
    );
  });

  it('refuses a CSV line over the limit with its line number, and /dev/zero at once', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'long.csv'), `a,b\n1,2\n3,${'9'.repeat(MAX_LINE_BYTES + 10)}\n`);
    expect(refused(['train', 'long.csv', '--out', 'm.json'], dir)).toBe(
      'backprop: long.csv line 3: longer than 16 MiB, the longest line backprop reads (is it a CSV file?)',
    );
    expect(refused(['train', '/dev/zero', '--out', 'm.json'], dir)).toMatch(/\/dev\/zero line 1: a NUL character/);
  });
});
