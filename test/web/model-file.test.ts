/**
 * The playground's browser-safe model file (web/src/adapters/model-file.ts) against the library's
 * (src/io/model-file.ts): the same text written, the same model read, the same messages.
 */
import { describe, expect, it } from 'vitest';
import { parseModel as libraryParse, serializeModel as librarySerialize, type Model } from '../../src/io/model-file.js';
import { createNetwork } from '../../src/nn/network.js';
import { type Model as ModelForPage, parseModel, serializeModel } from '../../web/src/adapters/model-file.js';

const model: Model & ModelForPage = {
  network: createNetwork(
    {
      inputSize: 3,
      layers: [
        { units: 4, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: { name: 'binary_crossentropy' },
    },
    { seed: 5 },
  ),
  features: ['x1', 'x2', 'x1·x2'],
  target: 'label',
  labels: { kind: 'binary', classes: ['0', '1'] } as const,
  standardization: { mean: [0, 0.5, -1], std: [1, 2, 3] },
  training: { optimizer: { name: 'sgd', learningRate: 0.1 }, batchSize: 10, seed: 1 },
  metrics: { testAccuracy: 0.97 },
};

const message = (read: () => unknown) => {
  try {
    read();
    return 'read';
  } catch (err) {
    return (err as Error).message;
  }
};

describe("the playground's model file", () => {
  it('writes the text the library writes', () => {
    expect(serializeModel(model)).toBe(librarySerialize(model));
  });

  it('reads what the library writes as the library does', () => {
    const text = librarySerialize(model);
    const ours = parseModel(text, 'm.json');
    const theirs = libraryParse(text, 'm.json');
    expect(serializeModel(ours)).toBe(librarySerialize(theirs));
    expect(ours.labels).toEqual(theirs.labels);
    expect(theirs.labels.kind).toBe('binary');
  });

  const BAD: Record<string, string> = {
    'not JSON': '{"format": ',
    'an array': '[1, 2]',
    'another format': '{"format": "tfjs-layers", "version": 1}',
    'another version': '{"format": "backprop-model", "version": 2}',
  };
  for (const [name, text] of Object.entries(BAD)) {
    it(`refuses ${name} with the library's message`, () => {
      expect(message(() => parseModel(text, 'm.json'))).toBe(message(() => libraryParse(text, 'm.json')));
    });
  }
});
