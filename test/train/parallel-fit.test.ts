/**
 * fitParallel: `fit` with its `threads` option, kept as the `backprop/parallel` entry. Each batch
 * is split between worker threads without changing a bit, so it is held to the bits of `fit` on
 * one thread (weights and logs), and to bit-for-bit reproducibility run to run. The worker threads run from
 * the TypeScript sources here (through tsx); one test runs the built dist/ in a child process
 * and checks that it exits on its own (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  cloneNetwork,
  createNetwork,
  createOptimizer,
  createRandom,
  type Dataset,
  fit,
  fromRows,
  type History,
  type Network,
  type NetworkConfig,
} from '../../src/index.js';
import { fitParallel, type ParallelFitOptions } from '../../src/parallel.js';

const REPO = join(import.meta.dirname, '..', '..');

/** n examples of `d` standard-normal features; a binary target, or a one-hot of `classes`. */
function synthetic(n: number, d: number, classes: number, seed: number): Dataset {
  const rng = createRandom(seed);
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: d }, () => rng.normal());
    const s = row[0] - 0.5 * row[1] + 0.3 * row[2] * row[3] + 0.3 * rng.normal();
    if (classes === 1) ys.push([s > 0 ? 1 : 0]);
    else {
      const c = s < -0.5 ? 0 : s < 0.5 ? 1 : 2;
      ys.push(Array.from({ length: classes }, (_, j) => (j === c ? 1 : 0)));
    }
    xs.push(row);
  }
  return { x: fromRows(xs), y: fromRows(ys) };
}

const BINARY: NetworkConfig = {
  inputSize: 20,
  layers: [
    { units: 16, activation: 'sigmoid' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: { name: 'binary_crossentropy' },
};
const SOFTMAX: NetworkConfig = {
  inputSize: 20,
  layers: [
    { units: 16, activation: 'tanh' },
    { units: 3, activation: 'softmax' },
  ],
  loss: { name: 'categorical_crossentropy' },
};
/** Softmax in a hidden layer: the WebAssembly kernels do not cover it. */
const HIDDEN_SOFTMAX: NetworkConfig = {
  inputSize: 20,
  layers: [
    { units: 8, activation: 'softmax' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: { name: 'binary_crossentropy' },
};

// 1000 rows in batches of 64: 15 full batches and a partial one of 40.
const binaryData = synthetic(1000, 20, 1, 1);
const softmaxData = synthetic(1000, 20, 3, 2);

function weights(net: Network): Float64Array[] {
  return net.layers.flatMap((l) => [l.kernel.data, l.bias]);
}

/** Every weight's bytes: equal bytes are equal bits. */
function bits(net: Network): string {
  return weights(net)
    .map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('hex'))
    .join('|');
}

/** The same weights, bit for bit, and the same epoch logs. */
function expectSame(ref: Network, par: Network, refHistory: History, parHistory: History): void {
  expect(bits(par)).toBe(bits(ref));
  expect(parHistory.epochs).toEqual(refHistory.epochs);
}

/** Trains copies of the same initial network with fit on one thread and fitParallel. */
async function both(config: NetworkConfig, data: Dataset, options: ParallelFitOptions) {
  const net = createNetwork(config, { seed: 7 });
  const ref = cloneNetwork(net);
  const par = cloneNetwork(net);
  const { workers: _, ...one } = options;
  const refHistory = fit(ref, data, { ...one, threads: 1 });
  const parHistory = await fitParallel(par, data, options);
  return { ref, par, refHistory, parHistory };
}

describe('fitParallel', () => {
  it("gives fit's bits (20-16-1 sigmoid/BCE, batch 64 with a partial last batch, 2 workers)", async () => {
    const opts = { epochs: 4, batchSize: 64, optimizer: { name: 'sgd', learningRate: 0.5 }, workers: 2 } as const;
    const { ref, par, refHistory, parHistory } = await both(BINARY, binaryData, opts);
    expect(parHistory.workers).toBe(2);
    expect(parHistory.engine).toBe(refHistory.engine); // wasm where available: the same engine
    expectSame(ref, par, refHistory, parHistory);
    expect(refHistory.epochs[3].loss).toBeLessThan(refHistory.epochs[0].loss); // it learned
  });

  it("gives fit's bits (20-16-3 tanh/softmax/CCE, Adam, L2, validation, 3 workers)", async () => {
    const val = synthetic(200, 20, 3, 3);
    const opts: ParallelFitOptions = {
      epochs: 4,
      batchSize: 64,
      optimizer: { name: 'adam', learningRate: 0.01 },
      l2: 1e-3,
      validationData: val,
      workers: 3,
    };
    const { ref, par, refHistory, parHistory } = await both(SOFTMAX, softmaxData, opts);
    expectSame(ref, par, refHistory, parHistory);
  });

  it('refuses workers > 1 on the reference engine and on a network the kernels do not cover', async () => {
    const opts: ParallelFitOptions = { epochs: 1, batchSize: 64, workers: 2 };
    await expect(both(BINARY, binaryData, { ...opts, engine: 'reference' })).rejects.toThrow(
      /engine 'reference' runs on one thread/,
    );
    await expect(both(HIDDEN_SOFTMAX, binaryData, opts)).rejects.toThrow(/do not cover this network/);
  });

  it('steps an optimiser object passed in on the calling thread, advancing its step count as fit does', async () => {
    const opts = { epochs: 2, batchSize: 64, workers: 2 };
    const net = createNetwork(BINARY, { seed: 7 });
    const ref = cloneNetwork(net);
    const refOptimizer = createOptimizer({ name: 'nesterov', learningRate: 0.05 });
    const parOptimizer = createOptimizer({ name: 'nesterov', learningRate: 0.05 });
    const refHistory = fit(ref, binaryData, { ...opts, optimizer: refOptimizer });
    const parHistory = await fitParallel(net, binaryData, { ...opts, optimizer: parOptimizer });
    expect(parOptimizer.iterations).toBe(refOptimizer.iterations);
    expect(parOptimizer.iterations).toBe(2 * 16);
    expectSame(ref, net, refHistory, parHistory);
  });

  it('is bit-for-bit reproducible run to run with 2 workers (weights and logs, with an L2 penalty)', async () => {
    const opts = { epochs: 3, batchSize: 64, optimizer: { name: 'adam' }, l2: 1e-3, workers: 2 } as const;
    const a = createNetwork(BINARY, { seed: 7 });
    const b = cloneNetwork(a);
    const ha = await fitParallel(a, binaryData, opts);
    const hb = await fitParallel(b, binaryData, opts);
    expect(hb.epochs).toEqual(ha.epochs);
    weights(a).forEach((w, i) => expect(Buffer.from(weights(b)[i].buffer).equals(Buffer.from(w.buffer))).toBe(true));
  });

  it('workers: 1 is fit, exactly', async () => {
    const opts = { epochs: 2, batchSize: 64, optimizer: { name: 'sgd', learningRate: 0.5 } } as const;
    const a = createNetwork(BINARY, { seed: 7 });
    const b = cloneNetwork(a);
    const ha = fit(a, binaryData, opts);
    const hb = await fitParallel(b, binaryData, { ...opts, workers: 1 });
    expect(hb).toEqual({ ...ha, workers: 1 });
    expect(weights(b)).toEqual(weights(a));
  });

  it('rejects a workers count that is not an integer ≥ 1 with a ConfigError, leaving the network unchanged', async () => {
    const net = createNetwork(BINARY, { seed: 7 });
    const before = weights(cloneNetwork(net));
    for (const workers of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(fitParallel(net, binaryData, { workers })).rejects.toThrow(ConfigError);
    }
    await expect(fitParallel(net, binaryData, { workers: 2, batchSize: 0 })).rejects.toThrow(ConfigError);
    expect(weights(net)).toEqual(before);
  });

  it('passes on a callback error and still terminates its workers; stops on a callback returning false', async () => {
    const net = createNetwork(BINARY, { seed: 7 });
    const boom = new Error('boom');
    const run = fitParallel(net, binaryData, {
      workers: 2,
      onBatchEnd: ({ batch }) => {
        if (batch === 3) throw boom;
      },
    });
    await expect(run).rejects.toBe(boom);
    const h = await fitParallel(net, binaryData, { workers: 2, epochs: 5, onEpochEnd: ({ epoch }) => epoch < 2 });
    expect(h.stopReason).toBe('callback');
    expect(h.epochs.length).toBe(2);
  });

  it('from the built dist/: the process exits on its own after training and after a failure', () => {
    const dist = join(REPO, 'dist', 'index.js');
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build\` first (npm test does)`);
    const script = `
      const m = { ...(await import(${JSON.stringify(new URL(`file://${dist}`).href)})), ...(await import(${JSON.stringify(new URL(`file://${join(REPO, 'dist', 'parallel.js')}`).href)})) };
      const net = m.createNetwork(${JSON.stringify(BINARY)}, { seed: 1 });
      const rng = m.createRandom(1);
      const x = m.zeros(500, 20), y = m.zeros(500, 1);
      for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
      for (let i = 0; i < 500; i++) y.data[i] = x.data[i * 20] > 0 ? 1 : 0;
      const h = await m.fitParallel(net, { x, y }, { workers: 2, epochs: 2, batchSize: 64 });
      const err = await m.fitParallel(net, { x, y }, { workers: 2, onBatchEnd: () => { throw new Error('x'); } }).catch((e) => e.message);
      console.log(JSON.stringify({ engine: h.engine, epochs: h.epochs.length, err }));
    `;
    const file = join(mkdtempSync(join(tmpdir(), 'bp-parallel-')), 'run.mjs');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0); // null if it hung until the timeout
    expect(JSON.parse(r.stdout)).toEqual({ engine: 'wasm', epochs: 2, err: 'x' });
  });
});
