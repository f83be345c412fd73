/**
 * Warnings about a training run that went nowhere: a classifier that predicts one class for
 * every training row, or a model whose training loss is no better than the constant predictor's
 * (the class frequencies, or the mean target). Each comes with the likely cause: unscaled
 * features under `--no-standardize`, or the learning rate.
 */
import type { AnyMatrix, Matrix } from '../core/matrix.js';
import { predict } from '../nn/network.js';
import type { TrainResult } from './train.js';

/** The class each row of network outputs stands for (threshold 0.5, or the largest unit). */
function predictedClasses(out: Matrix): Int32Array {
  const k = new Int32Array(out.rows);
  for (let r = 0; r < out.rows; r++) {
    if (out.cols === 1) k[r] = out.data[r] >= 0.5 ? 1 : 0;
    else {
      let best = 0;
      for (let c = 1; c < out.cols; c++) if (out.data[r * out.cols + c] > out.data[r * out.cols + best]) best = c;
      k[r] = best;
    }
  }
  return k;
}

/**
 * The mean loss of the best constant prediction on targets `y`: the entropy of the class
 * frequencies for cross-entropy, the variance of the targets for mean squared error.
 * @param y the targets (0/1 column, one-hot rows, or numbers)
 * @param loss the loss's name
 * @example
 * constantLoss({ rows: 4, cols: 1, data: Float64Array.of(0, 0, 0, 1) }, 'binary_crossentropy'); // ≈ 0.562
 */
export function constantLoss(y: Matrix, loss: string): number {
  const n = y.rows;
  if (n === 0) return 0;
  const mean = new Float64Array(y.cols);
  for (let i = 0; i < y.data.length; i++) mean[i % y.cols] += y.data[i] / n;
  if (loss === 'mean_squared_error') {
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += (y.data[i] - mean[i % y.cols]) ** 2;
    return s / y.data.length;
  }
  const h = (p: number) => (p > 0 ? -p * Math.log(p) : 0);
  if (y.cols === 1) return h(mean[0]) + h(1 - mean[0]);
  return mean.reduce((s, p) => s + h(p), 0);
}

/** The mean loss of outputs `out` against targets `y` (cross-entropy clipped as the losses clip it). */
function meanLoss(out: Matrix, y: Matrix, loss: string): number {
  const eps = 1e-7;
  let s = 0;
  for (let i = 0; i < y.data.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, out.data[i]));
    if (loss === 'mean_squared_error') s += (out.data[i] - y.data[i]) ** 2;
    else if (loss === 'binary_crossentropy') s -= y.data[i] * Math.log(p) + (1 - y.data[i]) * Math.log(1 - p);
    else s -= y.data[i] * Math.log(p);
  }
  return s / (loss === 'mean_squared_error' ? y.data.length : y.rows);
}

/** The likely cause of a run that went nowhere. */
function hint(result: TrainResult<AnyMatrix>): string {
  if (!result.model.standardization) {
    const raw = result.train.raw.data;
    let largest = 0;
    for (let i = 0; i < raw.length; i++) largest = Math.max(largest, Math.abs(raw[i]));
    if (largest > 10) {
      return `the features are not standardised (--no-standardize) and reach ${largest.toPrecision(3)}: drop --no-standardize, or scale them`;
    }
  }
  const lr = result.model.training?.optimizer?.learningRate;
  return `try another learning rate${lr !== undefined ? ` than ${lr}` : ''} (--lr), more epochs, or another optimiser`;
}

/**
 * What went wrong in a run that learnt nothing, as lines for a person (none when training worked).
 * @param result what `trainModel` (or `trainFromCsvFile`) returned
 * @example
 * for (const w of trainingWarnings(trainModel(table, { standardize: false }))) console.warn(w);
 */
export function trainingWarnings(result: TrainResult<AnyMatrix>): string[] {
  const { train, model } = result;
  if (train.x.rows < 2) return [];
  const out = predict(model.network, train.x);
  const lossName = model.network.loss.config.name;
  const warnings: string[] = [];
  if (model.labels.kind !== 'regression') {
    const k = predictedClasses(out);
    const truth = predictedClasses(train.y);
    const one = k.every((c) => c === k[0]);
    if (one && truth.some((c) => c !== truth[0])) {
      warnings.push(`the model predicts '${model.labels.classes[k[0]]}' for every training row; ${hint(result)}`);
    }
  }
  // The model as saved (the best epoch's weights when early stopping restored them), without L2.
  const trained = meanLoss(out, train.y, lossName);
  const baseline = constantLoss(train.y, lossName);
  if (warnings.length === 0 && !(trained < baseline * 0.999)) {
    warnings.push(
      `the training loss ${trained.toPrecision(4)} is no better than predicting the ${lossName === 'mean_squared_error' ? 'mean' : 'class frequencies'} (${baseline.toPrecision(4)}); ${hint(result)}`,
    );
  }
  return warnings;
}
