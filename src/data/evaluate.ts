/**
 * The metric bundle `evaluate`, `train` and the report show: accuracy, log-loss, ROC AUC,
 * precision, recall, F1, the per-class table and the confusion matrix for classifiers; MSE,
 * RMSE, MAE and R² for regression. Computed with the metric functions of `train/metrics.ts`.
 */
import { type AnyMatrix, float64Rows, type Matrix, zeros } from '../core/matrix.js';
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
  x: AnyMatrix,
  y: Matrix,
  labels: LabelMapping,
  scoring: Scoring = {},
): Metrics {
  if (labels.kind === 'regression') return regressionReport(predict(net, x), y, scoring.targetStandardization);
  const { yhat, loss } = outputsAndLoss(net, x, y);
  return metricsOfOutputs(yhat, y, loss, labels, scoring);
}

/** What a classification report is made of, however its counts were gathered. */
interface ClassificationParts {
  rows: number;
  correct: number;
  loss: number;
  perClass: ClassMetrics[];
  confusion: number[][];
  classes: readonly string[];
  binary: boolean;
  threshold: number | undefined;
  best: { threshold: number; f1: number } | undefined;
}

/** The report: a binary model headlines its positive class, others the mean over classes (macro). */
function classificationReport(p: ClassificationParts): Metrics {
  const mean = (key: 'precision' | 'recall' | 'f1' | 'rocAuc') =>
    p.perClass.reduce((s, c) => s + c[key], 0) / p.perClass.length;
  const headline = p.binary
    ? p.perClass[1]
    : { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), rocAuc: mean('rocAuc') };
  return {
    kind: 'classification',
    rows: p.rows,
    accuracy: p.correct / p.rows,
    logLoss: p.loss,
    rocAuc: headline.rocAuc,
    precision: headline.precision,
    recall: headline.recall,
    f1: headline.f1,
    perClass: p.perClass,
    confusion: p.confusion,
    labels: [...p.classes],
    ...(p.threshold !== undefined ? { threshold: p.threshold } : {}),
    ...(p.best ? { bestThreshold: p.best } : {}),
  };
}

/** Rows per forward pass of {@link outputsAndLoss}: its hidden layers' buffers stay this size. */
const EVALUATE_BLOCK = 4096;

/**
 * The outputs and the mean loss (as `lossOf` gives it) of `net` on `x`, from one forward pass
 * run in blocks of rows: only the output layer's Z and A are kept for every row, which is all
 * the loss reads, so a large test split does not hold every layer's activations at once.
 */
function outputsAndLoss(net: Network, x: AnyMatrix, y: Matrix): { yhat: Matrix; loss: number } {
  checkInputs(net, x);
  const last = net.layers.length - 1;
  const units = outputSize(net);
  const z = zeros(x.rows, units);
  const yhat = zeros(x.rows, units);
  let ws = createWorkspace(net, Math.min(EVALUATE_BLOCK, x.rows));
  const widened = new Float64Array(x.data instanceof Float32Array ? ws.batchSize * x.cols : 0);
  for (let start = 0; start < x.rows; start += EVALUATE_BLOCK) {
    const count = Math.min(EVALUATE_BLOCK, x.rows - start);
    if (count !== ws.batchSize) ws = createWorkspace(net, count);
    forwardProp(net, float64Rows(x, start, count, widened), ws);
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
  const best = labels.kind === 'binary' && scoring.bestThreshold ? bestF1Threshold(yhat.data, truth) : undefined;
  return classificationReport({
    rows: y.rows,
    correct,
    loss,
    perClass,
    confusion,
    classes: labels.classes,
    binary: labels.kind === 'binary',
    threshold: t,
    best,
  });
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
  /** Predicts one batch and keeps what the metrics need of it (not its inputs). */
  add(x: Matrix, y: Matrix): void;
  /** The metrics over every batch added (once: a classifier's kept scores are let go as they are used). */
  result(): Metrics;
}

/** Rows per chunk of a kept column: a column grows by whole chunks, never by copying itself. */
const CHUNK_ROWS = 1 << 16;

/**
 * Where a classifier's evaluation keeps each row's scores until the end, one column per output
 * unit: in memory by default ({@link memoryScoreStore}); a Node caller may keep them in a file.
 */
export interface ScoreStore {
  /** Appends rows' values to column `c`. */
  append(c: number, values: Float64Array): void;
  /** Hands column `c` back in row order, piece by piece; `last`: it will not be read again. */
  read(c: number, visit: (piece: Float64Array) => void, last: boolean): void;
}

const EMPTY = new Float64Array(0);

/**
 * Score columns in memory, each in fixed-size chunks (a column grows by whole chunks, never by
 * copying itself); a column read for the last time is let go chunk by chunk.
 * @example
 * createEvaluation(model, false, memoryScoreStore());
 */
export function memoryScoreStore(): ScoreStore {
  const columns: Float64Array[][] = [];
  const lengths: number[] = [];
  return {
    append(c, values) {
      columns[c] ??= [];
      const chunks = columns[c];
      let length = lengths[c] ?? 0;
      for (let i = 0; i < values.length; ) {
        const at = length % CHUNK_ROWS;
        if (at === 0) chunks.push(new Float64Array(CHUNK_ROWS));
        const n = Math.min(CHUNK_ROWS - at, values.length - i);
        chunks[chunks.length - 1].set(values.subarray(i, i + n), at);
        i += n;
        length += n;
      }
      lengths[c] = length;
    },
    read(c, visit, last) {
      const chunks = columns[c] ?? [];
      const length = lengths[c] ?? 0;
      for (let i = 0; i < chunks.length; i++) {
        visit(chunks[i].subarray(0, Math.min(CHUNK_ROWS, length - i * CHUNK_ROWS)));
        // So that a column and its sorted copy are not both held.
        if (last) chunks[i] = EMPTY;
      }
    },
  };
}

/** Each row's true class, one byte per row (four past 256 classes), in fixed-size chunks. */
interface Classes {
  chunks: (Uint8Array | Int32Array)[];
  length: number;
  push(v: number): void;
  at(row: number): number;
}

function classesOf(k: number): Classes {
  const c: Classes = {
    chunks: [],
    length: 0,
    push(v) {
      const at = c.length % CHUNK_ROWS;
      if (at === 0) c.chunks.push(k <= 256 ? new Uint8Array(CHUNK_ROWS) : new Int32Array(CHUNK_ROWS));
      c.chunks[c.chunks.length - 1][at] = v;
      c.length++;
    },
    at: (row) => c.chunks[Math.floor(row / CHUNK_ROWS)][row % CHUNK_ROWS],
  };
  return c;
}

/**
 * A model's metrics over labelled batches given one after another (a file read in chunks),
 * exactly as {@link evaluateNetwork} gives them over all the rows at once. Of a classifier only
 * the confusion matrix, the loss sum, each row's true class (one byte) and the scores the ROC
 * AUCs need (one number per row and output unit, in `store`) are kept; a regression model keeps
 * its outputs and targets. The log-loss is the row-weighted mean of the batches' mean losses.
 * @param model the model
 * @param bestThreshold also find the decision threshold that maximises F1 (binary models)
 * @param store where the scores wait for the end (default: in memory)
 * @example
 * const ev = createEvaluation(model); ev.add(x, y); const m = ev.result();
 */
export function createEvaluation(
  model: Model,
  bestThreshold = false,
  store: ScoreStore = memoryScoreStore(),
): Evaluation {
  if (model.labels.kind === 'regression') return createRegressionEvaluation(model);
  const net = model.network;
  const labels = model.labels;
  const k = labels.classes.length;
  const cols = net.layers[net.layers.length - 1].bias.length;
  const t = labels.kind === 'binary' ? model.threshold : undefined;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const truths = classesOf(k);
  let lossSum = 0;
  let lastLoss = Number.NaN;
  let batches = 0;
  return {
    add(x, y) {
      const yhat = predict(net, x);
      lastLoss = lossOf(net, x, y, createWorkspace(net, x.rows));
      lossSum += lastLoss * x.rows;
      batches++;
      const predicted = t === undefined ? predictedClasses(yhat) : Int32Array.from(yhat.data, (p) => (p >= t ? 1 : 0));
      const truth = targetClasses(y);
      for (let r = 0; r < x.rows; r++) {
        confusion[truth[r]][predicted[r]]++;
        truths.push(truth[r]);
      }
      if (cols === 1) store.append(0, yhat.data);
      else
        for (let c = 0; c < cols; c++)
          store.append(
            c,
            Float64Array.from({ length: x.rows }, (_, r) => yhat.data[r * cols + c]),
          );
    },
    result() {
      const rows = truths.length;
      // One batch: its own mean, exactly as evaluating the whole table at once gives it.
      const loss = batches === 1 ? lastLoss : rows > 0 ? lossSum / rows : Number.NaN;
      let correct = 0;
      for (let c = 0; c < k; c++) correct += confusion[c][c];
      const sorted = new Float64Array(rows);
      let best: { threshold: number; f1: number } | undefined;
      const binary = cols === 1;
      const perClass = labels.classes.map((label, c) => {
        // Binary: one output, P(class 1); class 0's score is 1 − p, as `oneVsRest` takes it.
        const column = (visit: (piece: Float64Array) => void) =>
          store.read(binary ? 0 : c, visit, !binary || c === k - 1);
        const walk = rocWalk(sorted, column, truths, c, binary && c === 0);
        if (binary && c === 1 && bestThreshold) best = walk.bestF1;
        return { label, ...classScores(confusion, c), rocAuc: walk.auc };
      });
      return classificationReport({
        rows,
        correct,
        loss,
        perClass,
        confusion,
        classes: labels.classes,
        binary: labels.kind === 'binary',
        threshold: t,
        best,
      });
    },
  };
}

/**
 * Class `c`'s ROC AUC against the rest, and (for the positive class of a binary model) the
 * F1-maximising threshold, from a column of scores: its positives are gathered at the front of
 * `buf` and its negatives at the back, each part sorted (a numeric sort, no index array), and the
 * two walked from the highest score down, ties as one step. The steps and the sums are those of
 * `rocAuc` and {@link bestF1Threshold}, so the numbers are the same bits.
 */
function rocWalk(
  buf: Float64Array,
  column: (visit: (piece: Float64Array) => void) => void,
  truths: Classes,
  c: number,
  complement: boolean,
): { auc: number; bestF1: { threshold: number; f1: number } } {
  let front = 0;
  let back = buf.length;
  let row = 0;
  column((piece) => {
    for (let r = 0; r < piece.length; r++) {
      const v = complement ? 1 - piece[r] : piece[r];
      if (truths.at(row++) === c) buf[front++] = v;
      else buf[--back] = v;
    }
  });
  const pos = front;
  const neg = buf.length - pos;
  const P = buf.subarray(0, pos).sort();
  const N = buf.subarray(pos).sort();
  let i = pos - 1;
  let j = neg - 1;
  let tp = 0;
  let fp = 0;
  let fpr0 = 0;
  let tpr0 = 0;
  let area = 0;
  let bestF1 = { threshold: 1, f1: 0 };
  while (i >= 0 || j >= 0) {
    const s = j < 0 || (i >= 0 && P[i] >= N[j]) ? P[i] : N[j];
    while (i >= 0 && P[i] === s) {
      tp++;
      i--;
    }
    while (j >= 0 && N[j] === s) {
      fp++;
      j--;
    }
    const fpr = neg === 0 ? 0 : fp / neg;
    const tpr = pos === 0 ? 0 : tp / pos;
    area += ((fpr - fpr0) * (tpr + tpr0)) / 2;
    fpr0 = fpr;
    tpr0 = tpr;
    const f1 = (2 * tp) / (tp + fp + pos);
    if (f1 > bestF1.f1) bestF1 = { threshold: s, f1 };
  }
  return { auc: fpr0 === 0 || tpr0 === 0 ? Number.NaN : area, bestF1 };
}

/** {@link createEvaluation} for a regression model: its outputs and targets, joined at the end. */
function createRegressionEvaluation(model: Model): Evaluation {
  const net = model.network;
  const cols = net.layers[net.layers.length - 1].bias.length;
  const outs: Matrix[] = [];
  const targets: Matrix[] = [];
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
      rows += x.rows;
    },
    result() {
      return regressionReport(join(outs), join(targets), model.targetStandardization);
    },
  };
}
