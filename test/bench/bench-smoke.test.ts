/**
 * The bench runs: `npm run bench -- --smoke` (tiny sizes) completes, and every peer it includes
 * either learned (held-out loss fell) or is reported as failed or not applicable — none is
 * silently dropped. Bad flags exit with code 2 and a clear message. No timing assertions.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PEERS } from '../../bench/peers/index.js';
import type { BenchResults } from '../../bench/run.js';
import { parseFlags } from '../../bench/run.js';
import { chromiumAvailable } from '../helpers/chromium.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function bench(args: string[], timeout = 400_000) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout,
    maxBuffer: 16 << 20,
  });
}

describe('npm run bench -- --smoke', () => {
  it('runs every peer on every workload and each learned or is reported', () => {
    const r = bench(['--smoke', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as BenchResults;
    expect(res.workloads.map((w) => w.id)).toEqual(['W1', 'W2', 'W3']);
    for (const w of res.workloads) {
      expect(w.results.map((p) => p.peer)).toEqual([...DEFAULT_PEERS]);
      for (const p of w.results) {
        const where = `${w.id} ${p.peer}: ${p.error ?? ''}`;
        expect(['ok', 'failed', 'n/a'], where).toContain(p.status);
        if (p.status === 'ok') {
          expect(p.samplesPerSec, where).toBeGreaterThan(0);
          expect(p.lossAfter!, where).toBeLessThan(p.lossBefore!);
        } else {
          expect(p.error, where).toBeTruthy();
        }
      }
    }
    // backprop itself must run, everywhere.
    for (const w of res.workloads) expect(w.results.find((p) => p.peer === 'backprop')?.status).toBe('ok');
    expect(res.memory?.status, res.memory?.error).toBe('ok');
    expect(res.memory?.growth).toBeTypeOf('number');
    expect(res.ingest?.passes.map((p) => p.mode)).toEqual(['csv-parse', 'loader', 'train', 'train-f32']);
    for (const p of res.ingest!.passes) expect(p.status === 'ok' ? p.rows : p.error).toBeTruthy();
    // The CLI's per-epoch measurement ran both variants on W1 and W2 (the timings of --smoke mean nothing).
    // Streaming predict and evaluate ran on the smoke CSV and scored every row of it.
    expect(res.stream?.passes.map((p) => p.command)).toEqual(['predict', 'evaluate']);
    for (const p of res.stream!.passes) {
      expect(p.status, p.error).toBe('ok');
      expect(p.rows).toBeGreaterThan(10_000);
      expect(p.peakRss).toBeGreaterThan(0);
    }
    expect(res.cli?.map((c) => c.workload)).toEqual(['W1', 'W2']);
    for (const c of res.cli!) {
      expect(c.status, c.error).toBe('ok');
      expect(c.variants?.map((v) => v.validationSplit)).toEqual([0.1, 0]);
      for (const v of c.variants!) expect(v.trainRows).toBeGreaterThan(0);
    }
    // backprop trained in headless Chromium's worker on every workload, and learned.
    if (chromiumAvailable) {
      expect(res.browser?.status, res.browser?.error).toBe('ok');
      expect(res.browser?.runs.map((r) => r.workload)).toEqual(['W1', 'W2', 'W3']);
      for (const r of res.browser!.runs) {
        expect(r.status, r.error).toBe('ok');
        expect(r.samplesPerSec).toBeGreaterThan(0);
        expect(r.lossAfter!).toBeLessThan(r.lossBefore!);
      }
      // The same data and initial weights as the Node peer: the same held-out loss before training
      // (to rounding: Chromium's V8 and Node's need not round every last bit alike).
      for (const w of res.workloads) {
        const node = w.results.find((p) => p.peer === 'backprop')!.lossBefore!;
        const there = res.browser!.runs.find((r) => r.workload === w.id)!.lossBefore!;
        expect(Math.abs(there - node), w.id).toBeLessThan(1e-12 * node);
      }
    }
  }, 420_000); // 2–4 min measured on a loaded 2-core machine (Chromium, the CLI on W1 and W2)

  it('rejects unknown and out-of-range flags with exit code 2', () => {
    const r = bench(['--frobnicate'], 30_000);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
  });
});

describe('bench flags', () => {
  const parse = (...args: string[]) => parseFlags(args, () => {});
  const code = (...args: string[]) => {
    try {
      parse(...args);
    } catch (err) {
      if (err instanceof CommanderError) return { code: err.exitCode, message: err.message };
      throw err;
    }
    return { code: undefined, message: '' };
  };

  it('has defaults: all workloads, the default peers, 3 runs (1 with --smoke)', () => {
    expect(parse()).toMatchObject({ workloads: ['W1', 'W2', 'W3'], peers: [...DEFAULT_PEERS], runs: 3, smoke: false });
    expect(parse('--smoke').runs).toBe(1);
    expect(parse('--workload', 'w2,W1', '--peers', 'c,backprop', '--runs', '5', '--no-ingest')).toMatchObject({
      workloads: ['W2', 'W1'],
      peers: ['c', 'backprop'],
      runs: 5,
      ingest: false,
      memory: true,
      cli: true,
      browser: true,
    });
    expect(parse('--no-cli').cli).toBe(false);
    expect(parse('--no-browser').browser).toBe(false);
    expect(parse('--peers', 'all').peers).toContain('backprop-ref');
  });

  it.each([
    [['--workload', 'W4'], /unknown workload 'W4'/],
    [['--peers', 'backprop,torch'], /unknown peer 'torch'/],
    [['--runs', '0'], /integer from 1 to 100/],
    [['--runs', '2.5'], /integer from 1 to 100/],
    [['--runs', '101'], /integer from 1 to 100/],
    [['--runs'], /argument missing/],
    [['--workload', ','], /comma-separated list/],
    [['W1'], /too many arguments/],
    [['--nope'], /unknown option/],
  ])('%j → exit 2', (args, message) => {
    const r = code(...args);
    expect(r.code).toBe(2);
    expect(r.message).toMatch(message);
  });
});
