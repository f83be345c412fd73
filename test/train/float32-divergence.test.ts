/**
 * A float32 run that diverges (a non-finite loss) leaves its optimiser as the float64 path does:
 * the step count and the slots both at the last update that ran, so that the state describes
 * one consistent point. Checked against the same run stopped by a callback just before the
 * diverging batch (an independent route to the state after those updates), in both dtypes.
 */
import { describe, expect, it } from 'vitest';
import {
  createNetwork,
  createOptimizer,
  DivergenceError,
  type FitDtype,
  fit,
  type NetworkConfig,
  type OptimizerConfig,
} from '../../src/index.js';

const config: NetworkConfig = {
  inputSize: 3,
  layers: [
    { units: 5, activation: 'linear' },
    { units: 1, activation: 'linear' },
  ],
  loss: { name: 'mean_squared_error' },
};

const BATCH = 4;
/** The batch (1-based) whose one huge feature overflows the loss in either dtype. */
const BAD_BATCH = 6;

/** 40 small rows, one of them in batch BAD_BATCH huge. */
function data() {
  const n = 40;
  const x = new Float64Array(n * 3);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < 3; j++) x[r * 3 + j] = Math.sin(r * 3 + j + 1) / 2;
    y[r] = Math.cos(r);
  }
  x[((BAD_BATCH - 1) * BATCH + 1) * 3 + 2] = 1e300;
  return { x: { rows: n, cols: 3, data: x }, y: { rows: n, cols: 1, data: y } };
}

const STATEFUL: OptimizerConfig[] = [
  { name: 'momentum', learningRate: 0.05, momentum: 0.9 },
  { name: 'adam', learningRate: 0.01 },
];

describe('a diverged run’s optimiser: its step count and its slots agree', () => {
  const cases = (['float64', 'float32'] as FitDtype[]).flatMap((dtype) =>
    [false, true].flatMap((stepped) => STATEFUL.map((cfg) => ({ dtype, stepped, cfg }))),
  );
  it.each(cases)('$dtype, $cfg.name, stepped by a callback: $stepped', ({ dtype, stepped, cfg }) => {
    const opts = { dtype, epochs: 1, batchSize: BATCH, shuffle: false, seed: 1 };
    const diverged = createOptimizer(cfg);
    const net = createNetwork(config, { seed: 2 });
    // A callback makes the engine run batch by batch instead of whole epochs.
    const each = stepped ? { onBatchEnd: () => true } : {};
    expect(() => fit(net, data(), { ...opts, ...each, optimizer: diverged })).toThrow(DivergenceError);

    const stopped = createOptimizer(cfg);
    fit(createNetwork(config, { seed: 2 }), data(), {
      ...opts,
      optimizer: stopped,
      onBatchEnd: ({ batch }) => batch < BAD_BATCH - 1,
    });
    expect(stopped.iterations).toBe(BAD_BATCH - 1);
    expect(diverged.iterations).toBe(BAD_BATCH - 1);
    const state = diverged.state!();
    expect(state).toEqual(stopped.state!());
    // Not the epoch start's zeros: the slots moved with the count.
    expect(state.slots1!.some((a) => a.some((v) => v !== 0))).toBe(true);
  });
});
