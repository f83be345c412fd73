/**
 * One example's (or a mini-batch's) forward and backward pass, as `backprop explain` shows it:
 * in the notes' notation for two-layer, one-output networks, in the general per-layer δ form for
 * any other depth, with the SGD step the example would cause and a finite-difference check of
 * every gradient. The numbers come from the same code that trains (`computeGradients`,
 * `notesQuantities`, `gradientCheck`); this module chooses the rows and lays the numbers out.
 */
import { fromRows, type Matrix, toRows, transpose } from '../core/matrix.js';
import { computeGradients, type GradientResult } from '../nn/backprop.js';
import { gradientCheck } from '../nn/gradient-check.js';
import { type Network, predict } from '../nn/network.js';
import { isNotesShaped, type NotesQuantities, notesQuantities } from '../nn/notes.js';
import { predictedClasses } from '../train/metrics.js';
import type { Table } from './csv.js';
import { formatMatrix, formatNumber, shapeOf } from './format.js';
import { InputError } from './input-error.js';
import { classRow, encodeLabel, type LabelMapping } from './labels.js';
import { modelInputs, modelTargets, targetColumn } from './model-data.js';
import type { Model } from './model-file.js';
import { standardize } from './standardize.js';
import type { Split } from './train.js';

/** What to explain: the network's inputs (already standardised) and targets, one row or a batch. */
export interface ExplainInput {
  model: Model;
  /** Network inputs, [n, inputs]. */
  x: Matrix;
  /** Raw feature values (before standardisation), [n, inputs]. */
  raw: Matrix;
  /** Targets, [n, outputs]. */
  y: Matrix;
  /** Whether y came from the user or the data (false: the network's own prediction). */
  yGiven: boolean;
  /** Learning rate of the SGD step shown. */
  lr: number;
  /** Where the example comes from, for the heading. */
  source: string;
}

/** One layer's quantities for the rows explained (`[row][col]` arrays; kernels are [in, out]). */
export interface LayerQuantities {
  layer: number;
  activation: string;
  kernel: number[][];
  bias: number[];
  /** Pre-activations z_l, activations a_l and δ_l = ∂L/∂z_l, one row per example. */
  z: number[][];
  a: number[][];
  delta: number[][];
  /** ∂L/∂K_l and ∂L/∂b_l of the mean loss. */
  dKernel: number[][];
  dBias: number[];
}

/** The SGD step P_new = P − η·∂L/∂P, in the notes' notation or per layer. */
export type SgdStep =
  | { learningRate: number; W: number[][]; b1: number[][]; U: number[][]; b2: number }
  | { learningRate: number; layers: { kernel: number[][]; bias: number[] }[] };

/** The quantities of an explanation, as `backprop explain --json` prints them. */
export interface ExplanationJson extends Partial<NotesQuantities> {
  command: 'explain';
  source: string;
  /** Layer sizes, e.g. "3-4-1". */
  network: string;
  features: string[];
  rows: number;
  learningRate: number;
  /** One example only: its raw feature values and its label. */
  xRaw?: number[];
  label?: string;
  labelGiven?: boolean;
  /**
   * The loss (of the example, or the mean over the batch). The notes' quantities (W, b1, U, b2,
   * and for one example x, z, h, θ, ŷ, δ1, δ2; the gradients dW, dU, db1, db2) are present for
   * two-layer, one-output networks.
   */
  loss: number;
  sgd: SgdStep;
  layers: LayerQuantities[];
  gradientCheck: {
    epsilon: number;
    maxRelError: number;
    agrees: boolean;
    layers: { layer: number; kernel: number; bias: number }[];
  };
}

/** An explanation: its quantities as a JSON value, and the same as lines for a person. */
export interface Explanation {
  json: ExplanationJson;
  lines: string[];
}

const EPSILON = 1e-5;
/** Relative error below which a finite-difference check counts as agreement (float64, h = 1e-5). */
const AGREEMENT = 1e-6;

const sub = (a: number[][], b: number[][], lr: number) => a.map((r, i) => r.map((v, j) => v - lr * b[i][j]));

/** The network's layer sizes, e.g. "3-4-1". */
function sizes(net: Network): string {
  return [net.inputSize, ...net.layers.map((l) => l.bias.length)].join('-');
}

/** The network's own answer as a target row: its predicted class, or its output for regression. */
function predictedTarget(net: Network, x: Matrix, labels: LabelMapping): Matrix {
  const yhat = predict(net, x);
  if (labels.kind === 'regression') return yhat;
  return fromRows(Array.from(predictedClasses(yhat), (c) => classRow(c, labels)));
}

/** The learning rate of the step shown: the one given, else the model's, else 0.1. */
function learningRate(model: Model, lr: number | undefined): number {
  return lr ?? model.training?.optimizer?.learningRate ?? 0.1;
}

/**
 * What to explain for one example given by its raw feature values.
 * @param model the model
 * @param values raw feature values in the model's feature order
 * @param options `label` (default: the network's own prediction), `lr` of the SGD step shown
 * @example
 * explain(explainInputFromValues(model, [17.5, 21.3, 0.14], { label: '1' }));
 */
export function explainInputFromValues(
  model: Model,
  values: readonly number[],
  options: { label?: string; lr?: number } = {},
): ExplainInput {
  const net = model.network;
  if (values.length !== net.inputSize) {
    throw new InputError(`--x: ${values.length} values, expected ${net.inputSize} (${model.features.join(', ')})`);
  }
  const raw = fromRows([[...values]]);
  const x = model.standardization ? standardize(raw, model.standardization) : raw;
  const y = options.label !== undefined ? fromRows([encodeLabel(options.label, model.labels, '--y')]) : undefined;
  return {
    model,
    x,
    raw,
    y: y ?? predictedTarget(net, x, model.labels),
    yGiven: y !== undefined,
    lr: learningRate(model, options.lr),
    source: '--x',
  };
}

/** Options of {@link explainInputFromTable}. */
export interface ExplainTableOptions {
  /** The 1-based data row to explain; without it the whole table is one mini-batch. */
  row?: number;
  /** The label column (default: the model's target, when the table has it). */
  target?: string;
  /** A label for every row, instead of the table's. */
  label?: string;
  /** Learning rate of the SGD step shown (default: the model's, else 0.1). */
  lr?: number;
  /** The model's name in messages. */
  modelName?: string;
}

/**
 * What to explain for one row of a table, or all its rows as one mini-batch. Rows without a
 * label column are explained against the network's own predictions.
 * @param model the model
 * @param table rows with the model's feature columns
 * @param options the row, the label column or label, the learning rate
 * @example
 * const { lines } = explain(explainInputFromTable(model, parseCsv(text, 'data.csv'), { row: 5 }));
 */
export function explainInputFromTable(model: Model, table: Table, options: ExplainTableOptions = {}): ExplainInput {
  const modelName = options.modelName ?? 'the model';
  const all = modelInputs(model, table, modelName);
  const target = targetColumn(model, table, options.target);
  const hasTarget = table.header.includes(target) && !model.features.includes(target);
  if (options.target && !hasTarget)
    throw new InputError(
      `${table.file}: no label column '${options.target}' (--target); the columns are: ${table.header.join(', ')}`,
    );
  let rows = Array.from({ length: table.rows.length }, (_, i) => i);
  if (options.row !== undefined) {
    if (options.row > table.rows.length)
      throw new InputError(`--row ${options.row}: ${table.file} has ${table.rows.length} data rows`);
    rows = [options.row - 1];
  }
  const pick = (m: Matrix) => fromRows(rows.map((r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols))));
  const x = pick(all);
  const raw = model.standardization
    ? pick(modelInputs({ ...model, standardization: undefined } as Model, table, modelName))
    : x;
  let y: Matrix | undefined;
  if (options.label !== undefined) y = fromRows(rows.map(() => encodeLabel(options.label!, model.labels, '--y')));
  else if (hasTarget) y = pick(modelTargets(model, table, target));
  const source =
    options.row !== undefined ? `${table.file} row ${options.row} (line ${table.lines[options.row - 1]})` : table.file;
  return {
    model,
    x,
    raw,
    y: y ?? predictedTarget(model.network, x, model.labels),
    yGiven: y !== undefined,
    lr: learningRate(model, options.lr),
    source,
  };
}

/**
 * What to explain for row `index` of a training run's split (its own standardised inputs and
 * targets), e.g. the first test example.
 * @param model the trained model
 * @param split a split of `trainModel`'s result
 * @param index the row within the split
 * @param lr learning rate of the SGD step shown
 * @param source where the row comes from, for the heading
 * @example
 * const r = trainModel(table, NOTES_TRAINING);
 * explain(explainInputFromSplit(r.model, r.test!, 0, 0.1, 'the first test example'));
 */
export function explainInputFromSplit(
  model: Model,
  split: Split,
  index: number,
  lr: number,
  source: string,
): ExplainInput {
  const row = (m: Matrix) => fromRows([Array.from(m.data.subarray(index * m.cols, (index + 1) * m.cols))]);
  return { model, x: row(split.x), raw: row(split.raw), y: row(split.y), yGiven: true, lr, source };
}

/** The heading: the network, the example (features and label) or the batch. */
function heading(input: ExplainInput, lines: string[], json: Record<string, unknown>): void {
  const { model, y } = input;
  const net = model.network;
  const one = input.x.rows === 1;
  const labelName = (row: number): string => {
    if (model.labels.kind === 'regression') return formatNumber(y.data[row]);
    const cls =
      model.labels.kind === 'binary' ? y.data[row] : y.data.subarray(row * y.cols, (row + 1) * y.cols).indexOf(1);
    return model.labels.classes[cls];
  };
  lines.push(`Network ${sizes(net)} (${net.layers.map((l) => l.activation.name).join(', ')}; ${net.loss.config.name})`);
  lines.push(
    one ? `Example: ${input.source}` : `Mini-batch: ${input.source}, ${input.x.rows} rows; gradients of the MEAN loss`,
  );
  if (one) {
    const raw = Array.from(input.raw.data);
    lines.push(
      `  features: ${model.features.map((f, i) => `${f} = ${formatNumber(raw[i])}`).join(', ')}${model.standardization ? " (standardised with the model's statistics to give x)" : ''}`,
    );
    lines.push(
      `  label: ${labelName(0)}${input.yGiven ? '' : " (no label given: using the network's own prediction)"}`,
    );
    json.xRaw = raw;
    json.label = labelName(0);
    json.labelGiven = input.yGiven;
  }
  lines.push('');
}

/** Lines that print a matrix or a scalar with its name and equation. */
function printers(lines: string[]) {
  return {
    mat(label: string, eq: string, m: number[][]) {
      lines.push(`  ${label.padEnd(28)} ${shapeOf(m).padEnd(6)} ${eq}`);
      lines.push(...formatMatrix(m, '      '));
    },
    scalar(label: string, eq: string, v: number) {
      lines.push(`  ${label.padEnd(28)} ${'scalar'.padEnd(6)} ${eq.padEnd(9)} = ${formatNumber(v)}`);
    },
  };
}

/** The notes' gradients for one example (their own per-example code path) or the batch mean. */
function notesGradients(input: ExplainInput, grads: GradientResult, lines: string[], json: Record<string, unknown>) {
  const net = input.model.network;
  const { mat, scalar } = printers(lines);
  const f = net.layers[0].activation.name === 'sigmoid' ? 'σ' : net.layers[0].activation.name;
  const g = net.layers[1].activation.name === 'sigmoid' ? 'σ' : net.layers[1].activation.name;
  const loss = net.loss.config.name;
  const lossName = loss === 'binary_crossentropy' ? 'CE' : loss === 'mean_squared_error' ? 'MSE' : 'L';
  const simple = g === 'σ' && lossName === 'CE' && !net.loss.config.epsilon;
  if (input.x.rows === 1) {
    const q = notesQuantities(net, Array.from(input.x.data), input.y.data[0]);
    lines.push('Forward pass');
    mat('x', '', q.x);
    mat(`z = W x + b1`, '', q.z);
    mat(`h = ${f}(z)`, '', q.h);
    scalar('θ = U h + b2', '', q.theta);
    scalar(`ŷ = ${g}(θ)`, '', q.yhat);
    scalar(`L = ${lossName}(ŷ, y)`, `y = ${formatNumber(q.y)}`, q.loss);
    lines.push('Backward pass');
    scalar(simple ? 'δ1 = ∂L/∂θ = ŷ − y' : 'δ1 = ∂L/∂θ', 'eq. 3', q.delta1);
    mat(`δ2 = δ1·U ∘ ${f}'(z)`, 'eq. 4–5', q.delta2);
    mat('∂L/∂W = δ2ᵀ ⊗ xᵀ', 'eq. 6', q.dW);
    mat('∂L/∂U = δ1·hᵀ', 'eq. 7', q.dU);
    mat('∂L/∂b1 = δ2ᵀ', '', q.db1);
    scalar('∂L/∂b2 = δ1', '', q.db2);
    Object.assign(json, q);
    return q;
  }
  // A mini-batch: the notes' gradients of the mean loss, from the batched backprop.
  const dW = toRows(transpose(grads.gradients[0].kernel));
  const dU = toRows(transpose(grads.gradients[1].kernel));
  const db1 = Array.from(grads.gradients[0].bias, (v) => [v]);
  const db2 = grads.gradients[1].bias[0];
  scalar('L = mean loss', '', grads.loss);
  lines.push('Backward pass (each gradient the mean of the per-example ones)');
  mat('∂L/∂W = mean δ2ᵀ ⊗ xᵀ', 'eq. 6', dW);
  mat('∂L/∂U = mean δ1·hᵀ', 'eq. 7', dU);
  mat('∂L/∂b1 = mean δ2ᵀ', '', db1);
  scalar('∂L/∂b2 = mean δ1', '', db2);
  return { dW, dU, db1, db2 };
}

/** The notes' form: W, U, b1, b2 as column-vector matrices, the gradients and the SGD step. */
function notesForm(input: ExplainInput, grads: GradientResult, lines: string[], json: Record<string, unknown>): void {
  const net = input.model.network;
  const lr = input.lr;
  const W = toRows(transpose(net.layers[0].kernel));
  const U = toRows(transpose(net.layers[1].kernel));
  const b1 = Array.from(net.layers[0].bias, (v) => [v]);
  const b2 = net.layers[1].bias[0];
  lines.push(
    `The notes' notation: W = (layer 1 kernel)ᵀ ${W.length}×${net.inputSize}, U = (layer 2 kernel)ᵀ 1×${W.length}, column vectors.`,
  );
  const { dW, dU, db1, db2 } = notesGradients(input, grads, lines, json);
  if (input.x.rows !== 1) Object.assign(json, { W, b1, U: U, b2, loss: grads.loss, dW, dU, db1, db2 });
  const { mat, scalar } = printers(lines);
  const sgd = { W: sub(W, dW, lr), b1: sub(b1, db1, lr), U: sub(U, dU, lr), b2: b2 - lr * db2 };
  lines.push(`SGD step, η = ${formatNumber(lr)}: P_new = P − η·∂L/∂P`);
  mat('W_new = W − η·∂L/∂W', '', sgd.W);
  mat('b1_new = b1 − η·∂L/∂b1', '', sgd.b1);
  mat('U_new = U − η·∂L/∂U', '', sgd.U);
  scalar('b2_new = b2 − η·∂L/∂b2', '', sgd.b2);
  json.sgd = { learningRate: lr, ...sgd };
}

/** Every layer's quantities for the batch, as plain rows. */
function layerQuantities(net: Network, grads: GradientResult): LayerQuantities[] {
  return net.layers.map((layer, l) => ({
    layer: l + 1,
    activation: layer.activation.name,
    kernel: toRows(layer.kernel),
    bias: Array.from(layer.bias),
    z: toRows(grads.workspace.z[l]),
    a: toRows(grads.workspace.a[l]),
    delta: toRows(grads.workspace.delta[l]),
    dKernel: toRows(grads.gradients[l].kernel),
    dBias: Array.from(grads.gradients[l].bias),
  }));
}

/** The per-layer form for any depth: z, a, δ, the gradients and the SGD step of each layer. */
function perLayerForm(input: ExplainInput, grads: GradientResult, layers: LayerQuantities[], lines: string[]) {
  const lr = input.lr;
  lines.push('Per-layer form (Keras layout: rows are examples, kernel K_l is [in, out]):');
  lines.push('  z_l = a_(l−1)·K_l + b_l,  a_l = f_l(z_l),  a_0 = x');
  lines.push("  δ_L = ∂L/∂z_L (= (ŷ − y)/n for sigmoid+CE and softmax+CE),  δ_l = (δ_(l+1)·K_(l+1)ᵀ) ∘ f_l'(z_l)");
  lines.push('  ∂L/∂K_l = a_(l−1)ᵀ·δ_l,  ∂L/∂b_l = Σ_rows δ_l');
  lines.push(`  L = ${formatNumber(grads.loss)}`);
  const show = (label: string, m: number[][]) => {
    lines.push(`    ${label} (${shapeOf(m)})`);
    lines.push(...formatMatrix(m.slice(0, 12), '      '));
    if (m.length > 12) lines.push(`      … ${m.length - 12} more rows`);
  };
  for (const L of layers) {
    lines.push(`  layer ${L.layer} (${L.activation})`);
    if (input.x.rows === 1) {
      show(`z_${L.layer}`, L.z);
      show(`a_${L.layer}`, L.a);
      show(`δ_${L.layer} = ∂L/∂z_${L.layer}`, L.delta);
    }
    show(`∂L/∂K_${L.layer}`, L.dKernel);
    show(`∂L/∂b_${L.layer}`, [L.dBias]);
    show(
      `K_${L.layer}_new = K_${L.layer} − η·∂L/∂K_${L.layer}  (η = ${formatNumber(lr)})`,
      sub(L.kernel, L.dKernel, lr),
    );
    show(`b_${L.layer}_new`, sub([L.bias], [L.dBias], lr));
  }
  return {
    loss: grads.loss,
    sgd: {
      learningRate: lr,
      layers: layers.map((L) => ({ kernel: sub(L.kernel, L.dKernel, lr), bias: sub([L.bias], [L.dBias], lr)[0] })),
    },
  };
}

/** The finite-difference check of every gradient, as a line and as JSON. */
function checkSection(input: ExplainInput, lines: string[]) {
  const net = input.model.network;
  const check = gradientCheck(net, input.x, input.y, { epsilon: EPSILON });
  const params = net.layers.reduce((s, l) => s + l.kernel.data.length + l.bias.length, 0);
  const ok = check.maxRelError < AGREEMENT;
  lines.push('');
  lines.push(
    `Finite-difference check (central, h = ${EPSILON.toExponential(0)}): max relative error ${check.maxRelError.toExponential(2)} over ${params} parameters — ${ok ? 'the gradients agree' : 'DISAGREEMENT'}`,
  );
  return {
    epsilon: EPSILON,
    maxRelError: check.maxRelError,
    agrees: ok,
    layers: check.layers.map((l) => ({ layer: l.layer, kernel: l.kernel.maxRelError, bias: l.bias.maxRelError })),
  };
}

/**
 * Explains the example(s) in `input`: the forward and backward pass (the notes' quantities for a
 * two-layer, one-output network, else per layer), the SGD step with `input.lr`, and a central
 * finite-difference check of every gradient.
 * @param input the model, the rows (see {@link explainInputFromValues}, {@link explainInputFromTable}) and η
 * @returns the quantities as JSON and as lines for a person
 * @example
 * const { json, lines } = explain(explainInputFromValues(model, [1.2, -0.3, 0.5], { label: '1' }));
 * console.log(lines.join('\n'));
 */
export function explain(input: ExplainInput): Explanation {
  const net = input.model.network;
  const grads = computeGradients(net, input.x, input.y);
  const lines: string[] = [];
  const json: Record<string, unknown> = {
    command: 'explain',
    source: input.source,
    network: sizes(net),
    features: input.model.features,
    rows: input.x.rows,
    learningRate: input.lr,
  };
  heading(input, lines, json);
  const layers = layerQuantities(net, grads);
  if (isNotesShaped(net) && net.layers[1].activation.name !== 'softmax') notesForm(input, grads, lines, json);
  else Object.assign(json, perLayerForm(input, grads, layers, lines));
  json.layers = layers;
  json.gradientCheck = checkSection(input, lines);
  return { json: json as unknown as ExplanationJson, lines };
}
