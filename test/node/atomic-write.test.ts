/** Atomic saves: stale temporary files of a killed save are removed by the next save to the same place. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAtomic, writeFileAtomic, writeFilesAtomic } from '../../src/node/atomic-write.js';
import { run, tempDir } from '../cli/run-cli.js';

/** A process id that is not running (checked). */
function deadPid(): number {
  for (let pid = 4_000_000; ; pid++) {
    try {
      process.kill(pid, 0);
    } catch {
      return pid;
    }
  }
}

describe('stale temporary files', () => {
  it('the next save removes those of a dead process, keeps those of a live one and other files', () => {
    const dir = tempDir();
    const dead = `.model.json.${deadPid()}.1700000000000.tmp`;
    const live = `.model.json.${process.ppid}.1700000000000.tmp`;
    for (const f of [dead, live, '.other.json.1.1.tmp', 'keep.txt']) writeFileSync(join(dir, f), 'partial');
    writeFileAtomic(join(dir, 'model.json'), 'whole');
    expect(readdirSync(dir).sort()).toEqual([live, '.other.json.1.1.tmp', 'keep.txt', 'model.json'].sort());
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe('whole');
  });

  it('backprop init cleans up after a killed save to the same file', () => {
    const dir = tempDir();
    const stale = `.m.json.${deadPid()}.1700000000000.tmp`;
    writeFileSync(join(dir, stale), '{"format": "backprop-mo');
    expect(run(['init', '--out', 'm.json', '--quiet'], dir).code).toBe(0);
    expect(readdirSync(dir)).toEqual(['m.json']);
  });
});

describe('several files', () => {
  it('all appear, or none when one cannot be written', () => {
    const dir = tempDir();
    writeFilesAtomic([
      { path: join(dir, 'a'), data: 'A' },
      { path: join(dir, 'b'), data: 'B' },
    ]);
    expect(readFileSync(join(dir, 'a'), 'utf8') + readFileSync(join(dir, 'b'), 'utf8')).toBe('AB');
    writeFileSync(join(dir, 'file'), 'x');
    expect(() =>
      writeFilesAtomic([
        { path: join(dir, 'c'), data: 'C' },
        { path: join(dir, 'file', 'd'), data: 'D' },
      ]),
    ).toThrow(/cannot be written/);
    expect(existsSync(join(dir, 'c'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['a', 'b', 'file']);
  });

  it('a file written in pieces appears only on commit, and not at all on abort', () => {
    const dir = tempDir();
    const f = openAtomic(join(dir, 'p.csv'));
    f.write('a\n');
    expect(existsSync(join(dir, 'p.csv'))).toBe(false);
    f.commit();
    expect(readFileSync(join(dir, 'p.csv'), 'utf8')).toBe('a\n');
    const g = openAtomic(join(dir, 'q.csv'));
    g.write('b');
    g.abort();
    expect(readdirSync(dir)).toEqual(['p.csv']);
  });
});
