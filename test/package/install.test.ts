/**
 * The package as a user gets it: `npm pack`'s tarball, and the git repository (whose `prepare`
 * builds dist/), each installed into an empty project that imports the entries and runs the
 * `backprop` command. Slow (npm installs the dependencies; from git also the dev dependencies),
 * so each case has minutes, not seconds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What a consumer's script does with the installed package; prints one JSON line. */
const CONSUMER = `
import { NOTES_NETWORK, createNetwork, fit, fromRows, predict, predictTable } from 'backprop';
import { loadModel, readCsv } from 'backprop/node';
import { fitParallel } from 'backprop/parallel';
const net = createNetwork(NOTES_NETWORK, { seed: 1 });
const x = fromRows([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]);
const y = fromRows([[0], [1], [1], [0]]);
const history = fit(net, { x, y }, { epochs: 5, batchSize: 1, optimizer: { name: 'sgd', learningRate: 0.5 } });
console.log(JSON.stringify({
  epochs: history.epochs.length,
  outputs: predict(net, x).data.length,
  parallel: typeof fitParallel,
  // The model \`npx backprop train\` wrote before this script ran, predicted on the data it shipped with.
  predicted: predictTable(loadModel('iris.json'), readCsv(process.argv[2])).rows.length,
}));
`;

/** An empty ESM project in a temporary directory that allows backprop's own `prepare`. */
function emptyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bp-consumer-'));
  const pkg = { name: 'consumer', version: '1.0.0', type: 'module', private: true, allowScripts: { backprop: true } };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(join(dir, 'use.mjs'), CONSUMER);
  return dir;
}

function npm(args: string[], cwd: string): string {
  return execFileSync(NPM, [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

/** Imports the entries and runs the installed command on the data the package ships. */
function checkInstalled(dir: string): void {
  const data = join(dir, 'node_modules', 'backprop', 'data', 'iris.csv');
  const out = execFileSync(
    'npx',
    ['--no-install', 'backprop', 'train', data, '--epochs', '3', '--out', 'iris.json', '--quiet', '--json'],
    { cwd: dir, encoding: 'utf8' },
  );
  expect(JSON.parse(out).command).toBe('train');
  const model = JSON.parse(readFileSync(join(dir, 'iris.json'), 'utf8'));
  expect(model.format).toBe('backprop-model');

  const used = JSON.parse(execFileSync(process.execPath, ['use.mjs', data], { cwd: dir, encoding: 'utf8' }));
  expect(used).toEqual({ epochs: 5, outputs: 4, parallel: 'function', predicted: 150 });
}

describe('installed as a package', () => {
  it('from the npm pack tarball: imports backprop, backprop/node and backprop/parallel, runs npx backprop', () => {
    const packDir = mkdtempSync(join(tmpdir(), 'bp-pack-'));
    // npm test has built dist/ already; --ignore-scripts keeps pack from rebuilding it under
    // the other test files that read it.
    npm(['pack', '--ignore-scripts', '--pack-destination', packDir], REPO);
    const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const dir = emptyProject();
    npm(['install', join(packDir, tarball!)], dir);
    expect(existsSync(join(dir, 'node_modules', 'backprop', 'src'))).toBe(false); // only what `files` lists
    checkInstalled(dir);
  }, 600_000);

  it('from git: prepare builds dist/ in the installed copy', () => {
    const dir = emptyProject();
    npm(['install', `git+file://${REPO}`], dir);
    expect(existsSync(join(dir, 'node_modules', 'backprop', 'dist', 'index.js'))).toBe(true);
    checkInstalled(dir);
  }, 600_000);
});
