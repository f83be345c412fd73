/**
 * What the exporters (TF.js Layers, ONNX) write: the model's dense layers with the
 * standardisation folded into the first one, so the exported network takes raw features.
 *
 * The model computes z = ((x − μ)/σ) · K + b. Expanding,
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

/** One dense layer as exported: kernel row-major [inputs, units]. */
export interface ExportLayer {
  inputs: number;
  units: number;
  activation: ActivationName;
  kernel: Float64Array;
  bias: Float64Array;
}

/**
 * The model's layers, standardisation folded into the first (copies; the model is untouched).
 * @param model the model
 * @example
 * const [first] = exportLayers(model); // first.kernel takes raw features
 */
export function exportLayers(model: Model): ExportLayer[] {
  const layers = model.network.layers.map((l) => ({
    inputs: l.kernel.rows,
    units: l.kernel.cols,
    activation: l.activation.name,
    kernel: l.kernel.data.slice(),
    bias: l.bias.slice(),
  }));
  const st = model.standardization;
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
