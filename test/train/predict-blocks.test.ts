/**
 * `predict` runs large inputs in blocks of rows (so that scoring a big training split after
 * `backprop train` does not hold every layer's activations for all its rows): its outputs must be
 * those of each row predicted on its own, bit for bit, across block boundaries.
 */
import { describe, expect, it } from 'vitest';
import { createNetwork, createRandom, predict, zeros } from '../../src/index.js';

describe('predict in blocks', () => {
  it('gives each row the outputs it has alone, over several blocks and a partial last one', () => {
    const net = createNetwork(
      {
        inputSize: 5,
        layers: [
          { units: 7, activation: 'tanh' },
          { units: 3, activation: 'softmax' },
        ],
        loss: { name: 'categorical_crossentropy' },
      },
      { seed: 8 },
    );
    const rng = createRandom(2);
    const n = 9_001;
    const x = zeros(n, 5);
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal() * 3;
    const all = predict(net, x);
    expect(all.rows).toBe(n);
    for (const r of [0, 4095, 4096, 4097, 8191, 8192, 9000]) {
      const one = predict(net, { rows: 1, cols: 5, data: x.data.slice(r * 5, r * 5 + 5) });
      expect(Array.from(all.data.subarray(r * 3, r * 3 + 3))).toEqual(Array.from(one.data));
    }
  });
});
