/** Runs the BUILT command (`npm test` builds first) in a directory, capturing everything. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');
export const CLI = join(REPO, 'dist', 'cli', 'main.js');
export const BREAST_CANCER = join(REPO, 'data', 'breast-cancer.csv');
export const IRIS = join(REPO, 'data', 'iris.csv');
export const fixture = (name: string) => join(REPO, 'test', 'fixtures', name);

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bp-cli-'));
}

/** `node dist/cli/main.js ...args` in `cwd`, with optional stdin. */
export function run(args: string[], cwd: string, input?: string): RunResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
