/**
 * fit's threads: a batch split between threads — by rows for the forward pass and δ, then by
 * slabs of the weights for their gradients and step — must give the bits of the reference path
 * (`engine: 'reference'`, backProp in JavaScript on one thread: an implementation the split's
 * kernels share no code with) for any thread count, in the weights and in every epoch's log, over
 * the kinds the kernels cover and at sizes that leave short row runs and short slabs. Runs below
 * the rule stay on one thread. The CLI's --threads is checked on the built dist/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  cloneNetwork,
  createNetwork,
  createOptimizer,
  createRandom,
  type Dataset,
  DivergenceError,
  type FitOptions,
  fit,
  type History,
  type Network,
  type NetworkConfig,
  zeros,
} from '../../src/index.js';
import { checkFitOptions } from '../../src/train/fit.js';
import { THREADED_WORK, threadsPay } from '../../src/train/parallel-fit.js';
import { run, tempDir } from '../cli/run-cli.js';
import { sigmoidNet } from '../helpers/networks.js';

/** 60-256-1: 15,873 parameters; with batch 256 that is 4.06M ≥ THREADED_WORK. */
const WIDE = sigmoidNet(60, 256);
const BATCH = 256;

/** n rows of standard-normal features; a noisy linear 0/1 label, or `classes` one-hot classes, or a real target. */
function synthetic(n: number, d: number, seed: number, targets: 'binary' | 'classes' | 'real' = 'binary'): Dataset {
  const rng = createRandom(seed);
  const cols = targets === 'classes' ? 3 : 1;
  const x = zeros(n, d);
  const y = zeros(n, cols);
  for (let i = 0; i < n; i++) {
    let s = 0.3 * rng.normal();
    for (let j = 0; j < d; j++) {
      const v = rng.normal();
      x.data[i * d + j] = v;
      if (j < 5) s += v / (j + 1);
    }
    if (targets === 'binary') y.data[i] = s > 0 ? 1 : 0;
    else if (targets === 'real') y.data[i] = s;
    else y.data[i * 3 + (s < -0.5 ? 0 : s < 0.5 ? 1 : 2)] = 1;
  }
  return { x, y };
}

// 4 full batches and a last one of 76 rows.
const data = synthetic(1100, 60, 3);
const validation = synthetic(200, 60, 4);

/** Every weight's bytes: equal bytes are equal bits (−0 and NaN included). */
function bits(net: Network): string {
  return net.layers
    .flatMap((l) => [l.kernel.data, l.bias])
    .map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('hex'))
    .join('|');
}

/** Trains a seed-7 network of `config` with `fit`. */
function train(
  options: FitOptions,
  config: NetworkConfig = WIDE,
  d: Dataset = data,
): { net: Network; history: History } {
  const net = createNetwork(config, { seed: 7 });
  const history = fit(net, d, { epochs: 2, batchSize: BATCH, seed: 5, ...options });
  return { net, history };
}

/** The same run on the reference path, one thread. */
function reference(options: FitOptions, config: NetworkConfig = WIDE, d: Dataset = data) {
  const { threads: _, ...rest } = options;
  return train({ ...rest, engine: 'reference' }, config, d);
}

describe("fit's threads", () => {
  it('the rule: 60-256-1 with batch 256 pays; with batch 64 (parameters × batch) or 784-256-1 with batch 32 (the batch) not', () => {
    const wide = createNetwork(WIDE, { seed: 1 });
    const pays = (net: Network, d: Dataset, batchSize: number) =>
      threadsPay(net, d, checkFitOptions(net, d, { batchSize }));
    expect(15_873 * BATCH).toBeGreaterThanOrEqual(THREADED_WORK);
    expect(pays(wide, data, BATCH)).toBe(true);
    expect(pays(wide, data, 64)).toBe(false);
    expect(train({ batchSize: 64, epochs: 1 }).history.threads).toBeUndefined();
    const big = createNetwork({ ...WIDE, inputSize: 784 }, { seed: 1 });
    const rows = { x: zeros(40, 784), y: zeros(40, 1) };
    expect(784 * 256 * 32).toBeGreaterThanOrEqual(THREADED_WORK);
    expect(pays(big, rows, 32)).toBe(false);
  });

  it("plain SGD: threads 1, 2, 3 and the default give the reference path's bits, weights and logs", () => {
    const sgd = { name: 'sgd', learningRate: 0.05 } as const;
    const runs = [undefined, 1, 2, 3].map((threads) => train({ optimizer: sgd, ...(threads ? { threads } : {}) }));
    expect(runs.slice(1).map((r) => r.history.threads)).toEqual([undefined, 2, 3]);
    const ref = reference({ optimizer: sgd });
    expect(ref.history.engine).toBe('reference');
    for (const r of runs) {
      expect(bits(r.net)).toBe(bits(ref.net));
      expect(r.history.epochs).toEqual(ref.history.epochs);
    }
    expect(ref.history.epochs[1].loss).toBeLessThan(ref.history.epochs[0].loss);
  });

  it("Adam with L2 and validation data, and a momentum optimiser object: the reference path's bits on 2 threads", () => {
    const adam = { optimizer: { name: 'adam', learningRate: 0.01 }, l2: 1e-3, validationData: validation } as const;
    const two = train({ ...adam, threads: 2 });
    const ref = reference(adam);
    expect(two.history.threads).toBe(2);
    expect(bits(two.net)).toBe(bits(ref.net));
    expect(two.history.epochs).toEqual(ref.history.epochs);
    expect(ref.history.epochs[1].valLoss).toBeDefined();

    const cfg = { name: 'momentum', learningRate: 0.1, momentum: 0.9 } as const;
    const a = createOptimizer(cfg);
    const b = createOptimizer(cfg);
    const split = train({ optimizer: a, threads: 2 });
    const alone = reference({ optimizer: b });
    expect(bits(split.net)).toBe(bits(alone.net));
    expect(a.iterations).toBe(b.iterations);
    expect(a.iterations).toBe(2 * 5);
  });

  it("every kind the kernels cover, at awkward sizes: the reference path's bits on 2 and 3 threads", () => {
    const classes = synthetic(203, 61, 8, 'classes'); // batches of 50 and a last one of 3 rows (runs of 1 row)
    const real = synthetic(257, 61, 9, 'real'); // a last batch of one row
    const binary = synthetic(257, 61, 10);
    const cases: { config: NetworkConfig; d: Dataset; options: FitOptions }[] = [
      {
        config: {
          inputSize: 61,
          layers: [
            { units: 37, activation: 'tanh' },
            { units: 3, activation: 'softmax' },
          ],
          loss: { name: 'categorical_crossentropy' },
        },
        d: classes,
        options: { batchSize: 50, optimizer: { name: 'nesterov', learningRate: 0.05 } },
      },
      {
        config: {
          inputSize: 61,
          layers: [
            { units: 33, activation: 'relu' },
            { units: 6, activation: 'linear' },
            { units: 1, activation: 'linear' },
          ],
          loss: { name: 'mean_squared_error' },
        },
        d: real,
        options: { batchSize: 64, optimizer: { name: 'sgd', learningRate: 0.01 }, l2: 1e-4 },
      },
      {
        config: { ...sigmoidNet(61, 9, 5), loss: { name: 'mean_squared_error' } },
        d: binary,
        options: { batchSize: 32, optimizer: { name: 'sgd', learningRate: 0.3 }, shuffle: false },
      },
    ];
    for (const { config, d, options } of cases) {
      const ref = reference(options, config, d);
      for (const threads of [2, 3]) {
        const split = train({ ...options, threads }, config, d);
        expect(split.history.threads).toBe(threads);
        expect(bits(split.net)).toBe(bits(ref.net));
        expect(split.history.epochs).toEqual(ref.history.epochs);
      }
    }
  });

  it('a run that diverges on threads throws what the reference path throws, keeps the epoch-start weights, and the next run is sound', () => {
    // Linear units and a huge rate: the weights overflow within a few batches.
    const config: NetworkConfig = {
      inputSize: 60,
      layers: [
        { units: 256, activation: 'linear' },
        { units: 1, activation: 'linear' },
      ],
      loss: { name: 'mean_squared_error' },
    };
    const real = synthetic(1100, 60, 11, 'real');
    const options = { optimizer: { name: 'sgd', learningRate: 50 } } as const;
    const failure = (run: () => unknown) => {
      try {
        run();
      } catch (e) {
        return e;
      }
      throw new Error('no divergence');
    };
    const split = createNetwork(config, { seed: 7 });
    const alone = createNetwork(config, { seed: 7 });
    const fitOn = (net: Network, more: FitOptions) => () =>
      fit(net, real, { epochs: 2, batchSize: BATCH, seed: 5, ...options, ...more });
    const a = failure(fitOn(split, { threads: 2 }));
    const b = failure(fitOn(alone, { engine: 'reference' }));
    expect(a).toBeInstanceOf(DivergenceError);
    expect((a as Error).message).toBe((b as Error).message);
    expect(bits(split)).toBe(bits(alone));
    // The pool's worker took part in the failed run; the next one still gives the reference bits.
    const sgd = { optimizer: { name: 'sgd', learningRate: 0.05 } } as const;
    expect(bits(train({ ...sgd, threads: 2 }).net)).toBe(bits(reference(sgd).net));
  });

  it('rejects a bad threads count, and threads > 1 where the split cannot run, leaving the network unchanged', () => {
    const net = createNetwork(WIDE, { seed: 7 });
    const before = bits(net);
    for (const threads of [0, -1, 1.5, Number.NaN]) {
      expect(() => fit(net, data, { threads })).toThrow(ConfigError);
    }
    const w = new Float64Array(data.x.rows).fill(1);
    expect(() => fit(net, { ...data, w }, { threads: 2 })).toThrow(/threads > 1: examples are not weighted/);
    expect(() => fit(net, data, { threads: 2, engine: 'reference' })).toThrow(/engine 'reference' runs on one thread/);
    expect(() => fit(net, data, { dtype: 'float32', batchSize: BATCH, threads: 2 })).toThrow(ConfigError);
    expect(bits(net)).toBe(before);
    const hiddenSoftmax = createNetwork({ ...WIDE, layers: [{ units: 4, activation: 'softmax' }, WIDE.layers[1]] });
    expect(() => fit(hiddenSoftmax, data, { threads: 2 })).toThrow(/do not cover this network/);
    // Without threads asked for, such runs train on one thread.
    expect(fit(hiddenSoftmax, data, { batchSize: BATCH, epochs: 1 }).threads).toBeUndefined();
  });
});

describe('backprop train --threads (built dist/)', () => {
  it('gives the same model for --threads 1 and 2 and the default, and reports the threads in --json and to a person', () => {
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
    expect(results[0].engine).toMatchObject({ name: 'wasm', threads: 1 });
    expect(results[1].engine).toMatchObject({ name: 'wasm', threads: 2 });
    expect(results[2].engine.name).toBe('wasm');
    expect(results[1].weights).toBe(results[0].weights);
    expect(results[2].weights).toBe(results[0].weights);
    // A person reads it on the network's line.
    const human = args.filter((a) => a !== '--json' && a !== '--quiet');
    expect(run([...human, '--out', 'h2.json', '--threads', '2'], dir).stdout).toMatch(/^network .*, on 2 threads$/m);
    expect(run([...human, '--out', 'h1.json', '--threads', '1'], dir).stdout).not.toMatch(/threads/);
    const bad = run([...args, '--out', 'bad.json', '--threads', '0'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/threads/);
  });
});

describe('a run on threads and shouldStop', () => {
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
    fit(reference, data, {
      ...options,
      engine: 'reference',
      onBatchEnd: (log) => !(log.epoch === 2 && log.batch === 1),
    });
    expect(bits(stopped)).toBe(bits(reference));
  });
});
