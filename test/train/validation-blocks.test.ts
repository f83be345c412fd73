/**
 * The WebAssembly engines score validation data block by block, forward only (`evaluateRows`,
 * `meanLoss`): val_loss must be the bits of the reference path's `lossOf` over all the rows at
 * once, and of the previous way (one `trainBatches` batch of every row, its backward pass
 * unused), whatever the block boundaries; float32 must equal its own one-batch bits.
 */
import { describe, expect, it } from 'vitest';
import { instantiateWasmKernels } from '../../src/core/wasm/kernels.js';
import { instantiateWasmKernelsF32 } from '../../src/core/wasm/kernels-f32.js';
import {
  type ActivationName,
  createNetwork,
  fit,
  type LossName,
  type Network,
  type NetworkConfig,
} from '../../src/index.js';
import { lossOf } from '../../src/nn/backprop.js';
import { LOSS_CODES } from '../../src/nn/losses.js';
import { createWorkspace, parameterArrays } from '../../src/nn/network.js';
import { scoreBlockRows, scoreInBlocks } from '../../src/train/engines/score-blocks.js';
import { createArena, layoutNetwork, layoutNetworkF32 } from '../../src/train/engines/wasm-layout.js';
import { countCorrect } from '../../src/train/metrics.js';
import { dataset, fitOnBothEngines } from '../helpers/engine-equality.js';

interface Case {
  hidden: Exclude<ActivationName, 'softmax'>;
  output: ActivationName;
  loss: LossName;
  outputs: number;
}

const CASES: Case[] = [
  { hidden: 'sigmoid', output: 'sigmoid', loss: 'binary_crossentropy', outputs: 1 },
  { hidden: 'tanh', output: 'softmax', loss: 'binary_crossentropy', outputs: 2 },
  { hidden: 'relu', output: 'softmax', loss: 'categorical_crossentropy', outputs: 3 },
  { hidden: 'linear', output: 'linear', loss: 'mean_squared_error', outputs: 2 },
  { hidden: 'sigmoid', output: 'relu', loss: 'mean_squared_error', outputs: 1 },
];

function networkOf(c: Case, inputs: number, hidden: number[], seed: number): Network {
  const config: NetworkConfig = {
    inputSize: inputs,
    layers: [...hidden.map((units) => ({ units, activation: c.hidden })), { units: c.outputs, activation: c.output }],
    loss: { name: c.loss },
  };
  return createNetwork(config, { seed });
}

/** The float64 kernels' validation two ways: one trainBatches batch of all rows, and blocks of `block` rows. */
function kernelScores(net: Network, val: ReturnType<typeof dataset>, l2: number, block: number) {
  const wasm = instantiateWasmKernels()!;
  const rows = val.x.rows;
  const arena = createArena(wasm);
  const X = arena.alloc(val.x.data.length * 8);
  const Y = arena.alloc(val.y.data.length * 8);
  const whole = layoutNetwork(arena, net, rows);
  const blocks = layoutNetwork(arena, net, block);
  const scratch = arena.alloc(64);
  expect(arena.commit()).toBe(true);
  const buf = wasm.memory.buffer;
  new Float64Array(buf, X, val.x.data.length).set(val.x.data);
  new Float64Array(buf, Y, val.y.data.length).set(val.y.data);
  const weights = parameterArrays(net);
  for (const layout of [whole, blocks]) layout.bind(buf).params.forEach((p, i) => p.set(weights[i]));
  const code = LOSS_CODES[net.loss.config.name];
  const depth = net.layers.length;
  // scratch: xb, yb (unused without an order), the loss (f64) and the count (i32).
  wasm.trainBatches(
    whole.table,
    depth,
    code,
    X,
    Y,
    0,
    rows,
    rows,
    0,
    1,
    0,
    l2,
    scratch,
    scratch,
    whole.kt,
    scratch + 16,
    scratch + 24,
  );
  const view = new DataView(buf);
  const oneBatch = { loss: view.getFloat64(scratch + 16, true), correct: view.getInt32(scratch + 24, true) };
  const out = scratch + 32;
  view.setFloat64(out, 0, true);
  view.setInt32(out + 8, 0, true);
  const nIn = val.x.cols;
  const nOut = val.y.cols;
  scoreInBlocks(rows, block, (start, count) => {
    wasm.evaluateRows(blocks.table, depth, code, X + start * nIn * 8, Y + start * nOut * 8, count, out);
  });
  const loss = wasm.meanLoss(blocks.table, depth, code, rows, l2, out);
  return { oneBatch, blocks: { loss, correct: view.getInt32(out + 8, true) } };
}

/** The same for the float32 kernels. */
function kernelScoresF32(net: Network, val: ReturnType<typeof dataset>, l2: number, block: number) {
  const wasm = instantiateWasmKernelsF32()!;
  const rows = val.x.rows;
  const arena = createArena(wasm);
  const X = arena.alloc(val.x.data.length * 4);
  const Y = arena.alloc(val.y.data.length * 4);
  const whole = layoutNetworkF32(arena, net, rows);
  const blocks = layoutNetworkF32(arena, net, block);
  const scratch = arena.alloc(64);
  expect(arena.commit()).toBe(true);
  const buf = wasm.memory.buffer;
  new Float32Array(buf, X, val.x.data.length).set(val.x.data);
  new Float32Array(buf, Y, val.y.data.length).set(val.y.data);
  const weights = parameterArrays(net);
  for (const layout of [whole, blocks]) layout.bind(buf).params.forEach((p, i) => p.set(weights[i]));
  const code = LOSS_CODES[net.loss.config.name];
  const depth = net.layers.length;
  const l2f = Math.fround(l2);
  wasm.trainBatches(whole.table, depth, code, X, Y, rows, rows, 1, 0, l2f, whole.kt, scratch, scratch + 8);
  const view = new DataView(buf);
  const oneBatch = { loss: view.getFloat32(scratch, true), correct: view.getInt32(scratch + 8, true) };
  const out = scratch + 16;
  view.setFloat32(out, 0, true);
  view.setInt32(out + 4, 0, true);
  const nIn = val.x.cols;
  const nOut = val.y.cols;
  scoreInBlocks(rows, block, (start, count) => {
    wasm.evaluateRows(blocks.table, depth, code, X + start * nIn * 4, Y + start * nOut * 4, count, out);
  });
  const loss = wasm.meanLoss(blocks.table, depth, code, rows, l2f, out);
  return { oneBatch, blocks: { loss, correct: view.getInt32(out + 4, true) } };
}

/** The reference path's validation numbers over every row at once. */
function reference(net: Network, val: ReturnType<typeof dataset>, l2: number) {
  const ws = createWorkspace(net, val.x.rows);
  const loss = lossOf(net, val.x, val.y, ws, l2);
  return { loss, correct: countCorrect(ws.a[ws.a.length - 1], val.y) };
}

describe('validation in blocks, float64 kernels', () => {
  const val101 = (c: Case) => dataset(7, c.outputs, c.loss, 101, 3);
  it.each(CASES.flatMap((c) => [0, 0.01].map((l2) => ({ ...c, l2 }))))(
    '$hidden → $output, $loss, l2 $l2: blocks of 4, 12, 28 and all rows give lossOf’s bits',
    (c) => {
      const net = networkOf(c, 7, [5, 6], 2);
      const val = val101(c);
      const ref = reference(net, val, c.l2);
      for (const block of [4, 12, 28, 101]) {
        const { oneBatch, blocks } = kernelScores(net, val, c.l2, block);
        expect(Object.is(blocks.loss, ref.loss), `block ${block}: ${blocks.loss} vs ${ref.loss}`).toBe(true);
        expect(Object.is(oneBatch.loss, ref.loss)).toBe(true);
        if (c.loss !== 'mean_squared_error') {
          expect(blocks.correct).toBe(ref.correct);
          expect(oneBatch.correct).toBe(ref.correct);
        }
      }
    },
  );
});

describe('validation in blocks, float32 kernels', () => {
  it.each(CASES.flatMap((c) => [0, 0.01].map((l2) => ({ ...c, l2 }))))(
    '$hidden → $output, $loss, l2 $l2: blocks of 4, 12, 28 give one batch’s bits, within float32 of lossOf',
    (c) => {
      const net = networkOf(c, 7, [5, 6], 2);
      // float32 weights, so that the kernels and the reference see the same network.
      for (const p of parameterArrays(net)) for (let i = 0; i < p.length; i++) p[i] = Math.fround(p[i]);
      const val = dataset(7, c.outputs, c.loss, 101, 3);
      const ref = reference(net, val, c.l2);
      for (const block of [4, 12, 28, 101]) {
        const { oneBatch, blocks } = kernelScoresF32(net, val, c.l2, block);
        expect(Object.is(blocks.loss, oneBatch.loss), `block ${block}: ${blocks.loss} vs ${oneBatch.loss}`).toBe(true);
        expect(blocks.correct).toBe(oneBatch.correct);
        expect(Math.abs(blocks.loss - ref.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.loss)));
      }
    },
  );
});

describe('the engines validate in blocks', () => {
  it('a block holds a multiple of 4 rows and the engines use several for a large split', () => {
    const net = networkOf(CASES[0], 200, [300], 1);
    // 200 inputs + 3·301 activations + 1 target = 1,104 values a row: 28 rows of float64 in 256 KB.
    expect(scoreBlockRows(net, 1_000, 8)).toBe(28);
    expect(scoreBlockRows(net, 1_000, 4)).toBe(56);
    expect(scoreBlockRows(net, 17, 8)).toBe(17);
    expect(scoreBlockRows(networkOf(CASES[0], 5_000, [1], 1), 1_000, 8)).toBe(4);
  });

  it.each(CASES.map((c, i) => ({ ...c, l2: i % 2 === 0 ? 0.001 : 0 })))(
    '$hidden → $output, $loss, l2 $l2: fit’s val_loss per epoch is lossOf’s, in blocks of 28 rows ending in 17',
    (c) => {
      const net = networkOf(c, 200, [300], 5);
      const data = dataset(200, c.outputs, c.loss, 64, 6);
      const validationData = dataset(200, c.outputs, c.loss, 101, 7);
      const options = {
        epochs: 2,
        batchSize: 16,
        seed: 1,
        l2: c.l2,
        validationData,
        optimizer: { name: 'sgd' as const, learningRate: 0.01 },
      };
      const { a, fast, reference: slow } = fitOnBothEngines(net, data, options);
      expect(fast.engine).toBe('wasm');
      expect(fast.epochs).toEqual(slow.epochs);
      const last = fast.epochs[fast.epochs.length - 1];
      expect(Object.is(last.valLoss, reference(a, validationData, c.l2).loss)).toBe(true);
    },
  );

  it('float32: val_loss is the one-batch bits of the float32 kernels on the run’s weights', () => {
    const c = CASES[0];
    const net = networkOf(c, 200, [300], 5);
    const data = dataset(200, 1, c.loss, 64, 6);
    const validationData = dataset(200, 1, c.loss, 101, 7);
    const history = fit(net, data, {
      epochs: 2,
      batchSize: 16,
      seed: 1,
      dtype: 'float32',
      validationData,
      optimizer: { name: 'sgd', learningRate: 0.01 },
    });
    const last = history.epochs[history.epochs.length - 1];
    const { oneBatch } = kernelScoresF32(net, validationData, 0, 4);
    expect(Object.is(last.valLoss, oneBatch.loss)).toBe(true);
    expect(last.valAccuracy).toBe(oneBatch.correct / 101);
  });
});
