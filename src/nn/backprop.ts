/**
 * Backpropagation for a dense network of any depth, vectorised over a mini-batch
 * (Deep Learning book §6.5, Algorithm 6.4). It gives the gradient of the MEAN batch loss.
 *
 * Read beside the notes (3→4→1, where layer 1's kernel is Wᵀ and layer 2's is Uᵀ): with one
 * example, δ at the output is the notes' δ1 (1×1), δ at the hidden layer is δ2 (1×4), and the
 * four gradient lines below are the notes' equations (7), bias b2, (6) and bias b1 — transposed,
 * because a Keras kernel is the transpose of the notes' W.
 */

import { ShapeError } from '../core/errors.js';
import { type AnyMatrix, axpy, type Matrix, matmulTransA, matmulTransB, sumRows, zeros } from '../core/matrix.js';
import { activationBackward } from './activations.js';
import { checkInputs, createWorkspace, forwardProp, type Network, outputSize, type Workspace } from './network.js';

/** ∂L/∂kernel and ∂L/∂bias of one layer, in the parameters' own shapes. */
export interface LayerGradient {
  readonly kernel: Matrix;
  readonly bias: Float64Array;
}

/** Zeroed gradient buffers shaped like the network's parameters. */
export function createGradients(net: Network): LayerGradient[] {
  return net.layers.map((l) => ({
    kernel: zeros(l.kernel.rows, l.kernel.cols),
    bias: new Float64Array(l.bias.length),
  }));
}

/** Gradient arrays in the order of `parameterArrays`: kernel 1, bias 1, kernel 2, … */
export function gradientArrays(grads: LayerGradient[]): Float64Array[] {
  return grads.flatMap((g) => [g.kernel.data, g.bias]);
}

/**
 * One forward and backward pass over the batch (`x` [n, in], `y` [n, out]), writing the
 * gradient of the mean loss into `grads`. Returns that mean loss; with `l2` > 0 the penalty
 * l2·Σ‖kernel‖² (Keras's `l2` regulariser) is added to both, as the Ω term of Algorithm 6.4.
 * With example weights `w` [n] the loss is Keras's weighted one, Σᵢ wᵢ·Lᵢ / n (see
 * {@link weightedLoss}). Inputs are not checked: {@link computeGradients} is the checked entry point.
 */
export function backProp(
  net: Network,
  x: Matrix,
  y: Matrix,
  ws: Workspace,
  grads: LayerGradient[],
  l2 = 0,
  w?: Float64Array,
): number {
  const layers = net.layers;
  const last = layers.length - 1;
  forwardProp(net, x, ws);
  let loss = w
    ? weightedLoss(net, ws.z[last], ws.a[last], y, w)
    : net.loss.value(layers[last].activation, ws.z[last], ws.a[last], y);

  // δ_L = ∂L/∂Z_L; for sigmoid + cross-entropy this is ŷ − y, the notes' δ1 (eq. 3).
  net.loss.outputDelta(layers[last].activation, ws.z[last], ws.a[last], y, ws.delta[last]);
  if (w) scaleRows(ws.delta[last], w); // weighted: row i of ∂(Σ wᵢLᵢ/n)/∂Z is wᵢ·∂(Lᵢ/n)/∂Z

  for (let l = last; l >= 0; l--) {
    const delta = ws.delta[l];
    const input = l === 0 ? x : ws.a[l - 1];
    matmulTransA(input, delta, grads[l].kernel); // ∂L/∂kernel = A_prevᵀ·δ: eq. (7) ∂L/∂U = δ1·hᵀ, eq. (6) ∂L/∂W = δ2ᵀ⊗xᵀ
    sumRows(delta, grads[l].bias); //                ∂L/∂b = Σ_batch δ: ∂L/∂b2 = δ1, ∂L/∂b1 = δ2ᵀ
    if (l2 > 0) {
      const w = layers[l].kernel.data;
      axpy(2 * l2, w, grads[l].kernel.data); //        + ∂Ω/∂kernel = 2·l2·kernel
      loss += l2 * squaredNorm(w); //                   + Ω = l2·‖kernel‖²
    }
    if (l > 0) {
      matmulTransB(delta, layers[l].kernel, ws.delta[l - 1]); // ∂L/∂A_prev = δ·kernelᵀ:  δ1·U
      activationBackward(layers[l - 1].activation, ws.z[l - 1], ws.a[l - 1], ws.delta[l - 1], ws.delta[l - 1]); // ∘ f'(Z): δ2 = δ1·U ∘ σ'(z), eq. (4)–(5)
    }
  }
  return loss;
}

/**
 * Keras's weighted batch loss (`sample_weight`, `class_weight`): Σᵢ wᵢ·Lᵢ / n, each example's
 * loss Lᵢ times its weight, divided by the batch size n (not by Σ wᵢ: Keras's
 * `sum_over_batch_size` reduction).
 * @param net the network (its loss and output activation)
 * @param z the output layer's pre-activations [n, out]
 * @param a the output layer's activations [n, out]
 * @param y the targets [n, out]
 * @param w the examples' weights [n]
 * @example
 * weightedLoss(net, ws.z[last], ws.a[last], y, Float64Array.of(1, 49)); // the rare class ×49
 */
export function weightedLoss(net: Network, z: Matrix, a: Matrix, y: Matrix, w: Float64Array): number {
  const act = net.layers[net.layers.length - 1].activation;
  const row = (m: Matrix, i: number): Matrix => ({
    rows: 1,
    cols: m.cols,
    data: m.data.subarray(i * m.cols, (i + 1) * m.cols),
  });
  let sum = 0;
  for (let i = 0; i < y.rows; i++) {
    if (w[i] !== 0) sum += w[i] * net.loss.value(act, row(z, i), row(a, i), row(y, i)); // wᵢ·Lᵢ
  }
  return sum / y.rows; // / n
}

/** Multiplies row i of `m` by `w[i]`, in place. */
function scaleRows(m: Matrix, w: Float64Array): void {
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) m.data[i * m.cols + j] *= w[i];
}

/** The result of {@link computeGradients}. */
export interface GradientResult {
  loss: number;
  gradients: LayerGradient[];
  /** Each layer's Z, A and δ = ∂L/∂Z for the batch. */
  workspace: Workspace;
}

/** Throws unless `x` and `y` fit the network and its loss. */
export function checkBatch(net: Network, x: AnyMatrix, y: Matrix): void {
  checkInputs(net, x);
  const out = outputSize(net);
  if (y.rows !== x.rows) throw new ShapeError(`got ${y.rows} targets for ${x.rows} examples, expected one per example`);
  if (y.cols !== out) throw new ShapeError(`targets have ${y.cols} columns, expected ${out} (the network's outputs)`);
  if (x.rows === 0) throw new ShapeError('the batch is empty, expected at least one example');
  net.loss.checkTargets(y);
}

/**
 * Checked, allocating form of {@link backProp}: the gradient of the mean loss over `x`, `y`
 * (weighted by `w` when given).
 */
export function computeGradients(net: Network, x: Matrix, y: Matrix, l2 = 0, w?: Float64Array): GradientResult {
  checkBatch(net, x, y);
  if (w && w.length !== x.rows)
    throw new ShapeError(`got ${w.length} weights for ${x.rows} examples, expected one per example`);
  const workspace = createWorkspace(net, x.rows);
  const gradients = createGradients(net);
  const loss = backProp(net, x, y, workspace, gradients, l2, w);
  return { loss, gradients, workspace };
}

/** The mean loss (plus the l2 penalty, if any) over a batch, forward pass only, into `ws`. */
export function lossOf(net: Network, x: Matrix, y: Matrix, ws: Workspace, l2 = 0): number {
  const last = net.layers.length - 1;
  forwardProp(net, x, ws);
  let loss = net.loss.value(net.layers[last].activation, ws.z[last], ws.a[last], y);
  // The penalty added as backProp adds it (per layer, from the last), so the numbers agree exactly.
  for (let l = last; l >= 0 && l2 > 0; l--) loss += l2 * squaredNorm(net.layers[l].kernel.data);
  return loss;
}

/** ‖w‖² = Σ wᵢ², summed in index order: the L2 penalty's Σ‖kernel‖² is l2 times this, per layer. */
export function squaredNorm(w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] * w[i];
  return s;
}
