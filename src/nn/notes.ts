/**
 * The lecture notes' two-layer network, quantity by quantity, in the notes' own notation and
 * shapes: column vectors, W = (layer 1 kernel)ᵀ of shape α×β and U = (layer 2 kernel)ᵀ of shape
 * 1×α. This is deliberately a separate, per-example code path from the batched {@link backProp}:
 * it is what `explain` shows, and the tests hold the two against each other.
 */
import { ConfigError, ShapeError } from '../core/errors.js';
import { addOuter, fromRows, toRows, zeros } from '../core/matrix.js';
import { sigmoid } from './activations.js';
import { bceOfLogit } from './losses.js';
import { checkInputs, type Network } from './network.js';

/** Every named quantity of the notes for one example (x, y). Matrices are `[row][col]`. */
export interface NotesQuantities {
  /** input, β×1 */
  x: number[][];
  /** label */
  y: number;
  /** hidden weights, α×β (= kernelᵀ) */
  W: number[][];
  /** hidden bias, α×1 */
  b1: number[][];
  /** output weights, 1×α (= kernelᵀ) */
  U: number[][];
  /** output bias, a scalar */
  b2: number;
  /** z = W x + b1, α×1 */
  z: number[][];
  /** h = f(z), α×1 (f = σ in the notes) */
  h: number[][];
  /** θ = U h + b2 */
  theta: number;
  /** ŷ = σ(θ) */
  yhat: number;
  /** L = CE(ŷ, y) */
  loss: number;
  /** δ1 = ∂L/∂θ = ŷ − y (eq. 3) */
  delta1: number;
  /** δ2 = ∂L/∂z = δ1·U ∘ f'(z), 1×α (eq. 4–5) */
  delta2: number[][];
  /** ∂L/∂W = δ2ᵀ ⊗ xᵀ, α×β (eq. 6) */
  dW: number[][];
  /** ∂L/∂U = δ1·hᵀ, 1×α (eq. 7) */
  dU: number[][];
  /** ∂L/∂b1 = δ2ᵀ, α×1 */
  db1: number[][];
  /** ∂L/∂b2 = δ1 */
  db2: number;
}

/** True for the networks the notes' notation describes: two layers, one output unit. */
export function isNotesShaped(net: Network): boolean {
  return net.layers.length === 2 && net.layers[1].bias.length === 1 && net.layers[1].activation.kind === 'elementwise';
}

const column = (v: number[]) => v.map((e) => [e]);

/**
 * The notes' forward and backward pass for one example. Works for any hidden activation and
 * any loss; the notes' case is sigmoid hidden units, a sigmoid output and binary cross-entropy.
 */
export function notesQuantities(net: Network, x: readonly number[], y: number): NotesQuantities {
  if (!isNotesShaped(net)) {
    throw new ConfigError("the notes' notation needs a two-layer network with one output unit; use the per-layer form");
  }
  if (x.length !== net.inputSize) throw new ShapeError(`x has ${x.length} values, expected ${net.inputSize}`);
  checkInputs(net, fromRows([x as number[]]));
  net.loss.checkTargets(fromRows([[y]]));

  const [hidden, output] = net.layers;
  const f = hidden.activation.kind === 'elementwise' ? hidden.activation : undefined;
  const g = output.activation.kind === 'elementwise' ? output.activation : undefined;
  if (f === undefined || g === undefined) throw new ConfigError("the notes' notation needs element-wise activations");
  const alpha = hidden.bias.length;
  const beta = net.inputSize;
  const K1 = hidden.kernel.data; // [β, α]
  const K2 = output.kernel.data; // [α, 1]

  const W = Array.from({ length: alpha }, (_, i) => Array.from({ length: beta }, (_, j) => K1[j * alpha + i]));
  const b1 = Array.from(hidden.bias);
  const U = Array.from({ length: alpha }, (_, i) => K2[i]);
  const b2 = output.bias[0];

  // Forward: z = W x + b1, h = σ(z), θ = U h + b2, ŷ = σ(θ).
  const z = W.map((row, i) => row.reduce((s, w, j) => s + w * x[j], b1[i]));
  const h = z.map((zi) => f.f(zi));
  const theta = U.reduce((s, u, i) => s + u * h[i], b2);
  const yhat = g.f(theta);

  const sigmoidBce = g.name === 'sigmoid' && net.loss.config.name === 'binary_crossentropy' && !net.loss.config.epsilon;
  const thetaM = fromRows([[theta]]);
  const yhatM = fromRows([[yhat]]);
  const yM = fromRows([[y]]);
  const loss = sigmoidBce
    ? bceOfLogit(theta, y) // L = CE(σ(θ), y), from the logit
    : net.loss.value(output.activation, thetaM, yhatM, yM);

  // δ1 = ∂L/∂θ (eq. 3): ŷ − y for sigmoid + CE; other pairings through the loss's own rule.
  let delta1: number;
  if (sigmoidBce) {
    delta1 = sigmoid(theta) - y;
  } else {
    const d = fromRows([[0]]);
    net.loss.outputDelta(output.activation, thetaM, yhatM, yM, d);
    delta1 = d.data[0];
  }
  const delta2 = U.map((u, i) => delta1 * u * f.df(z[i], h[i])); //  δ2 = δ1·U ∘ σ'(z)   (eq. 4–5)
  const outer = zeros(alpha, beta);
  addOuter(delta2, x, outer); //                                      ∂L/∂W = δ2ᵀ ⊗ xᵀ    (eq. 6)
  const dW = toRows(outer);
  const dU = h.map((hi) => delta1 * hi); //                           ∂L/∂U = δ1·hᵀ       (eq. 7)
  const db1 = column(delta2); //                                       ∂L/∂b1 = δ2ᵀ
  const db2 = delta1; //                                               ∂L/∂b2 = δ1

  return {
    x: column([...x]),
    y,
    W,
    b1: column(b1),
    U: [U],
    b2,
    z: column(z),
    h: column(h),
    theta,
    yhat,
    loss,
    delta1,
    delta2: [delta2],
    dW,
    dU: [dU],
    db1,
    db2,
  };
}
