/**
 * The metric bundle `evaluate`, `train` and the report show: accuracy, log-loss, ROC AUC,
 * precision, recall, F1, the per-class table and the confusion matrix for classifiers; MSE,
 * RMSE, MAE and R² for regression. Computed with the metric functions of `train/metrics.ts`.
 */
import { type Matrix, rowSlice, zeros } from '../core/matrix.js';
import { lossOf } from '../nn/backprop.js';
import { checkInputs, createWorkspace, forwardProp, type Network, outputSize, predict } from '../nn/network.js';
import {
  classScores,
  confusionMatrix,
  oneVsRest,
  predictedClasses,
  regressionMetrics,
  rocAuc,
  rocCurve,
  targetClasses,
} from '../train/metrics.js';
import type { Table } from './csv.js';
import type { LabelMapping } from './labels.js';
import { labelledData } from './model-data.js';
import type { Model } from './model-file.js';

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  rocAuc: number;
}

export interface ClassificationMetrics {
  kind: 'classification';
  rows: number;
  accuracy: number;
  /** The mean cross-entropy of the network's loss (binary or categorical). */
  logLoss: number;
  /** Binary: of the positive class; multi-class: the macro average of one-vs-rest AUCs. */
  rocAuc: number;
  /** Binary: of the positive class; multi-class: macro averages. */
  precision: number;
  recall: number;
  f1: number;
  perClass: ClassMetrics[];
  /** confusion[t][p]: rows of true class t predicted as p; classes in `labels` order. */
  confusion: number[][];
  labels: string[];
  /** Binary: the probability from which a row was labelled positive, when not 0.5. */
  threshold?: number;
  /** Binary, when asked for: the threshold that maximises F1 on these rows, and that F1. */
  bestThreshold?: { threshold: number; f1: number };
}

export interface RegressionMetrics {
  kind: 'regression';
  rows: number;
  mse: number;
  rmse: number;
  mae: number;
  r2: number;
  /** The mean predictor (ŷ = the mean of these targets): its RMSE (the targets' std) and MAE; its R² is 0. */
  baseline: { rmse: number; mae: number };
}

/** How a model's outputs are read: target scaling (regression) and decision threshold (binary). */
export interface Scoring {
  /** The network predicts (y − mean) / std: outputs and targets are put back in y's units. */
  targetStandardization?: { mean: number; std: number };
  /** Binary: label positive when the probability is ≥ this (default 0.5). */
  threshold?: number;
  /** Binary: also find the threshold that maximises F1 on the rows given. */
  bestThreshold?: boolean;
}

export type Metrics = ClassificationMetrics | RegressionMetrics;

/**
 * ROC curves to draw: the positive class for binary tasks, each class against the rest otherwise.
 * @param yhat the network's outputs
 * @param y the targets
 * @param labels the label mapping
 * @example
 * for (const { label, fpr, tpr } of rocCurves(predict(net, x), y, labels)) draw(label, fpr, tpr);
 */
export function rocCurves(
  yhat: Matrix,
  y: Matrix,
  labels: LabelMapping,
): { label: string; fpr: number[]; tpr: number[] }[] {
  if (labels.kind === 'regression') return [];
  const classes = labels.kind === 'binary' ? [1] : labels.classes.map((_, k) => k);
  return classes.map((k) => {
    const { scores, labels: l } = oneVsRest(yhat, y, k);
    const { fpr, tpr } = rocCurve(scores, l);
    return { label: labels.classes[k], fpr, tpr };
  });
}

/**
 * Regression metrics in the target's units, with the mean predictor's as a baseline.
 * @param yhat the network's outputs
 * @param y the targets, in the network's units
 * @param ts the target's standardisation, if the network was trained on it
 * @example
 * regressionReport(predict(net, x), y, model.targetStandardization);
 */
export function regressionReport(yhat: Matrix, y: Matrix, ts?: { mean: number; std: number }): RegressionMetrics {
  const unscaled = (m: Matrix): Matrix => (ts ? { ...m, data: m.data.map((v) => v * ts.std + ts.mean) } : m);
  const target = unscaled(y);
  const metrics = regressionMetrics(unscaled(yhat), target);
  let mean = 0;
  for (const v of target.data) mean += v / target.data.length;
  const base = regressionMetrics({ ...target, data: target.data.map(() => mean) }, target);
  return { kind: 'regression', rows: y.rows, ...metrics, baseline: { rmse: base.rmse, mae: base.mae } };
}

/**
 * The threshold on the positive class's probability that maximises F1 over these rows (the
 * smallest such probability), and that F1.
 * @param p the positive class's probabilities
 * @param truth the true classes (0/1)
 * @example
 * bestF1Threshold(Float64Array.of(0.9, 0.2, 0.4), Int32Array.of(1, 0, 1)); // { threshold: 0.4, f1: 1 }
 */
export function bestF1Threshold(p: ArrayLike<number>, truth: ArrayLike<number>): { threshold: number; f1: number } {
  const idx = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[b] - p[a]);
  let positives = 0;
  for (let i = 0; i < truth.length; i++) positives += truth[i];
  let tp = 0;
  let best = { threshold: 1, f1: 0 };
  for (let i = 0; i < idx.length; i++) {
    tp += truth[idx[i]];
    // Labelling the first i + 1 rows positive: F1 = 2·TP / (predicted positives + actual positives).
    if (i + 1 < idx.length && p[idx[i + 1]] === p[idx[i]]) continue; // ties go together
    const f1 = (2 * tp) / (i + 1 + positives);
    if (f1 > best.f1) best = { threshold: p[idx[i]], f1 };
  }
  return best;
}

/**
 * Every metric of `net` on inputs `x` with targets `y`.
 * @param net the network
 * @param x its inputs (standardised as it expects)
 * @param y the targets (in the network's units)
 * @param labels the label mapping, which decides classification or regression and names the classes
 * @param scoring the model's target scaling and decision threshold, and whether to find the best threshold
 * @example
 * const m = evaluateNetwork(net, x, y, { kind: 'binary', classes: ['0', '1'] });
 * if (m.kind === 'classification') console.log(m.accuracy, m.rocAuc);
 */
export function evaluateNetwork(
  net: Network,
  x: Matrix,
  y: Matrix,
  labels: LabelMapping,
  scoring: Scoring = {},
): Metrics {
  if (labels.kind === 'regression') return regressionReport(predict(net, x), y, scoring.targetStandardization);
  const { yhat, loss } = outputsAndLoss(net, x, y);
  return metricsOfOutputs(yhat, y, loss, labels, scoring);
}

/** Rows per forward pass of {@link outputsAndLoss}: its hidden layers' buffers stay this size. */
const EVALUATE_BLOCK = 4096;

/**
 * The outputs and the mean loss (as `lossOf` gives it) of `net` on `x`, from one forward pass
 * run in blocks of rows: only the output layer's Z and A are kept for every row, which is all
 * the loss reads, so a large test split does not hold every layer's activations at once.
 */
function outputsAndLoss(net: Network, x: Matrix, y: Matrix): { yhat: Matrix; loss: number } {
  checkInputs(net, x);
  const last = net.layers.length - 1;
  const units = outputSize(net);
  const z = zeros(x.rows, units);
  const yhat = zeros(x.rows, units);
  let ws = createWorkspace(net, Math.min(EVALUATE_BLOCK, x.rows));
  for (let start = 0; start < x.rows; start += EVALUATE_BLOCK) {
    const count = Math.min(EVALUATE_BLOCK, x.rows - start);
    if (count !== ws.batchSize) ws = createWorkspace(net, count);
    forwardProp(net, rowSlice(x, start, count), ws);
    z.data.set(ws.z[last].data, start * units);
    yhat.data.set(ws.a[last].data, start * units);
  }
  return { yhat, loss: net.loss.value(net.layers[last].activation, z, yhat, y) };
}

/**
 * Every metric from a network's outputs `yhat`, the targets `y` and the mean loss.
 * @param yhat the network's outputs
 * @param y the targets (in the network's units)
 * @param loss the mean loss over the rows
 * @param labels the label mapping
 * @param scoring the model's target scaling and decision threshold, and whether to find the best threshold
 * @example
 * const m = metricsOfOutputs(predict(net, x), y, lossOf(net, x, y, ws), labels);
 */
export function metricsOfOutputs(
  yhat: Matrix,
  y: Matrix,
  loss: number,
  labels: LabelMapping,
  scoring: Scoring = {},
): Metrics {
  if (labels.kind === 'regression') return regressionReport(yhat, y, scoring.targetStandardization);
  const k = labels.classes.length;
  const t = labels.kind === 'binary' ? scoring.threshold : undefined;
  const predicted = t === undefined ? predictedClasses(yhat) : Int32Array.from(yhat.data, (p) => (p >= t ? 1 : 0));
  const truth = targetClasses(y);
  const confusion = confusionMatrix(predicted, truth, k);
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) correct++;
  const perClass = labels.classes.map((label, c) => {
    const { scores, labels: l } = oneVsRest(yhat, y, c);
    return { label, ...classScores(confusion, c), rocAuc: rocAuc(scores, l) };
  });
  const mean = (key: 'precision' | 'recall' | 'f1' | 'rocAuc') => perClass.reduce((s, c) => s + c[key], 0) / k;
  const headline =
    labels.kind === 'binary'
      ? perClass[1]
      : { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), rocAuc: mean('rocAuc') };
  return {
    kind: 'classification',
    rows: y.rows,
    accuracy: correct / y.rows,
    logLoss: loss,
    rocAuc: headline.rocAuc,
    precision: headline.precision,
    recall: headline.recall,
    f1: headline.f1,
    perClass,
    confusion,
    labels: [...labels.classes],
    ...(t !== undefined ? { threshold: t } : {}),
    ...(labels.kind === 'binary' && scoring.bestThreshold ? { bestThreshold: bestF1Threshold(yhat.data, truth) } : {}),
  };
}

/**
 * The metrics as lines for a person: headline numbers, then the per-class table and confusion matrix.
 * @param m the metrics
 * @example
 * console.log(describeMetrics(evaluateModel(model, table)).join('\n'));
 */
export function describeMetrics(m: Metrics): string[] {
  const f = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(4));
  if (m.kind === 'regression') {
    return [
      `  rows ${m.rows}   MSE ${f(m.mse)}   RMSE ${f(m.rmse)}   MAE ${f(m.mae)}   R² ${f(m.r2)}`,
      `  mean predictor (baseline): RMSE ${f(m.baseline.rmse)}   MAE ${f(m.baseline.mae)}   R² 0`,
    ];
  }
  const lines = [
    `  rows ${m.rows}   accuracy ${f(m.accuracy)}   log-loss ${f(m.logLoss)}   ROC AUC ${f(m.rocAuc)}`,
    `  precision ${f(m.precision)}   recall ${f(m.recall)}   F1 ${f(m.f1)}${m.labels.length === 2 ? ` (positive class '${m.labels[1]}'${m.threshold !== undefined ? `, threshold ${m.threshold}` : ''})` : ' (macro averages)'}`,
  ];
  if (m.bestThreshold) {
    lines.push(`  best F1 threshold on these rows: ${f(m.bestThreshold.threshold)} (F1 ${f(m.bestThreshold.f1)})`);
  }
  const w = Math.max(5, ...m.labels.map((l) => l.length));
  lines.push('', `  ${'class'.padEnd(w)}  precision  recall      F1  support  ROC AUC`);
  for (const c of m.perClass) {
    lines.push(
      `  ${c.label.padEnd(w)}  ${f(c.precision).padStart(9)}  ${f(c.recall).padStart(6)}  ${f(c.f1).padStart(6)}  ${String(c.support).padStart(7)}  ${f(c.rocAuc).padStart(7)}`,
    );
  }
  const cw = Math.max(w, ...m.confusion.flat().map((v) => String(v).length));
  lines.push('', `  confusion matrix (rows: true class, columns: predicted)`);
  lines.push(`  ${''.padEnd(w)}  ${m.labels.map((l) => l.padStart(cw)).join('  ')}`);
  m.confusion.forEach((row, t) =>
    lines.push(`  ${m.labels[t].padEnd(w)}  ${row.map((v) => String(v).padStart(cw)).join('  ')}`),
  );
  return lines;
}

/**
 * A model's metrics on a labelled table: its features (standardised with the model's statistics)
 * and the target column (`target`, else the model's) under its label mapping.
 * @param model the model
 * @param table labelled rows
 * @param options `target`: the label column; `modelName`: the model's name in messages
 * @example
 * const metrics = evaluateModel(model, parseCsv(text, 'test.csv'));
 */
export function evaluateModel(
  model: Model,
  table: Table,
  options: { target?: string; modelName?: string; bestThreshold?: boolean } = {},
): Metrics & { target: string } {
  const { x, y, target } = labelledData(model, table, options.modelName ?? 'the model', options.target);
  return { ...evaluateNetwork(model.network, x, y, model.labels, modelScoring(model, options.bestThreshold)), target };
}

/**
 * The model's target scaling and threshold as {@link evaluateNetwork} takes them.
 * @param model the model
 * @param bestThreshold also find the threshold that maximises F1
 * @example
 * evaluateNetwork(model.network, x, y, model.labels, modelScoring(model));
 */
export function modelScoring(model: Model, bestThreshold = false): Scoring {
  return {
    ...(model.targetStandardization ? { targetStandardization: model.targetStandardization } : {}),
    ...(model.threshold !== undefined ? { threshold: model.threshold } : {}),
    ...(bestThreshold ? { bestThreshold } : {}),
  };
}

/**
 * The few numbers worth keeping in a model file.
 * @param m the metrics
 * @example
 * model.metrics = { test: headlineMetrics(metrics) };
 */
export function headlineMetrics(m: Metrics): Record<string, number> {
  if (m.kind === 'regression') return { rows: m.rows, mse: m.mse, rmse: m.rmse, mae: m.mae, r2: m.r2 };
  return {
    rows: m.rows,
    accuracy: m.accuracy,
    logLoss: m.logLoss,
    rocAuc: m.rocAuc,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
  };
}

/** Metrics gathered batch by batch; see {@link createEvaluation}. */
export interface Evaluation {
  /** Predicts one batch and keeps its outputs and targets (not its inputs). */
  add(x: Matrix, y: Matrix): void;
  /** The metrics over every batch added. */
  result(): Metrics;
}

/**
 * A model's metrics over labelled batches given one after another (a file read in chunks): each
 * batch's outputs and targets are kept (a few numbers per row), its inputs are not. The log-loss
 * is the row-weighted mean of the batches' mean losses.
 * @param model the model
 * @param bestThreshold also find the decision threshold that maximises F1 (binary models)
 * @example
 * const ev = createEvaluation(model); ev.add(x, y); const m = ev.result();
 */
export function createEvaluation(model: Model, bestThreshold = false): Evaluation {
  const net = model.network;
  const cols = net.layers[net.layers.length - 1].bias.length;
  const outs: Matrix[] = [];
  const targets: Matrix[] = [];
  let lossSum = 0;
  let lastLoss = Number.NaN;
  let rows = 0;
  const join = (ms: Matrix[]): Matrix => {
    if (ms.length === 1) return ms[0];
    const data = new Float64Array(rows * cols);
    let at = 0;
    // Each batch is let go as soon as it is copied, so the copy does not double the memory.
    for (let m = ms.shift(); m !== undefined; m = ms.shift()) {
      data.set(m.data, at);
      at += m.data.length;
    }
    return { rows, cols, data };
  };
  return {
    add(x, y) {
      outs.push(predict(net, x));
      targets.push(y);
      lastLoss = lossOf(net, x, y, createWorkspace(net, x.rows));
      lossSum += lastLoss * x.rows;
      rows += x.rows;
    },
    result() {
      // One batch: its own mean, exactly as evaluating the whole table at once gives it.
      const loss = outs.length === 1 ? lastLoss : rows > 0 ? lossSum / rows : Number.NaN;
      return metricsOfOutputs(join(outs), join(targets), loss, model.labels, modelScoring(model, bestThreshold));
    },
  };
}
