import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import {
  createNetwork,
  DEFAULT_MAX_PARAMETERS,
  NOTES_NETWORK,
  networkSize,
  parameterLimit,
  setMemoryBudget,
  setParameterLimit,
} from '../../src/nn/network.js';

const sigmoid = (units: number[], inputSize: number) => ({
  inputSize,
  layers: units.map((u) => ({ units: u, activation: 'sigmoid' as const })),
  loss: { name: 'binary_crossentropy' as const },
});

describe('network size limits (issue 9.4)', () => {
  it('estimates the size before allocating', () => {
    expect(networkSize(NOTES_NETWORK)).toEqual({ parameters: 21, weightBytes: 168, trainingBytes: 840 });
  });

  it('refuses huge networks at once, saying how big they would be', () => {
    for (const [sizes, input, big] of [
      [[100000, 100000, 1], 30, /10,003,300,001 parameters \(80\.0 GB of weights.*does not fit in memory/],
      [[100000, 1], 100000, /10,000,200,001 parameters/],
      [
        [30000, 1],
        30000,
        /900,060,001 parameters \(7\.2 GB.*over the limit of 10,000,000 \(raise it with --max-parameters\)/,
      ],
    ] as const) {
      const t0 = performance.now();
      expect(() => createNetwork(sigmoid([...sizes], input))).toThrow(ConfigError);
      expect(() => createNetwork(sigmoid([...sizes], input))).toThrow(big);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });

  it('the limit is overridable, per call and globally', () => {
    const config = sigmoid([3000, 1], 3000); // 9,006,001 parameters
    expect(() => createNetwork(config, { maxParameters: 1_000_000 })).toThrow(/over the limit of 1,000,000/);
    const previous = setParameterLimit(100);
    try {
      expect(parameterLimit()).toBe(100);
      expect(() => createNetwork(NOTES_NETWORK)).not.toThrow();
      expect(() => createNetwork(sigmoid([20, 1], 3))).toThrow(/101 parameters.*over the limit of 100/);
    } finally {
      setParameterLimit(previous);
    }
    expect(parameterLimit()).toBe(DEFAULT_MAX_PARAMETERS);
    expect(() => setParameterLimit(0)).toThrow(ConfigError);
  });

  it('a network that needs more memory than there is is refused whatever the limit', () => {
    setMemoryBudget(1e6);
    try {
      expect(() => createNetwork(sigmoid([200, 1], 200), { maxParameters: 1e9 })).toThrow(
        /40,401 parameters \(323\.2 kB of weights, about 1\.6 MB to train\): more than the 1\.0 MB of memory there is/,
      );
    } finally {
      setMemoryBudget(Number.POSITIVE_INFINITY);
    }
  });
});
