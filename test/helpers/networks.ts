/** Network configurations the engine tests share. */
import type { NetworkConfig } from '../../src/index.js';

/**
 * `inputSize` inputs, sigmoid hidden layers of the given widths, one sigmoid output, binary
 * cross-entropy: the notes' kind of network (`sigmoidNet(3, 4)` is theirs).
 */
export function sigmoidNet(inputSize: number, ...hidden: number[]): NetworkConfig {
  return {
    inputSize,
    layers: [
      ...hidden.map((units) => ({ units, activation: 'sigmoid' as const })),
      { units: 1, activation: 'sigmoid' },
    ],
    loss: { name: 'binary_crossentropy' },
  };
}

/** 3-8-4-1, tanh, relu, then a sigmoid output and binary cross-entropy: deeper, and not all sigmoid. */
export const DEEP_NET: NetworkConfig = {
  inputSize: 3,
  layers: [
    { units: 8, activation: 'tanh' },
    { units: 4, activation: 'relu' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: { name: 'binary_crossentropy' },
};
