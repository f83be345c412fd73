/** A model with seeded initial weights and no training yet, as `backprop init` writes it. */
import type { ActivationName } from '../nn/activations.js';
import { INITIALIZER_NAMES, type InitializerName } from '../nn/initializers.js';
import { type LossName, lossName } from '../nn/losses.js';
import { createNetwork } from '../nn/network.js';
import { InputError } from './input-error.js';
import { defaultLabels, defaultLoss, defaultOutputActivation } from './labels.js';
import type { Model } from './model-file.js';

/** What {@link initialModel} can be told; all but `sizes` have `backprop init`'s defaults. */
export interface InitialModelOptions {
  /** Layer sizes from the inputs to the outputs, e.g. [3, 4, 1]. */
  sizes: number[];
  /** Hidden activation (default sigmoid). */
  activation?: ActivationName;
  /** Output activation (default: what the loss and the output units need). */
  outputActivation?: ActivationName;
  /** The loss as a user names it (default: bce for one output, cce for more). */
  loss?: string;
  seed?: number;
  kernelInit?: string;
  /** Feature names (default x1, x2, …). */
  features?: string[];
  /** Class names (default 0, 1 or 0, 1, 2, …). */
  classes?: string[];
}

/**
 * A model of the given sizes with seeded initial weights, its labels and features named.
 * @param options the sizes, activations, loss, seed, initialiser, feature and class names
 * @returns the model and its loss
 * @example
 * const { model } = initialModel({ sizes: [3, 4, 1], seed: 0 }); // the notes' network
 */
export function initialModel(options: InitialModelOptions): {
  model: Model;
  loss: LossName;
  outputActivation: ActivationName;
} {
  const { sizes, activation = 'sigmoid', seed = 0, kernelInit = 'glorot_uniform' } = options;
  if (sizes.length < 2)
    throw new InputError(`--sizes ${sizes.join(',')}: expected at least an input and an output size`);
  if (!(INITIALIZER_NAMES as readonly string[]).includes(kernelInit)) {
    throw new InputError(`--kernel-init ${kernelInit}: expected one of ${INITIALIZER_NAMES.join(', ')}`);
  }
  const [inputSize, ...units] = sizes;
  const outputs = units[units.length - 1];
  const loss = options.loss ? lossName(options.loss) : defaultLoss(outputs);
  const outputActivation = options.outputActivation ?? defaultOutputActivation(loss, outputs);
  const features = options.features ?? Array.from({ length: inputSize }, (_, i) => `x${i + 1}`);
  if (features.length !== inputSize)
    throw new InputError(`--features: ${features.length} names, expected ${inputSize} (the input size)`);
  const want = outputs === 1 ? 2 : outputs;
  if (loss !== 'mean_squared_error' && options.classes && options.classes.length !== want)
    throw new InputError(`--classes: ${options.classes.length} labels, expected ${want} for ${outputs} output unit(s)`);
  const network = createNetwork(
    {
      inputSize,
      layers: units.map((u, i) => ({ units: u, activation: i === units.length - 1 ? outputActivation : activation })),
      loss: { name: loss },
    },
    { seed, kernelInitializer: kernelInit as InitializerName },
  );
  const labels = defaultLabels(loss, outputs, options.classes);
  return { model: { network, features, labels, training: { seed, initializedFrom: 'seed' } }, loss, outputActivation };
}
