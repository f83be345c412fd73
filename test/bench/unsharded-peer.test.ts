/**
 * The bench's `backprop-unsharded` peer (the engine alone on one thread, for issue 13's
 * one-thread targets) trains exactly as the reference path does: after the same epochs on the
 * same data its held-out loss is the reference peer's to the bit, on W2 and on W3 (where `fit`
 * itself would shard the run), and it ran the WebAssembly engine.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/run.js';

describe('bench peer backprop-unsharded', () => {
  it('ran the WebAssembly engine and matches backprop-ref bit for bit on W2 and W3', () => {
    const args = ['--smoke', '--json', '--workload', 'W2,W3', '--peers', 'backprop-ref,backprop-unsharded'];
    const skips = ['--no-memory', '--no-ingest', '--no-browser', '--no-stream', '--no-cli'];
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args, ...skips], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as BenchResults;
    expect(res.workloads.map((w) => w.id)).toEqual(['W2', 'W3']);
    for (const w of res.workloads) {
      const ref = w.results.find((p) => p.peer === 'backprop-ref')!;
      const ours = w.results.find((p) => p.peer === 'backprop-unsharded')!;
      expect(ours.status, ours.error).toBe('ok');
      expect(ours.details?.engine, w.id).toBe('wasm');
      expect(ours.lossAfter!, w.id).toBeLessThan(ours.lossBefore!);
      expect(Object.is(ours.lossAfter, ref.lossAfter), `${w.id}: ${ours.lossAfter} vs ${ref.lossAfter}`).toBe(true);
    }
  }, 250_000);
});
