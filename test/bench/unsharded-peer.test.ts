/**
 * The bench's `backprop-unsharded` peer (the engine alone on one thread, for issue 13's
 * one-thread targets) trains exactly as the reference path does when neither is sharded: after an
 * epoch of W3 (784-256-1, batch 64) its weights are the unsharded reference engine's to the bit.
 * `backprop-ref` is `fit` with the reference engine, which shards W3 as it shards the engine (each
 * gradient summed in two halves, then added), so on W3 the peers agree to rounding, not to the
 * bit; on W2, which `fit` leaves unsharded, their held-out losses are equal to the bit.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { engineEpoch } from '../../bench/peers/backprop.js';
import type { BenchResults } from '../../bench/run.js';
import { makeProblem, SMOKE_EVAL_SAMPLES, WORKLOADS } from '../../bench/workloads.js';
import { cloneNetwork } from '../../src/index.js';
import { parameterArrays } from '../../src/nn/network.js';

describe('bench peer backprop-unsharded', () => {
  it('is the unsharded reference engine, weight for weight, after a W3 epoch', () => {
    const w = WORKLOADS.W3;
    const p = makeProblem(w, w.smokeSamples, SMOKE_EVAL_SAMPLES);
    const data = {
      x: { rows: p.samples, cols: w.inputs, data: p.x },
      y: { rows: p.samples, cols: 1, data: p.y },
    };
    const ours = cloneNetwork(p.initial);
    const ref = cloneNetwork(p.initial);
    expect(engineEpoch('auto', ours, data, w.batchSize).name).toBe('wasm');
    expect(engineEpoch('reference', ref, data, w.batchSize).name).toBe('reference');
    const a = parameterArrays(ours);
    const b = parameterArrays(ref);
    let moved = 0;
    a.forEach((arr, i) => {
      arr.forEach((v, j) => {
        if (v !== parameterArrays(p.initial)[i][j]) moved++;
        if (!Object.is(v, b[i][j])) throw new Error(`array ${i} [${j}]: ${v} vs reference ${b[i][j]}`);
      });
    });
    expect(moved).toBeGreaterThan(1000);
  });

  it('ran the WebAssembly engine in the bench, equal to backprop-ref on W2 and within rounding on W3', () => {
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
      if (w.id === 'W2') {
        expect(Object.is(ours.lossAfter, ref.lossAfter), `W2: ${ours.lossAfter} vs ${ref.lossAfter}`).toBe(true);
      } else {
        expect(Math.abs(ours.lossAfter! - ref.lossAfter!), `W3: ${ours.lossAfter} vs ${ref.lossAfter}`).toBeLessThan(
          1e-12,
        );
      }
    }
  }, 250_000);
});
