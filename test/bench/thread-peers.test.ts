/**
 * The bench's thread peers: `backprop-1t` (issue 13's one-thread figure) and `backprop-2t` (each
 * batch split between two threads) train to the bits of `backprop-ref` (the reference path, in
 * JavaScript) on W2 and on W3, whose batches the split does divide; so the ratio the bench prints
 * between them compares the speed of one computation, not two.
 */
import { describe, expect, it } from 'vitest';
import { benchTableSmoke } from '../helpers/bench-table.js';

describe('bench peers backprop-1t and backprop-2t', () => {
  it('ran the WebAssembly engine on one and two threads, to the held-out loss of backprop-ref, bit for bit', () => {
    const res = benchTableSmoke('W2,W3', 'backprop-ref,backprop-1t,backprop-2t');
    expect(res.workloads.map((w) => w.id)).toEqual(['W2', 'W3']);
    for (const w of res.workloads) {
      const peer = (name: string) => w.results.find((p) => p.peer === name)!;
      const ref = peer('backprop-ref');
      expect(ref.details?.engine, w.id).toBe('reference');
      expect(peer('backprop-1t').details?.engine, w.id).toBe('wasm');
      expect(peer('backprop-2t').details?.engine, w.id).toBe('wasm, 2 threads');
      for (const ours of [peer('backprop-1t'), peer('backprop-2t')]) {
        expect(ours.status, ours.error).toBe('ok');
        expect(ours.lossAfter!, w.id).toBeLessThan(ours.lossBefore!);
        expect(
          Object.is(ours.lossAfter, ref.lossAfter),
          `${w.id} ${ours.peer}: ${ours.lossAfter} vs ${ref.lossAfter}`,
        ).toBe(true);
      }
    }
    // Issue 13 item 4's ratio, from the two peers' runs alternated in one process.
    const pair = res.pairs?.find((p) => p.workload === 'W3');
    expect(pair?.status, pair?.error).toBe('ok');
    expect(pair?.peers).toEqual(['backprop-2t', 'backprop-1t']);
    const [two, one] = pair!.samplesPerSec!;
    const target = res.targets.find((t) => t.ours === 'backprop-2t');
    expect(target?.alternated).toBe('process');
    expect(target?.actual).toBe(two / one);
  }, 250_000);
});
