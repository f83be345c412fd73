/** The bench's training table alone, at smoke sizes, as the bench tests run it. */
import { spawnSync } from 'node:child_process';
import type { BenchResults } from '../../bench/run.js';

/**
 * `bench/run.ts --smoke --json` on `workloads` and `peers` (comma-separated), without the memory,
 * ingest, browser, stream and CLI sections; its JSON, or an error with its stderr.
 */
export function benchTableSmoke(workloads: string, peers: string): BenchResults {
  const args = ['--smoke', '--json', '--workload', workloads, '--peers', peers];
  const skips = ['--no-memory', '--no-ingest', '--no-browser', '--no-stream', '--no-cli'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args, ...skips], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (r.status !== 0) throw new Error(`bench exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as BenchResults;
}
