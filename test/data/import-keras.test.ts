/**
 * Import keeps what it cannot drop silently (issue 10.2, the import half): an L2 kernel
 * regulariser becomes the model's `training.l2` (and export writes it back), other regularisers
 * are refused; a Keras-converted topology's `training_config` loss is read; a functional model is
 * called one.
 */
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { InputError } from '../../src/data/input-error.js';
import { fromTfjsLayers, toTfjsLayers } from '../../src/data/tfjs-layers.js';
import { trainModel } from '../../src/data/train.js';

const csv = ['a,b,y', ...Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 2}`)].join('\n');
const table = parseCsv(csv, 't.csv');

/** A model exported to TF.js, its model.json edited, imported back. */
// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary parts of the JSON.
function roundTrip(l2: number, edit: (json: any) => void = () => {}) {
  const { model } = trainModel(table, { epochs: 2, l2 });
  const { modelJson, weights } = toTfjsLayers(model);
  const json = JSON.parse(JSON.stringify(modelJson));
  edit(json);
  return () => fromTfjsLayers(json, 'm/model.json', () => weights);
}

describe('import of regularisers and Keras training configurations', () => {
  it('an L2 penalty goes out as every kernel’s L1L2(l1 = 0) and comes back as training.l2', () => {
    const { model } = trainModel(table, { epochs: 2, l2: 0.003 });
    const { modelJson } = toTfjsLayers(model);
    // biome-ignore lint/suspicious/noExplicitAny: reading the written topology
    const layers = (modelJson as any).modelTopology.config.layers;
    // The frozen standardisation step is not trained, so not penalised; every trained kernel is.
    expect(layers[0].config).toMatchObject({ name: 'standardize', trainable: false, kernel_regularizer: null });
    for (const l of layers.slice(1))
      expect(l.config.kernel_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0, l2: 0.003 } });
    expect(roundTrip(0.003)().training?.l2).toBe(0.003);
  });

  it('keeps a Keras L2 regulariser even without backprop metadata', () => {
    const load = roundTrip(0, (j) => {
      delete j.userDefinedMetadata;
      for (const l of j.modelTopology.config.layers)
        l.config.kernel_regularizer = { class_name: 'L2', config: { l2: 0.01 } };
    });
    expect(load().training?.l2).toBe(0.01);
  });

  it('refuses regularisers it cannot keep', () => {
    const l1 = roundTrip(0, (j) => {
      j.modelTopology.config.layers[1].config.kernel_regularizer = { class_name: 'L1L2', config: { l1: 0.1, l2: 0 } };
    });
    expect(l1).toThrow(InputError);
    // Layer 1 is the frozen standardisation step.
    expect(l1).toThrow(/layer 2 'dense_1': kernel_regularizer .* is not supported; supported: L2/);
    const bias = roundTrip(0, (j) => {
      j.modelTopology.config.layers[2].config.bias_regularizer = { class_name: 'L2', config: { l2: 0.1 } };
    });
    expect(bias).toThrow(/layer 3 'dense_2': a bias_regularizer is not supported/);
    const mixed = roundTrip(0, (j) => {
      j.modelTopology.config.layers[1].config.kernel_regularizer = { class_name: 'L2', config: { l2: 0.1 } };
    });
    expect(mixed).toThrow(/L2 kernel regularisers differ \(0\.1, and some have none\)/);
  });

  it("reads a Keras-converted topology's training_config loss (a name or a loss object)", () => {
    for (const loss of ['mean_squared_error', { class_name: 'MeanSquaredError', config: { reduction: 'auto' } }]) {
      const load = roundTrip(0, (j) => {
        delete j.userDefinedMetadata;
        delete j.trainingConfig;
        j.modelTopology = { model_config: j.modelTopology, training_config: { loss } };
      });
      expect(load().network.loss.config.name).toBe('mean_squared_error');
    }
  });

  it('calls a Keras 2 functional model (class_name Model) a functional model', () => {
    const load = roundTrip(0, (j) => {
      j.modelTopology.class_name = 'Model';
    });
    expect(load).toThrow(/modelTopology is a Functional model \(class_name 'Model'\); supported: a Sequential model/);
  });
});
