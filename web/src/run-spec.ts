/** From settings and prepared data to the network's configuration and the worker's run. */
import { deriveFeatures } from './features.js';
import { gridPoint } from './grid.js';
import { type NetworkConfig, zeros } from './library.js';
import { type Prepared, STREAM, streamSeed } from './prepare.js';
import type { RunSpec } from './protocol.js';
import type { Settings } from './settings.js';

/** Side of the grid the boundary and the units' maps are computed on. */
export const GRID = 40;

const LOSS_NAMES = { bce: 'binary_crossentropy', cce: 'categorical_crossentropy', mse: 'mean_squared_error' } as const;

/** The network: the hidden layers asked for, then one sigmoid unit for two classes or a softmax over more. */
export function networkConfig(s: Settings, p: Prepared): NetworkConfig {
  const k = p.classes.length;
  const multi = k > 2;
  return {
    inputSize: p.train.x.cols,
    layers: [
      ...s.hidden.map((units) => ({ units, activation: s.act })),
      { units: multi ? k : 1, activation: multi ? 'softmax' : 'sigmoid' },
    ],
    loss: { name: LOSS_NAMES[s.loss] },
  };
}

/** The features of every grid point of a 2-D data set's plane, top row first. */
export function gridInputs(p: Prepared): RunSpec['grid'] {
  if (!p.plane) return undefined;
  const f = p.plane.features;
  const x = zeros(GRID * GRID, f.length);
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      const [x1, x2] = gridPoint(p.plane, GRID, r, c);
      deriveFeatures(f, x1, x2, x.data, (r * GRID + c) * f.length);
    }
  }
  return { x, side: GRID };
}

/** What the worker needs to start a run; the seed's streams give the initial weights and the shuffling. */
export function runSpec(s: Settings, p: Prepared, config: NetworkConfig): RunSpec {
  return {
    config,
    train: p.train,
    test: p.test,
    optimizer: s.opt,
    learningRate: s.lr,
    batchSize: s.batch,
    l2: s.l2,
    initSeed: streamSeed(s.seed, STREAM.init),
    shuffleSeed: streamSeed(s.seed, STREAM.shuffle),
    grid: gridInputs(p),
  };
}
