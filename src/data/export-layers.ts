/**
 * What the exporters (TF.js Layers, ONNX) write: the model's dense layers, taking raw features.
 * By default the standardisation stays a step of its own before them (see
 * {@link standardizationStep}), so that training the export on raw features trains the same
 * weights backprop trains; with `foldStandardization` it is folded into the first layer.
 *
 * Folded, the model computes z = ((x − μ)/σ) · K + b. Expanding,
 *   z_j = Σ_p x_p · (K[p][j] / σ_p) + (b_j − Σ_p (μ_p / σ_p) · K[p][j]),
 * so K'[p][j] = K[p][j] / σ_p (row p of the [in, out] kernel divided by σ_p) and
 * b'_j = b_j − Σ_p (μ_p / σ_p) · K[p][j]. Both are computed in float64 and rounded to float32
 * once, when written.
 *
 * A standardised regression target (the network predicts (y − m)/s) is folded into the last
 * layer the same way, when its activation is linear: y = s·(a·K + b) + m = a·(s·K) + (s·b + m).
 */
import type { ActivationName } from '../nn/activations.js';
import { InputError } from './input-error.js';
import type { Model } from './model-file.js';
import type { Standardization } from './standardize.js';

/** One dense layer as exported: kernel row-major [inputs, units]. */
export interface ExportLayer {
  inputs: number;
  units: number;
  activation: ActivationName;
  kernel: Float64Array;
  bias: Float64Array;
}

/** How the exporters treat the model's feature standardisation. */
export interface ExportOptions {
  /**
   * Fold it into the first layer's weights (one layer fewer; exact predictions, but training the
   * export on raw features no longer trains backprop's weights) instead of exporting it as its
   * own frozen step.
   */
  foldStandardization?: boolean;
}

/**
 * The standardisation an export writes as its own step before the first layer: the model's μ
 * and σ, or undefined when it has none or it is folded.
 * @param model the model
 * @param options whether the standardisation is folded
 * @example
 * const step = standardizationStep(model); // { mean, std } or undefined
 */
export function standardizationStep(model: Model, options: ExportOptions = {}): Standardization | undefined {
  return options.foldStandardization ? undefined : model.standardization;
}

/**
 * The model's layers (copies; the model is untouched), the standardisation folded into the first
 * when asked to, and a standardised regression target always folded into the last.
 * @param model the model
 * @param options whether to fold the standardisation
 * @example
 * const [first] = exportLayers(model, { foldStandardization: true }); // first.kernel takes raw features
 */
export function exportLayers(model: Model, options: ExportOptions = {}): ExportLayer[] {
  const layers = model.network.layers.map((l) => ({
    inputs: l.kernel.rows,
    units: l.kernel.cols,
    activation: l.activation.name,
    kernel: l.kernel.data.slice(),
    bias: l.bias.slice(),
  }));
  const st = options.foldStandardization ? model.standardization : undefined;
  if (st) {
    const first = layers[0];
    const { inputs, units, kernel, bias } = first;
    for (let j = 0; j < units; j++) {
      let shift = 0;
      for (let p = 0; p < inputs; p++) shift += (st.mean[p] / st.std[p]) * kernel[p * units + j];
      bias[j] -= shift;
    }
    for (let p = 0; p < inputs; p++) {
      for (let j = 0; j < units; j++) kernel[p * units + j] /= st.std[p];
    }
  }
  const ts = model.targetStandardization;
  if (ts) {
    const last = layers[layers.length - 1];
    if (last.activation !== 'linear') {
      throw new InputError(
        `the model's target is standardised but its output activation is ${last.activation}, not linear: the scaling cannot be folded into an exported layer`,
      );
    }
    for (let i = 0; i < last.kernel.length; i++) last.kernel[i] *= ts.std; // K' = s·K
    for (let j = 0; j < last.units; j++) last.bias[j] = last.bias[j] * ts.std + ts.mean; // b' = s·b + m
  }
  return layers;
}
