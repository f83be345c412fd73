/** Shared by the engine-equality tests: exact weight fingerprints and seeded random data. */
import {
  cloneNetwork,
  createRandom,
  type Dataset,
  type FitOptions,
  fit,
  type LossName,
  type Network,
  zeros,
} from '../../src/index.js';

/** Every weight's bits, layer by layer: equal strings mean bit-identical networks. */
export function bits(net: Network): string {
  return net.layers
    .map((l) => Buffer.from(Float64Array.from([...l.kernel.data, ...l.bias]).buffer).toString('hex'))
    .join('|');
}

/**
 * `n` examples of `inputs` standard-normal features, with targets fitting `loss`: 0/1 labels
 * for binary cross-entropy, one-hot rows for categorical, normal values for mean squared error.
 */
export function dataset(inputs: number, outputs: number, loss: LossName, n: number, seed: number) {
  const rng = createRandom(seed);
  const x = zeros(n, inputs);
  const y = zeros(n, outputs);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
  for (let r = 0; r < n; r++) {
    if (loss === 'categorical_crossentropy') y.data[r * outputs + rng.int(outputs)] = 1;
    else
      for (let j = 0; j < outputs; j++)
        y.data[r * outputs + j] = loss === 'binary_crossentropy' ? rng.int(2) : rng.normal();
  }
  return { x, y };
}

/**
 * `fit` from `net` twice, each on its own copy: `a` on the WebAssembly engine (history `fast`),
 * `b` on the reference path (history `reference`).
 */
export function fitOnBothEngines(net: Network, data: Dataset, options: FitOptions) {
  const a = cloneNetwork(net);
  const b = cloneNetwork(net);
  const fast = fit(a, data, { ...options, engine: 'wasm' });
  const reference = fit(b, data, { ...options, engine: 'reference' });
  return { a, b, fast, reference };
}
