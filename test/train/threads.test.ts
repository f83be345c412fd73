/**
 * fit's threads: a run whose parameter count × batch size reaches SHARDED_WORK is cut into two
 * shards per batch, computed on up to two threads. The reduction is fixed by the shards, so the
 * weights must be the same bits for threads 1, 2, 3 and the default, and must equal, bit for
 * bit, an independent re-computation of the sharded step from the reference path's
 * `computeGradients` (each half's mean gradient, weighted by its share of the batch, added in
 * shard order, then the optimiser). Runs below the rule stay unsharded (the reference path's
 * bits, covered by engines.test.ts). The CLI's --threads is checked on the built dist/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  cloneNetwork,
  computeGradients,
  createNetwork,
  createOptimizer,
  createRandom,
  type Dataset,
  type FitOptions,
  fit,
  type History,
  type Matrix,
  type Network,
  type OptimizerConfig,
  zeros,
} from '../../src/index.js';
import { SHARDED_WORK } from '../../src/train/parallel-fit.js';
import { run, tempDir } from '../cli/run-cli.js';
import { sigmoidNet } from '../helpers/networks.js';

/** 60-256-1: 15,873 parameters; with batch 256 that is 4.06M ≥ SHARDED_WORK. */
const WIDE = sigmoidNet(60, 256);
const BATCH = 256;

/** n rows of standard-normal features and a noisy linear 0/1 label. */
function synthetic(n: number, d: number, seed: number): Dataset {
  const rng = createRandom(seed);
  const x = zeros(n, d);
  const y = zeros(n, 1);
  for (let i = 0; i < n; i++) {
    let s = 0.3 * rng.normal();
    for (let j = 0; j < d; j++) {
      const v = rng.normal();
      x.data[i * d + j] = v;
      if (j < 5) s += v / (j + 1);
    }
    y.data[i] = s > 0 ? 1 : 0;
  }
  return { x, y };
}

// 4 full batches and a last one of 76 rows.
const data = synthetic(1100, 60, 3);
const validation = synthetic(200, 60, 4);

function params(net: Network): Float64Array[] {
  return net.layers.flatMap((l) => [l.kernel.data, l.bias]);
}

/** Every weight's bytes: equal bytes are equal bits (−0 and NaN included). */
function bits(net: Network): string {
  return params(net)
    .map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('hex'))
    .join('|');
}

function rowsOf(m: Matrix, order: Uint32Array, start: number, count: number): Matrix {
  const out = zeros(count, m.cols);
  for (let i = 0; i < count; i++)
    out.data.set(m.data.subarray(order[start + i] * m.cols, (order[start + i] + 1) * m.cols), i * m.cols);
  return out;
}

/**
 * The sharded run written out from the reference path: per batch, the mean gradient of each
 * half (rows [0, ⌊size/2⌋) and [⌊size/2⌋, size)) from computeGradients, combined as
 * (s₀/size)·g₀ + (s₁/size)·g₁, plus 2·l2·kernel, then the optimiser's step.
 */
function shardedByHand(net: Network, d: Dataset, epochs: number, optimizer: OptimizerConfig, l2: number, seed: number) {
  const opt = createOptimizer(optimizer);
  const n = d.x.rows;
  const order = new Uint32Array(n).map((_, i) => i);
  const rng = createRandom(seed);
  const ps = params(net);
  const kernels = new Set(net.layers.map((l) => l.kernel.data));
  for (let e = 0; e < epochs; e++) {
    rng.shuffle(order);
    for (let start = 0; start < n; start += BATCH) {
      const size = Math.min(BATCH, n - start);
      const half = Math.floor(size / 2);
      const parts = [
        [0, half],
        [half, size],
      ].filter(([a, b]) => b > a);
      const grads = parts.map(([a, b]) => {
        const g = computeGradients(net, rowsOf(d.x, order, start + a, b - a), rowsOf(d.y, order, start + a, b - a));
        return g.gradients.flatMap((lg) => [lg.kernel.data, lg.bias]);
      });
      const combined = ps.map((p, i) => {
        const c = new Float64Array(p.length);
        for (let j = 0; j < p.length; j++) {
          let v = ((parts[0][1] - parts[0][0]) / size) * grads[0][i][j];
          if (parts.length === 2) v = v + ((parts[1][1] - parts[1][0]) / size) * grads[1][i][j];
          c[j] = v;
        }
        if (l2 > 0 && kernels.has(p)) for (let j = 0; j < p.length; j++) c[j] += 2 * l2 * p[j];
        return c;
      });
      opt.step(ps, combined);
    }
  }
}

/** Trains a copy of the seed-7 network with `fit` and `options`. */
function train(options: FitOptions): { net: Network; history: History } {
  const net = createNetwork(WIDE, { seed: 7 });
  const history = fit(net, data, { epochs: 2, batchSize: BATCH, seed: 5, ...options });
  return { net, history };
}

describe("fit's threads", () => {
  it('the rule shards 60-256-1 with batch 256, not with batch 64 (parameters × batch) nor 784-256-1 with batch 32 (the batch)', () => {
    expect(15_873 * BATCH).toBeGreaterThanOrEqual(SHARDED_WORK);
    expect(15_873 * 64).toBeLessThan(SHARDED_WORK);
    expect(train({ optimizer: { name: 'sgd', learningRate: 0.5 } }).history.threads).toBeGreaterThanOrEqual(1);
    expect(train({ batchSize: 64, epochs: 1 }).history.threads).toBeUndefined();
    // A batch below SHARDED_BATCH is never sharded on its own, however many parameters.
    const big = createNetwork({ ...WIDE, inputSize: 784 }, { seed: 1 });
    const rows = { x: zeros(40, 784), y: zeros(40, 1) };
    expect(784 * 256 * 32).toBeGreaterThanOrEqual(SHARDED_WORK);
    expect(fit(big, rows, { batchSize: 32, epochs: 0 }).threads).toBeUndefined();
  });

  it('plain SGD: the same bits for threads 1, 2, 3 and the default, equal to the sharded step by hand', () => {
    const sgd = { name: 'sgd', learningRate: 0.05 } as const;
    const runs = [undefined, 1, 2, 3].map((threads) => train({ optimizer: sgd, ...(threads ? { threads } : {}) }));
    expect(runs.map((r) => r.history.threads)).toEqual([runs[0].history.threads, 1, 2, 2]);
    const byHand = createNetwork(WIDE, { seed: 7 });
    shardedByHand(byHand, data, 2, sgd, 0, 5);
    for (const r of runs) {
      expect(bits(r.net)).toBe(bits(byHand));
      expect(r.history.epochs).toEqual(runs[0].history.epochs);
    }
    // It learned.
    const first = runs[0].history.epochs;
    expect(first[1].loss).toBeLessThan(first[0].loss);
  });

  it('Adam with L2 and validation data: the same bits for threads 1 and 2, equal to the sharded step by hand', () => {
    const adam = { name: 'adam', learningRate: 0.01 } as const;
    const options = { optimizer: adam, l2: 1e-3, validationData: validation };
    const one = train({ ...options, threads: 1 });
    const two = train({ ...options, threads: 2 });
    const byHand = createNetwork(WIDE, { seed: 7 });
    shardedByHand(byHand, data, 2, adam, 1e-3, 5);
    expect(bits(one.net)).toBe(bits(byHand));
    expect(bits(two.net)).toBe(bits(byHand));
    expect(two.history.epochs).toEqual(one.history.epochs);
    expect(one.history.epochs[1].valLoss).toBeDefined();
  });

  it('one thread computes the shards in the engine itself, on either engine, with a last batch of one row', () => {
    // 4 full batches and a last one of 1 row, whose only shard is shard 1.
    const odd = {
      x: rowsOf(
        data.x,
        new Uint32Array(1025).map((_, i) => i),
        0,
        1025,
      ),
      y: rowsOf(
        data.y,
        new Uint32Array(1025).map((_, i) => i),
        0,
        1025,
      ),
    };
    const sgd = { name: 'sgd', learningRate: 0.05 } as const;
    const runs = (['wasm', 'reference', 'auto'] as const).map((engine) => {
      const net = createNetwork(WIDE, { seed: 7 });
      const history = fit(net, odd, { epochs: 2, batchSize: BATCH, seed: 5, optimizer: sgd, engine, threads: 1 });
      return { net, history };
    });
    expect(runs.map((r) => [r.history.engine, r.history.threads])).toEqual([
      ['wasm', 1],
      ['reference', 1],
      ['wasm', 1],
    ]);
    const two = createNetwork(WIDE, { seed: 7 });
    fit(two, odd, { epochs: 2, batchSize: BATCH, seed: 5, optimizer: sgd, threads: 2 });
    const byHand = createNetwork(WIDE, { seed: 7 });
    shardedByHand(byHand, odd, 2, sgd, 0, 5);
    for (const r of runs) {
      expect(bits(r.net)).toBe(bits(byHand));
      expect(r.history.epochs).toEqual(runs[0].history.epochs);
    }
    expect(bits(two)).toBe(bits(byHand));
  });

  it('an optimiser object (momentum) is stepped on the calling thread: the same bits for threads 1 and 2', () => {
    const cfg = { name: 'momentum', learningRate: 0.1, momentum: 0.9 } as const;
    const a = createOptimizer(cfg);
    const b = createOptimizer(cfg);
    const one = train({ optimizer: a, threads: 1 });
    const two = train({ optimizer: b, threads: 2, shuffle: true });
    const byHand = createNetwork(WIDE, { seed: 7 });
    shardedByHand(byHand, data, 2, cfg, 0, 5);
    expect(bits(one.net)).toBe(bits(byHand));
    expect(bits(two.net)).toBe(bits(byHand));
    expect(b.iterations).toBe(a.iterations);
    expect(a.iterations).toBe(2 * 5);
  });

  it('threads: 2 on a small run shards it too (still the same bits as threads 3); threads: 1 there is unsharded fit', () => {
    const small = cloneNetwork(createNetwork(WIDE, { seed: 7 }));
    const opts = { epochs: 1, batchSize: 32, optimizer: { name: 'sgd', learningRate: 0.5 } } as const;
    const two = cloneNetwork(small);
    const three = cloneNetwork(small);
    const one = cloneNetwork(small);
    const ref = cloneNetwork(small);
    expect(fit(two, data, { ...opts, threads: 2 }).threads).toBe(2);
    fit(three, data, { ...opts, threads: 3 });
    expect(fit(one, data, { ...opts, threads: 1 }).threads).toBeUndefined();
    fit(ref, data, { ...opts, engine: 'reference' });
    expect(bits(three)).toBe(bits(two));
    expect(bits(one)).toBe(bits(ref));
    expect(bits(two)).not.toBe(bits(ref));
  });

  it('rejects a threads count that is not an integer ≥ 1, and threads > 1 with sample weights, leaving the network unchanged', () => {
    const net = createNetwork(WIDE, { seed: 7 });
    const before = bits(net);
    for (const threads of [0, -1, 1.5, Number.NaN]) {
      expect(() => fit(net, data, { threads })).toThrow(ConfigError);
    }
    const w = new Float64Array(data.x.rows).fill(1);
    expect(() => fit(net, { ...data, w }, { threads: 2 })).toThrow(/threads > 1 does not weight examples/);
    expect(bits(net)).toBe(before);
  });
});

describe('backprop train --threads (built dist/)', () => {
  it('gives the same model for --threads 1 and 2 and the default, and reports the threads in --json', () => {
    const dir = tempDir();
    const csv = join(dir, 'wide.csv');
    const lines = [[...Array.from({ length: 60 }, (_, j) => `f${j}`), 'label'].join(',')];
    for (let i = 0; i < data.x.rows; i++) {
      const row = Array.from(data.x.data.subarray(i * 60, (i + 1) * 60), (v) => v.toFixed(6));
      lines.push([...row, data.y.data[i] === 1 ? 'yes' : 'no'].join(','));
    }
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const args = ['train', csv, '--hidden', '256', '--batch-size', '256', '--epochs', '2', '--json', '--quiet'];
    const results = [['--threads', '1'], ['--threads', '2'], []].map((extra, k) => {
      const out = `m${k}.json`;
      const r = run([...args, '--out', out, ...extra], dir);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const model = JSON.parse(readFileSync(join(dir, out), 'utf8'));
      return { engine: JSON.parse(r.stdout).engine, weights: JSON.stringify(model.network ?? model.layers ?? model) };
    });
    expect(results[0].engine).toMatchObject({ name: 'wasm', threads: 1, sharded: true });
    expect(results[1].engine).toMatchObject({ name: 'wasm', threads: 2, sharded: true });
    expect(results[2].engine.sharded).toBe(true);
    expect(results[1].weights).toBe(results[0].weights);
    expect(results[2].weights).toBe(results[0].weights);
    const bad = run([...args, '--out', 'bad.json', '--threads', '0'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/threads/);
  });
});

describe('a sharded run and shouldStop', () => {
  it('stops after the batch at which the check turns true, with the bits of a run stopped there by onBatchEnd', () => {
    const net = createNetwork(WIDE, { seed: 5 });
    const options: FitOptions = { batchSize: BATCH, epochs: 2, optimizer: { name: 'sgd', learningRate: 0.1 } };
    let calls = 0;
    const stopped = cloneNetwork(net);
    // Call 1 is before epoch 1, calls 2–5 follow its batches 1–4, call 6 before epoch 2, call 7 after its batch 1.
    const history = fit(stopped, data, { ...options, threads: 2, shouldStop: () => ++calls >= 7 });
    expect(history.threads).toBe(2);
    expect(history.stopReason).toBe('interrupted');
    expect(history.epochs).toHaveLength(2);
    expect(history.epochs[1].partial).toEqual({ batches: 1, of: 5 });

    const reference = cloneNetwork(net);
    fit(reference, data, { ...options, threads: 1, onBatchEnd: (log) => !(log.epoch === 2 && log.batch === 1) });
    expect(bits(stopped)).toBe(bits(reference));
  });

  it('refuses threads > 1 for a float32 run', () => {
    const net = createNetwork(WIDE, { seed: 5 });
    expect(() => fit(net, data, { dtype: 'float32', batchSize: BATCH, threads: 2 })).toThrow(ConfigError);
  });
});
