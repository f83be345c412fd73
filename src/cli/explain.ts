/**
 * `backprop explain`: one example's forward and backward pass in the notes' notation (for
 * two-layer, one-output networks), or in the general per-layer δ form, with the SGD step the
 * example would cause and a finite-difference check of every gradient.
 */
import type { Command } from 'commander';
import { fromRows, type Matrix, toRows, transpose } from '../core/matrix.js';
import { InputError } from '../data/input-error.js';
import { canonicalLabel, type LabelMapping } from '../data/labels.js';
import { modelInputs, modelTargets, targetColumn } from '../data/model-data.js';
import type { Model } from '../data/model-file.js';
import { standardize } from '../data/standardize.js';
import { computeGradients } from '../nn/backprop.js';
import { gradientCheck } from '../nn/gradient-check.js';
import { type Network, predict } from '../nn/network.js';
import { isNotesShaped, notesQuantities } from '../nn/notes.js';
import { readCsv } from '../node/csv-file.js';
import { loadModel } from '../node/model-files.js';
import { predictedClasses } from '../train/metrics.js';
import { formatMatrix, formatNumber, shapeOf } from './format.js';
import * as parse from './options.js';
import { createOutput } from './output.js';

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

export interface Explanation {
  json: Record<string, unknown>;
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

/** The targets a label means under the model's mapping, as one row. */
export function encodeLabel(label: string, labels: LabelMapping, flag: string): number[] {
  if (labels.kind === 'regression') {
    const v = Number(label);
    if (label.trim() === '' || !Number.isFinite(v))
      throw new InputError(`${flag} ${label}: expected a number (the model does regression)`);
    return [v];
  }
  const k = labels.classes.indexOf(canonicalLabel(label));
  if (k < 0) throw new InputError(`${flag} ${label}: not one of the model's classes (${labels.classes.join(', ')})`);
  return labels.kind === 'binary' ? [k] : labels.classes.map((_, j) => (j === k ? 1 : 0));
}

/** The network's own answer as a target row: its predicted class, or its output for regression. */
function predictedTarget(net: Network, x: Matrix, labels: LabelMapping): Matrix {
  const yhat = predict(net, x);
  if (labels.kind === 'regression') return yhat;
  const cls = predictedClasses(yhat);
  return fromRows(
    Array.from(cls, (c) => (labels.kind === 'binary' ? [c] : labels.classes.map((_, j) => (j === c ? 1 : 0)))),
  );
}

/** Builds the explanation (text lines and JSON) of the example(s) in `input`. */
export function explain(input: ExplainInput): Explanation {
  const { model, x, y, lr } = input;
  const net = model.network;
  const n = x.rows;
  const one = n === 1;
  const grads = computeGradients(net, x, y);
  const check = gradientCheck(net, x, y, { epsilon: EPSILON });
  const lines: string[] = [];
  const json: Record<string, unknown> = {
    command: 'explain',
    source: input.source,
    network: sizes(net),
    features: model.features,
    rows: n,
    learningRate: lr,
  };
  const labelName = (row: number): string => {
    if (model.labels.kind === 'regression') return formatNumber(y.data[row]);
    const cls =
      model.labels.kind === 'binary' ? y.data[row] : y.data.subarray(row * y.cols, (row + 1) * y.cols).indexOf(1);
    return model.labels.classes[cls];
  };

  lines.push(`Network ${sizes(net)} (${net.layers.map((l) => l.activation.name).join(', ')}; ${net.loss.config.name})`);
  lines.push(one ? `Example: ${input.source}` : `Mini-batch: ${input.source}, ${n} rows; gradients of the MEAN loss`);
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

  if (isNotesShaped(net) && net.layers[1].activation.name !== 'softmax') {
    const f = net.layers[0].activation.name === 'sigmoid' ? 'σ' : net.layers[0].activation.name;
    const g = net.layers[1].activation.name === 'sigmoid' ? 'σ' : net.layers[1].activation.name;
    const lossName =
      net.loss.config.name === 'binary_crossentropy'
        ? 'CE'
        : net.loss.config.name === 'mean_squared_error'
          ? 'MSE'
          : 'L';
    const simple = g === 'σ' && lossName === 'CE' && !net.loss.config.epsilon;
    const K1 = toRows(net.layers[0].kernel);
    const W = toRows(transpose(net.layers[0].kernel));
    const U = toRows(transpose(net.layers[1].kernel));
    const b1 = Array.from(net.layers[0].bias, (v) => [v]);
    const b2 = net.layers[1].bias[0];
    const alpha = W.length;
    const beta = K1.length;
    const mat = (label: string, eq: string, m: number[][]) => {
      lines.push(`  ${label.padEnd(28)} ${shapeOf(m).padEnd(6)} ${eq}`);
      lines.push(...formatMatrix(m, '      '));
    };
    const scalar = (label: string, eq: string, v: number) =>
      lines.push(`  ${label.padEnd(28)} ${'scalar'.padEnd(6)} ${eq.padEnd(9)} = ${formatNumber(v)}`);
    let dW: number[][];
    let dU: number[][];
    let db1: number[][];
    let db2: number;

    lines.push(
      `The notes' notation: W = (layer 1 kernel)ᵀ ${alpha}×${beta}, U = (layer 2 kernel)ᵀ 1×${alpha}, column vectors.`,
    );
    if (one) {
      const q = notesQuantities(net, Array.from(x.data), y.data[0]);
      ({ dW, dU, db1, db2 } = q);
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
    } else {
      // A mini-batch: the notes' gradients of the mean loss, from the batched backprop.
      dW = toRows(transpose(grads.gradients[0].kernel));
      dU = toRows(transpose(grads.gradients[1].kernel));
      db1 = Array.from(grads.gradients[0].bias, (v) => [v]);
      db2 = grads.gradients[1].bias[0];
      scalar('L = mean loss', '', grads.loss);
      lines.push('Backward pass (each gradient the mean of the per-example ones)');
      mat('∂L/∂W = mean δ2ᵀ ⊗ xᵀ', 'eq. 6', dW);
      mat('∂L/∂U = mean δ1·hᵀ', 'eq. 7', dU);
      mat('∂L/∂b1 = mean δ2ᵀ', '', db1);
      scalar('∂L/∂b2 = mean δ1', '', db2);
      Object.assign(json, { W, b1, U: U, b2, loss: grads.loss, dW, dU, db1, db2 });
    }
    const sgd = { W: sub(W, dW, lr), b1: sub(b1, db1, lr), U: sub(U, dU, lr), b2: b2 - lr * db2 };
    lines.push(`SGD step, η = ${formatNumber(lr)}: P_new = P − η·∂L/∂P`);
    mat('W_new = W − η·∂L/∂W', '', sgd.W);
    mat('b1_new = b1 − η·∂L/∂b1', '', sgd.b1);
    mat('U_new = U − η·∂L/∂U', '', sgd.U);
    scalar('b2_new = b2 − η·∂L/∂b2', '', sgd.b2);
    json.sgd = { learningRate: lr, ...sgd };
  } else {
    lines.push('Per-layer form (Keras layout: rows are examples, kernel K_l is [in, out]):');
    lines.push('  z_l = a_(l−1)·K_l + b_l,  a_l = f_l(z_l),  a_0 = x');
    lines.push("  δ_L = ∂L/∂z_L (= (ŷ − y)/n for sigmoid+CE and softmax+CE),  δ_l = (δ_(l+1)·K_(l+1)ᵀ) ∘ f_l'(z_l)");
    lines.push('  ∂L/∂K_l = a_(l−1)ᵀ·δ_l,  ∂L/∂b_l = Σ_rows δ_l');
    lines.push(`  L = ${formatNumber(grads.loss)}`);
  }

  const layers = net.layers.map((layer, l) => ({
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
  if (!isNotesShaped(net) || net.layers[1].activation.name === 'softmax') {
    const show = (label: string, m: number[][]) => {
      lines.push(`    ${label} (${shapeOf(m)})`);
      const shown = formatMatrix(m.slice(0, 12), '      ');
      lines.push(...shown);
      if (m.length > 12) lines.push(`      … ${m.length - 12} more rows`);
    };
    for (const L of layers) {
      lines.push(`  layer ${L.layer} (${L.activation})`);
      if (one) {
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
    json.loss = grads.loss;
    json.sgd = {
      learningRate: lr,
      layers: layers.map((L) => ({ kernel: sub(L.kernel, L.dKernel, lr), bias: sub([L.bias], [L.dBias], lr)[0] })),
    };
  }
  json.layers = layers;

  const params = net.layers.reduce((s, l) => s + l.kernel.data.length + l.bias.length, 0);
  const ok = check.maxRelError < AGREEMENT;
  lines.push('');
  lines.push(
    `Finite-difference check (central, h = ${EPSILON.toExponential(0)}): max relative error ${check.maxRelError.toExponential(2)} over ${params} parameters — ${ok ? 'the gradients agree' : 'DISAGREEMENT'}`,
  );
  json.gradientCheck = {
    epsilon: EPSILON,
    maxRelError: check.maxRelError,
    agrees: ok,
    layers: check.layers.map((l) => ({ layer: l.layer, kernel: l.kernel.maxRelError, bias: l.bias.maxRelError })),
  };
  return { json, lines };
}

interface ExplainFlags {
  x?: number[];
  y?: string;
  data?: string;
  row?: number;
  target?: string;
  lr?: number;
  json?: boolean;
  quiet?: boolean;
}

/** Registers `explain`. */
export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description(
      "one example's forward and backward pass in the notes' notation, with the SGD step and a gradient check",
    )
    .argument('<model.json>', 'a model file')
    .option(
      '--x <values>',
      "the example's raw feature values, comma-separated, in the model's feature order",
      parse.numbers,
    )
    .option('--y <label>', "the example's label (default: the network's own prediction)")
    .option('--data <file.csv>', 'take the example from this CSV file')
    .option(
      '--row <n>',
      '1-based data row of --data (without it: the whole file as one mini-batch)',
      parse.positiveInteger,
    )
    .option('--target <column>', "label column of --data (default: the model's target)")
    .option('--lr <rate>', "learning rate of the SGD step shown (default: the model's, else 0.1)", parse.positiveNumber)
    .option('--json', 'print the quantities as JSON')
    .option('--quiet', 'print nothing but errors (and --json)')
    .addHelpText(
      'after',
      `
Examples:
  $ backprop explain model.json --x 17.5,21.3,0.14 --y 1
  $ backprop explain model.json --data data/breast-cancer.csv --row 20 --json
  $ backprop explain model.json --data small.csv          (the whole file as one mini-batch)`,
    )
    .action((modelPath: string, flags: ExplainFlags) => {
      const out = createOutput(flags);
      if (flags.row !== undefined && flags.data === undefined)
        throw new InputError('explain: --row needs --data <file.csv>');
      if ((flags.x === undefined) === (flags.data === undefined)) {
        throw new InputError('explain: give either --x <values> or --data <file.csv>, exactly one of them');
      }
      const model = loadModel(modelPath);
      const net = model.network;
      const lr = flags.lr ?? model.training?.optimizer?.learningRate ?? 0.1;
      let raw: Matrix;
      let x: Matrix;
      let y: Matrix | undefined;
      let source: string;
      if (flags.x) {
        if (flags.x.length !== net.inputSize) {
          throw new InputError(
            `--x: ${flags.x.length} values, expected ${net.inputSize} (${model.features.join(', ')})`,
          );
        }
        raw = fromRows([flags.x]);
        x = model.standardization ? standardize(raw, model.standardization) : raw;
        if (flags.y !== undefined) y = fromRows([encodeLabel(flags.y, model.labels, '--y')]);
        source = '--x';
      } else {
        const table = readCsv(flags.data!);
        const all = modelInputs(model, table, modelPath);
        const target = targetColumn(model, table, flags.target);
        const hasTarget = table.header.includes(target) && !model.features.includes(target);
        if (flags.target && !hasTarget)
          throw new InputError(
            `${table.file}: no label column '${flags.target}' (--target); the columns are: ${table.header.join(', ')}`,
          );
        let rows = Array.from({ length: table.rows.length }, (_, i) => i);
        if (flags.row !== undefined) {
          if (flags.row > table.rows.length)
            throw new InputError(`--row ${flags.row}: ${table.file} has ${table.rows.length} data rows`);
          rows = [flags.row - 1];
        }
        const pick = (m: Matrix) =>
          fromRows(rows.map((r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols))));
        x = pick(all);
        raw = model.standardization
          ? pick(modelInputs({ ...model, standardization: undefined } as Model, table, modelPath))
          : x;
        if (flags.y !== undefined) {
          y = fromRows(rows.map(() => encodeLabel(flags.y!, model.labels, '--y')));
        } else if (hasTarget) {
          y = pick(modelTargets(model, table, target));
        }
        source =
          flags.row !== undefined ? `${table.file} row ${flags.row} (line ${table.lines[flags.row - 1]})` : table.file;
      }
      const yGiven = y !== undefined;
      const explanation = explain({ model, x, raw, y: y ?? predictedTarget(net, x, model.labels), yGiven, lr, source });
      for (const line of explanation.lines) out.result(line);
      out.document(explanation.json);
    });
}
