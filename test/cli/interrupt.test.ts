/**
 * Ctrl-C (SIGINT) or SIGTERM at a random epoch: the model so far is saved, loadable, with
 * `training.stopReason: "interrupted"` and the epochs run, and train exits 130. A signal in the
 * middle of a long epoch stops it after the current batch (the model says how many of the
 * epoch's batches ran). A second signal quits at once, leaving no partial or temporary file.
 * `demo` trains in the same worker and stops the same way.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BREAST_CANCER, CLI, IRIS, run, tempDir } from './run-cli.js';

/** Starts a long training run and sends `signals` once epoch `at` has been logged. */
function interruptAt(
  dir: string,
  at: number,
  signals: NodeJS.Signals[],
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    [CLI, 'train', IRIS, '--epochs', '1000000', '--log-every', '1', '--batch-size', '1', '--out', 'm.json'],
    { cwd: dir },
  );
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (!sent && new RegExp(`epoch +${at}/`).test(stderr)) {
      sent = true;
      for (const s of signals) child.kill(s);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('interrupting train', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} at a random epoch saves a loadable model marked interrupted, exit 130`, async () => {
      const dir = tempDir();
      const at = 2 + Math.floor(Math.random() * 40);
      const r = await interruptAt(dir, at, [signal]);
      expect(r.code, r.stderr).toBe(130);
      const epochs = Number(
        /interrupted: the model after (\d+) epochs(?: \(the last cut short after \d+ of its \d+ batches\))? written to m\.json/.exec(
          r.stderr,
        )?.[1],
      );
      expect(epochs).toBeGreaterThanOrEqual(at);
      const model = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
      expect(model.training.stopReason).toBe('interrupted');
      expect(model.training.epochsRun).toBe(epochs);
      const ev = run(['evaluate', 'm.json', IRIS, '--json'], dir);
      expect(ev.code).toBe(0);
      expect(JSON.parse(ev.stdout).accuracy).toBeGreaterThan(0);
      expect(readdirSync(dir)).toEqual(['m.json']);
    });
  }

  it('a second SIGINT quits at once: no model, no temporary file', async () => {
    const dir = tempDir();
    const r = await interruptAt(dir, 3, ['SIGINT', 'SIGINT']);
    expect(r.code).toBe(130);
    // The second signal may come after the save (then the model is whole) but never half-way.
    const files = readdirSync(dir);
    expect(files.filter((f) => f !== 'm.json')).toEqual([]);
    if (files.includes('m.json'))
      expect(JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')).training.stopReason).toBe('interrupted');
  });
});

/** A CSV of `rows` rows of 8 seeded features and a binary label (x1 + x2 > 1). */
function longCsv(path: string, rows: number): void {
  let seed = 1;
  const next = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const lines = ['a,b,c,d,e,f,g,h,y'];
  for (let i = 0; i < rows; i++) {
    const v = Array.from({ length: 8 }, () => next().toFixed(3));
    lines.push(`${v.join(',')},${Number(v[0]) + Number(v[1]) > 1 ? 1 : 0}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('interrupting in the middle of an epoch', () => {
  it('SIGINT during a long epoch stops after the current batch: partial epoch saved, exit 130', async () => {
    const dir = tempDir();
    longCsv(join(dir, 'long.csv'), 30000);
    // Two epochs of 21,600 one-row batches (~0.4 s each); the signal goes 50 ms after the first
    // has been logged, so that it lands inside the second (sent at once, it could land between
    // the two on a loaded machine, and the run stops after one whole epoch instead).
    const child = spawn(
      process.execPath,
      [CLI, 'train', 'long.csv', '--epochs', '2', '--batch-size', '1', '--hidden', '48,48', '--out', 'm.json'],
      { cwd: dir },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      const had = /epoch 1\/2/.test(stderr);
      stderr += d.toString();
      if (!had && /epoch 1\/2/.test(stderr)) setTimeout(() => child.kill('SIGINT'), 50);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    const model = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
    expect(model.training.stopReason).toBe('interrupted');
    expect(model.training.epochsRun).toBe(2);
    const { trainRows } = model.training;
    expect(model.training.partialEpoch.of).toBe(trainRows);
    // Sooner than the epoch would have ended: some of its batches ran, not all.
    expect(model.training.partialEpoch.batches).toBeGreaterThan(0);
    expect(model.training.partialEpoch.batches).toBeLessThan(trainRows);
    expect(stderr).toMatch(
      new RegExp(
        `interrupted: the model after 2 epochs \\(the last cut short after ${model.training.partialEpoch.batches} of its ${trainRows} batches\\) written to m\\.json`,
      ),
    );
    const ev = run(['evaluate', 'm.json', 'long.csv', '--json'], dir);
    expect(ev.code, ev.stderr).toBe(0);
    expect(JSON.parse(ev.stdout).accuracy).toBeGreaterThan(0.5);
    expect(readdirSync(dir).sort()).toEqual(['long.csv', 'm.json']);
  });
});

describe('interrupting demo', () => {
  it('SIGINT saves the model so far, marked interrupted, and exits 130 without the explanation', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [CLI, 'demo', '--out', 'm.json'], { cwd: dir });
    let stdout = '';
    let stderr = '';
    // The first line is printed just before training starts in its worker.
    child.stdout.on('data', (d: Buffer) => {
      if (stdout === '') child.kill('SIGINT');
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    const model = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
    expect(model.training.stopReason).toBe('interrupted');
    expect(model.training.epochsRun).toBeLessThan(100);
    expect(stderr).toMatch(/interrupted: the model after \d+ epochs.* written to m\.json/);
    expect(stdout).not.toMatch(/Example: the first test example/);
    const ev = run(['evaluate', 'm.json', BREAST_CANCER, '--json'], dir);
    expect(ev.code, ev.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual(['m.json']);
  });
});
