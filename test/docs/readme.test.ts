/**
 * The README's library example runs: its first code block under "## The library" is taken from
 * README.md as it is, its `backprop` and `backprop/node` imports pointed at the sources, and run
 * in a fresh directory holding the bundled data. The model file it saves is byte for byte the one
 * `backprop train` writes with the flags the example names.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO, run, tempDir } from '../cli/run-cli.js';

/** tsx by its path: the example runs in a directory without node_modules. */
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** The first ```ts block after the heading. */
function exampleAfter(heading: string): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error(`README.md: no ts code block under ${heading}`);
  return match[1];
}

describe("README's library example", () => {
  it('trains, saves, loads and predicts, writing the model file `backprop train` writes', () => {
    const code = exampleAfter('## The library');
    expect(code).toContain("from 'backprop/node'");
    const script = code
      .replace("from 'backprop/node'", `from ${JSON.stringify(join(REPO, 'src', 'node.ts'))}`)
      .replace("from 'backprop'", `from ${JSON.stringify(join(REPO, 'src', 'index.ts'))}`);
    const dir = tempDir();
    symlinkSync(join(REPO, 'data'), join(dir, 'data'));
    const r = spawnSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^0\.\d+ \[ 'probability', 'label' \] \[ 0\.\d+, '[01]' \]\n$/);

    const cli = run(
      [
        'train',
        'data/breast-cancer.csv',
        '--target',
        'malignant',
        '--features',
        'worst_radius,worst_texture,worst_smoothness',
        '--hidden',
        '4',
        '--batch-size',
        '1',
        '--epochs',
        '20',
        '--seed',
        '0',
        '--out',
        'cli.json',
        '--quiet',
      ],
      dir,
    );
    expect(cli.code).toBe(0);
    expect(readFileSync(join(dir, 'out', 'model.json'), 'utf8')).toBe(readFileSync(join(dir, 'cli.json'), 'utf8'));
  });
});
