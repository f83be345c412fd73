/** The playground's exporters (web/src/adapters/export.ts) give the library's bytes, for ONNX and TF.js Layers. */
import { describe, expect, it } from 'vitest';
import { backpropVersion } from '../../src/io/export-layers.js';
import type { Model } from '../../src/io/model-file.js';
import { toOnnx as libraryOnnx } from '../../src/io/onnx.js';
import { toTfjsLayers as libraryTfjs } from '../../src/io/tfjs-layers.js';
import { createNetwork } from '../../src/nn/network.js';
import { toOnnx, toTfjsLayers } from '../../web/src/adapters/export.js';
import type { Model as ModelForPage } from '../../web/src/adapters/model-file.js';

function model(optimizer: string, multiclass: boolean): Model & ModelForPage {
  return {
    network: createNetwork(
      {
        inputSize: 3,
        layers: [
          { units: 5, activation: 'tanh' },
          { units: 4, activation: 'relu' },
          multiclass ? { units: 3, activation: 'softmax' } : { units: 1, activation: 'sigmoid' },
        ],
        loss: { name: multiclass ? 'categorical_crossentropy' : 'binary_crossentropy' },
      },
      { seed: 9 },
    ),
    features: ['a', 'b', 'c'],
    target: 'kind',
    labels: multiclass ? { kind: 'multiclass', classes: ['p', 'q', 'r'] } : { kind: 'binary', classes: ['n', 'y'] },
    standardization: { mean: [1, -2, 0.5], std: [2, 0.5, 3] },
    training: { optimizer: { name: optimizer, learningRate: 0.05 }, batchSize: 4 },
    metrics: { testAccuracy: 0.9 },
  };
}

describe("the playground's exporters", () => {
  for (const [opt, multi] of [
    ['sgd', false],
    ['adam', true],
    ['nesterov', false],
  ] as const) {
    it(`write the library's ONNX and TF.js bytes (${opt}, ${multi ? 'softmax' : 'sigmoid'})`, () => {
      const m = model(opt, multi);
      expect(toOnnx(m, backpropVersion())).toEqual(libraryOnnx(m));
      const ours = toTfjsLayers(m, backpropVersion());
      const theirs = libraryTfjs(m);
      expect(JSON.stringify(ours.modelJson)).toBe(JSON.stringify(theirs.modelJson));
      expect(ours.weights).toEqual(theirs.weights);
    });
  }
});
