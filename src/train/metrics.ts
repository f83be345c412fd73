/**
 * Classification metrics computed from predictions and targets (both [n, outputs]).
 * Binary tasks (one output unit) threshold ŷ at 0.5; multi-class tasks take the arg-max.
 */
import type { Matrix } from '../core/matrix.js';

/** Index of the largest value in row `r`. */
export function argmaxRow(m: Matrix, r: number): number {
  let best = 0;
  for (let j = 1; j < m.cols; j++) if (m.data[r * m.cols + j] > m.data[r * m.cols + best]) best = j;
  return best;
}

/** The predicted class of each row: 0/1 by ŷ ≥ 0.5 for one output, else the arg-max. */
export function predictedClasses(yhat: Matrix): Int32Array {
  const out = new Int32Array(yhat.rows);
  for (let r = 0; r < yhat.rows; r++) out[r] = yhat.cols === 1 ? (yhat.data[r] >= 0.5 ? 1 : 0) : argmaxRow(yhat, r);
  return out;
}

/** The true class of each row of a target matrix (0/1 column, or one-hot). */
export function targetClasses(y: Matrix): Int32Array {
  const out = new Int32Array(y.rows);
  for (let r = 0; r < y.rows; r++) out[r] = y.cols === 1 ? (y.data[r] >= 0.5 ? 1 : 0) : argmaxRow(y, r);
  return out;
}

/** Number of correctly classified rows (for one output unit, `ŷ ≥ 0.5` against `y ≥ 0.5`). */
export function countCorrect(yhat: Matrix, y: Matrix): number {
  let correct = 0;
  const p = predictedClasses(yhat);
  const t = targetClasses(y);
  for (let r = 0; r < p.length; r++) if (p[r] === t[r]) correct++;
  return correct;
}

/** Fraction of correctly classified rows. */
export function accuracy(yhat: Matrix, y: Matrix): number {
  return y.rows === 0 ? Number.NaN : countCorrect(yhat, y) / y.rows;
}

/** counts[t][p]: how many rows of true class t were predicted as p. */
export function confusionMatrix(predicted: Int32Array, actual: Int32Array, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < predicted.length; i++) m[actual[i]][predicted[i]]++;
  return m;
}

/** Precision, recall and F1 of one class from a confusion matrix (NaN where undefined). */
export function classScores(
  confusion: number[][],
  c: number,
): { precision: number; recall: number; f1: number; support: number } {
  const tp = confusion[c][c];
  const predicted = confusion.reduce((s, row) => s + row[c], 0);
  const support = confusion[c].reduce((s, v) => s + v, 0);
  const precision = predicted === 0 ? Number.NaN : tp / predicted;
  const recall = support === 0 ? Number.NaN : tp / support;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : Number.NaN;
  return { precision, recall, f1, support };
}

/** Points of the ROC curve (false-positive rate, true-positive rate), from the highest score down. */
export function rocCurve(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
): { fpr: number[]; tpr: number[]; thresholds: number[] } {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) pos++;
  const neg = labels.length - pos;
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Number.POSITIVE_INFINITY];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < idx.length; k++) {
    if (labels[idx[k]] === 1) tp++;
    else fp++;
    // Tied scores form one step of the curve.
    if (k === idx.length - 1 || scores[idx[k + 1]] !== scores[idx[k]]) {
      fpr.push(neg === 0 ? 0 : fp / neg);
      tpr.push(pos === 0 ? 0 : tp / pos);
      thresholds.push(scores[idx[k]]);
    }
  }
  return { fpr, tpr, thresholds };
}

/** Area under the ROC curve (trapezoids; ties count one half), NaN when one class is absent. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  // rocCurve's points and trapezoids in the same arithmetic, without its arrays: a large test
  // split's curve is megabytes of garbage.
  const idx = Uint32Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) pos++;
  const neg = labels.length - pos;
  let tp = 0;
  let fp = 0;
  let fpr = 0;
  let tpr = 0;
  let area = 0;
  for (let k = 0; k < idx.length; k++) {
    if (labels[idx[k]] === 1) tp++;
    else fp++;
    if (k === idx.length - 1 || scores[idx[k + 1]] !== scores[idx[k]]) {
      const f = neg === 0 ? 0 : fp / neg;
      const t = pos === 0 ? 0 : tp / pos;
      area += ((f - fpr) * (t + tpr)) / 2;
      fpr = f;
      tpr = t;
    }
  }
  return fpr === 0 || tpr === 0 ? Number.NaN : area;
}

/** Scores and 0/1 labels for the ROC curve of class `cls` against the rest (binary: ŷ is P(class 1)). */
export function oneVsRest(yhat: Matrix, y: Matrix, cls: number): { scores: Float64Array; labels: Int32Array } {
  const n = yhat.rows;
  const scores = new Float64Array(n);
  const labels = new Int32Array(n);
  const truth = targetClasses(y);
  for (let r = 0; r < n; r++) {
    scores[r] = yhat.cols === 1 ? (cls === 1 ? yhat.data[r] : 1 - yhat.data[r]) : yhat.data[r * yhat.cols + cls];
    labels[r] = truth[r] === cls ? 1 : 0;
  }
  return { scores, labels };
}

/** Mean squared error, its root, mean absolute error and R² over every output. */
export function regressionMetrics(yhat: Matrix, y: Matrix): { mse: number; rmse: number; mae: number; r2: number } {
  const n = y.data.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y.data[i] / n;
  let se = 0;
  let ae = 0;
  let tss = 0;
  for (let i = 0; i < n; i++) {
    const e = yhat.data[i] - y.data[i];
    se += e * e;
    ae += Math.abs(e);
    tss += (y.data[i] - mean) ** 2;
  }
  return { mse: se / n, rmse: Math.sqrt(se / n), mae: ae / n, r2: tss > 0 ? 1 - se / tss : Number.NaN };
}
