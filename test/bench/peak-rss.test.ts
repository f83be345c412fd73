/**
 * The peak RSS the bench and the streaming tests read from a child is the child's own: a child of
 * a parent holding 300 MB reports a Node process's size, where `maxRSS` reports the parent's.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPORT_PEAK_RSS, reportedPeakRss } from '../../bench/peak-rss.js';

const MB = 2 ** 20;

describe.runIf(process.platform === 'linux')("a child process's peak RSS", () => {
  it("is its own, not its parent's at the fork", () => {
    const held = Buffer.alloc(300 * MB, 1);
    const r = spawnSync(
      process.execPath,
      ['--import', REPORT_PEAK_RSS, '-e', 'process.stdout.write(String(process.resourceUsage().maxRSS * 1024))'],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    // What maxRSS says in the child: at least the parent's 300 MB.
    expect(Number(r.stdout)).toBeGreaterThan(300 * MB);
    const own = reportedPeakRss(r.stderr);
    expect(own).toBeGreaterThan(10 * MB);
    expect(own).toBeLessThan(150 * MB);
    expect(held[held.length - 1]).toBe(1);
  });
});
