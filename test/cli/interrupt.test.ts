/**
 * Ctrl-C (SIGINT) or SIGTERM at a random epoch: the model so far is saved, loadable, with
 * `training.stopReason: "interrupted"` and the epochs run, and train exits 130. A second
 * signal quits at once, leaving no partial or temporary file.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, IRIS, run, tempDir } from './run-cli.js';

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
      const epochs = Number(/interrupted: the model after (\d+) epochs written to m\.json/.exec(r.stderr)?.[1]);
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
