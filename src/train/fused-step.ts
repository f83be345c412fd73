/**
 * The fast path for a training step: forward pass, loss, backward pass and gradient
 * accumulation fused into one loop per example, reading the batch's rows straight out of the
 * dataset (no gathering, no views, no allocation) and with the activations inlined.
 *
 * It performs exactly the reference path's floating-point operations in exactly the same order
 * ({@link backProp} with the kernels of `core/matrix.ts`), so the two agree bit for bit; the
 * tests hold it to that. What it saves is overhead, which dominates small layers: the notes'
 * 3-4-1 network does ~60 multiply-adds per example, less than the cost of creating one
 * `Float64Array` view.
 */
import { createGradients, gradientArrays, type LayerGradient } from '../nn/backprop.js';
import { type Network, parameterArrays } from '../nn/network.js';
import type { EngineSetup, TrainingEngine } from './training-engine.js';

const SIGMOID = 0;
const TANH = 1;
const RELU = 2;
const LINEAR = 3;
const SOFTMAX = 4;
const CODES: Record<string, number> = { sigmoid: SIGMOID, tanh: TANH, relu: RELU, linear: LINEAR, softmax: SOFTMAX };

const BCE = 0;
const CCE = 1;
const MSE = 2;

/** One fused step over a batch; see {@link createFusedStep}. */
export interface FusedStep {
  /**
   * Writes the gradient of the mean loss over rows `order[start + i]` (or `start + i` when
   * `order` is null), i < count, into the gradients given at creation, and the loss into
   * {@link loss}.
   */
  run(x: Float64Array, y: Float64Array, order: Uint32Array | null, start: number, count: number): void;
  /**
   * One plain-SGD step on the single example `row`, updating the weights in place; its loss
   * goes into {@link loss}. Valid without an L2 penalty only.
   */
  runSgd(x: Float64Array, y: Float64Array, row: number, learningRate: number): void;
  /**
   * A whole epoch of {@link runSgd} over `n` examples, in order or through `order`; the summed
   * loss goes into {@link loss}, or the first non-finite loss with {@link failedStep} set.
   */
  sgdEpoch(x: Float64Array, y: Float64Array, order: Uint32Array | null, n: number, learningRate: number): void;
  /**
   * `loss[0]` holds the last call's loss. A typed array, not a return value: V8 boxes a double
   * returned from a call it does not inline, which would allocate on every step.
   */
  readonly loss: Float64Array;
  /** 1-based step at which the last {@link sgdEpoch} met a non-finite loss, else 0. */
  readonly failedStep: number;
  /** Correctly classified examples in the last batch or epoch (for accuracy), before the update. */
  readonly correct: number;
}

/**
 * A fused step for `net` writing into `grads`, or undefined when the network uses something
 * this path does not cover (softmax in a hidden layer; a clipped cross-entropy), in which case
 * the caller uses the reference path.
 */
export function createFusedStep(net: Network, grads: LayerGradient[], l2: number): FusedStep | undefined {
  const depth = net.layers.length;
  const last = depth - 1;
  const acts = net.layers.map((l) => CODES[l.activation.name]);
  if (acts.slice(0, last).includes(SOFTMAX)) return undefined;
  if (net.loss.config.epsilon) return undefined;
  const lossName = net.loss.config.name;
  const loss = lossName === 'binary_crossentropy' ? BCE : lossName === 'categorical_crossentropy' ? CCE : MSE;

  const widths = [net.inputSize, ...net.layers.map((l) => l.bias.length)];
  const kernels = net.layers.map((l) => l.kernel.data);
  const biases = net.layers.map((l) => l.bias);
  const gKernels = grads.map((g) => g.kernel.data);
  const gBiases = grads.map((g) => g.bias);
  // Per-example buffers: each layer's z, a and δ.
  const zs = net.layers.map((l) => new Float64Array(l.bias.length));
  const as = net.layers.map((l) => new Float64Array(l.bias.length));
  const ds = net.layers.map((l) => new Float64Array(l.bias.length));
  const nIn = net.inputSize;
  const nOut = widths[depth];
  const outAct = acts[last];
  let correct = 0;
  const acc = new Float64Array(1); // running loss sum within a call
  const result = new Float64Array(1);

  /** a = f(z) for an element-wise activation, as `activate` computes it. */
  function activate(code: number, z: Float64Array, a: Float64Array, n: number): void {
    switch (code) {
      case SIGMOID:
        for (let j = 0; j < n; j++) {
          const t = z[j];
          if (t >= 0) a[j] = 1 / (1 + Math.exp(-t));
          else {
            const e = Math.exp(t);
            a[j] = e / (1 + e);
          }
        }
        return;
      case TANH:
        for (let j = 0; j < n; j++) a[j] = Math.tanh(z[j]);
        return;
      case RELU:
        for (let j = 0; j < n; j++) a[j] = Math.max(z[j], 0);
        return;
      case LINEAR:
        for (let j = 0; j < n; j++) a[j] = z[j];
        return;
      default: {
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < n; j++) if (z[j] > max) max = z[j];
        let sum = 0;
        for (let j = 0; j < n; j++) {
          const e = Math.exp(z[j] - max);
          a[j] = e;
          sum += e;
        }
        for (let j = 0; j < n; j++) a[j] /= sum;
      }
    }
  }

  /** d ← d ∘ f'(z), as `activationBackward` computes it. */
  function backward(code: number, z: Float64Array, a: Float64Array, d: Float64Array, n: number): void {
    switch (code) {
      case SIGMOID:
        for (let j = 0; j < n; j++) d[j] = d[j] * (a[j] * (1 - a[j]));
        return;
      case TANH:
        for (let j = 0; j < n; j++) d[j] = d[j] * (1 - a[j] * a[j]);
        return;
      case RELU:
        for (let j = 0; j < n; j++) d[j] = d[j] * (z[j] > 0 ? 1 : 0);
        return;
      case LINEAR:
        for (let j = 0; j < n; j++) d[j] = d[j] * 1;
        return;
      default: {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += a[j] * d[j];
        for (let j = 0; j < n; j++) d[j] = a[j] * (d[j] - dot);
      }
    }
  }

  /** Forward pass of one example: z = a_prev · kernel + b, a = f(z). */
  function forward(x: Float64Array, xOff: number): void {
    for (let l = 0; l < depth; l++) {
      const k = kernels[l];
      const m = widths[l + 1];
      const n = widths[l];
      const z = zs[l];
      const input = l === 0 ? x : as[l - 1];
      const off = l === 0 ? xOff : 0;
      z.fill(0);
      for (let p = 0; p < n; p++) {
        const ap = input[off + p];
        const kp = p * m;
        for (let j = 0; j < m; j++) z[j] += ap * k[kp + j];
      }
      const b = biases[l];
      for (let j = 0; j < m; j++) z[j] += b[j];
      activate(acts[l], z, as[l], m);
    }
  }

  /**
   * Loss term and δ at the output for one example (δ1 = ŷ − y for sigmoid + BCE and softmax +
   * CCE), scaled for the mean over `len` outputs; counts a correct prediction. Adds the
   * example's loss terms to `acc[0]` one by one, in the reference path's order. (Results go
   * through a typed array because V8 boxes a double returned from a call it does not inline:
   * an allocation per example.)
   */
  function output(y: Float64Array, yOff: number, scale: number): void {
    let lossSum = acc[0];
    const z = zs[last];
    const a = as[last];
    const d = ds[last];
    if (loss === BCE) {
      for (let j = 0; j < nOut; j++) {
        const t = z[j];
        const yj = y[yOff + j];
        if (outAct === SIGMOID) {
          lossSum += Math.max(t, 0) - t * yj + Math.log1p(Math.exp(-Math.abs(t)));
          d[j] = (a[j] - yj) * scale;
        } else {
          lossSum -= yj * Math.log(a[j]) + (1 - yj) * Math.log(1 - a[j]);
          d[j] = ((a[j] - yj) / (a[j] * (1 - a[j]))) * scale;
        }
      }
      if (outAct !== SIGMOID) backward(outAct, z, a, d, nOut);
    } else if (loss === CCE) {
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < nOut; j++) if (z[j] > max) max = z[j];
      let s = 0;
      for (let j = 0; j < nOut; j++) s += Math.exp(z[j] - max);
      const lse = max + Math.log(s);
      for (let j = 0; j < nOut; j++) {
        const yj = y[yOff + j];
        if (yj !== 0) lossSum -= yj * (z[j] - lse);
        d[j] = (a[j] - yj) * scale;
      }
    } else {
      for (let j = 0; j < nOut; j++) {
        const diff = a[j] - y[yOff + j];
        lossSum += diff ** 2;
        d[j] = diff * scale;
      }
      backward(outAct, z, a, d, nOut);
    }

    if (loss !== MSE) {
      if (nOut === 1) {
        if ((a[0] >= 0.5 ? 1 : 0) === (y[yOff] >= 0.5 ? 1 : 0)) correct++;
      } else {
        let p = 0;
        let t = 0;
        for (let j = 1; j < nOut; j++) {
          if (a[j] > a[p]) p = j;
          if (y[yOff + j] > y[yOff + t]) t = j;
        }
        if (p === t) correct++;
      }
    }
    acc[0] = lossSum;
  }

  /** δ_prev = (δ_l · kernel_lᵀ) ∘ f'(z_prev), for l ≥ 1. */
  function propagate(l: number): void {
    const dl = ds[l];
    const m = widths[l + 1];
    const n = widths[l];
    const k = kernels[l];
    const dp = ds[l - 1];
    for (let p = 0; p < n; p++) {
      const kp = p * m;
      let s = 0;
      for (let j = 0; j < m; j++) s += dl[j] * k[kp + j];
      dp[p] = s;
    }
    backward(acts[l - 1], zs[l - 1], as[l - 1], dp, n);
  }

  function run(x: Float64Array, y: Float64Array, order: Uint32Array | null, start: number, count: number): void {
    for (let l = 0; l < depth; l++) {
      gKernels[l].fill(0);
      gBiases[l].fill(0);
    }
    const len = count * nOut;
    const scale = loss === CCE ? 1 / count : loss === MSE ? 2 / len : 1 / len;
    acc[0] = 0;
    correct = 0;

    for (let i = 0; i < count; i++) {
      const row = order === null ? start + i : order[start + i];
      const xOff = row * nIn;
      forward(x, xOff);
      output(y, row * nOut, scale);

      // Backward: ∂L/∂kernel += a_prevᵀ δ, ∂L/∂b += δ, then δ moves one layer down.
      for (let l = last; l >= 0; l--) {
        const dl = ds[l];
        const m = widths[l + 1];
        const n = widths[l];
        const gk = gKernels[l];
        const gb = gBiases[l];
        const input = l === 0 ? x : as[l - 1];
        const off = l === 0 ? xOff : 0;
        for (let p = 0; p < n; p++) {
          const ap = input[off + p];
          const kp = p * m;
          for (let j = 0; j < m; j++) gk[kp + j] += ap * dl[j];
        }
        for (let j = 0; j < m; j++) gb[j] += dl[j];
        if (l > 0) propagate(l);
      }
    }

    let total = loss === CCE ? acc[0] / count : acc[0] / len;
    if (l2 > 0) {
      for (let l = last; l >= 0; l--) {
        const w = kernels[l];
        const gk = gKernels[l];
        let s = 0;
        for (let i = 0; i < w.length; i++) gk[i] += 2 * l2 * w[i];
        for (let i = 0; i < w.length; i++) s += w[i] * w[i];
        total += l2 * s;
      }
    }
    result[0] = total;
  }

  /**
   * Plain SGD with batch size 1, fused: each layer's weights are updated as soon as its
   * gradient is known (after δ has been passed down with the old weights). The gradient of
   * one example is a single product, so w − η·(a·δ) is exactly what the separate update does.
   */
  function stepSgd(x: Float64Array, y: Float64Array, row: number, lr: number): void {
    correct = 0;
    const xOff = row * nIn;
    forward(x, xOff);
    acc[0] = 0;
    output(y, row * nOut, loss === CCE ? 1 : loss === MSE ? 2 / nOut : 1 / nOut);
    for (let l = last; l >= 0; l--) {
      if (l > 0) propagate(l);
      const dl = ds[l];
      const m = widths[l + 1];
      const n = widths[l];
      const k = kernels[l];
      const b = biases[l];
      const input = l === 0 ? x : as[l - 1];
      const off = l === 0 ? xOff : 0;
      for (let p = 0; p < n; p++) {
        const ap = input[off + p];
        const kp = p * m;
        for (let j = 0; j < m; j++) k[kp + j] -= lr * (ap * dl[j]);
      }
      for (let j = 0; j < m; j++) b[j] -= lr * dl[j];
    }
  }

  function runSgd(x: Float64Array, y: Float64Array, row: number, lr: number): void {
    stepSgd(x, y, row, lr);
    result[0] = loss === CCE ? acc[0] : acc[0] / nOut;
  }

  /**
   * A whole epoch of {@link runSgd} over rows `order[0..n)` (or 0..n), in one tight loop.
   * Returns the summed loss; stops at the first non-finite loss, recording its 1-based step.
   */
  function sgdEpoch(x: Float64Array, y: Float64Array, order: Uint32Array | null, n: number, lr: number): void {
    let lossSum = 0;
    let right = 0;
    failedStep = 0;
    for (let i = 0; i < n; i++) {
      stepSgd(x, y, order === null ? i : order[i], lr);
      const l = loss === CCE ? acc[0] : acc[0] / nOut;
      if (!Number.isFinite(l)) {
        failedStep = i + 1;
        lossSum = l;
        break;
      }
      lossSum += l;
      right += correct;
    }
    correct = right;
    result[0] = lossSum;
  }
  let failedStep = 0;

  return {
    loss: result,
    run,
    runSgd,
    sgdEpoch,
    get failedStep() {
      return failedStep;
    },
    get correct() {
      return correct;
    },
  };
}

/**
 * The fused JavaScript path as a training engine, or undefined where it does not cover the
 * network. With batch size 1, plain SGD and no L2 the update is fused into the backward pass,
 * and without a per-step callback a whole epoch runs in one call.
 */
export function createJsEngine(setup: EngineSetup): TrainingEngine | undefined {
  const { net, data, optimizer, batchSize, l2 } = setup;
  const grads = createGradients(net);
  const fused = createFusedStep(net, grads, l2);
  if (fused === undefined) return undefined;
  const params = parameterArrays(net);
  const gradArrays = gradientArrays(grads);
  // A caller's own optimiser object must be stepped (its state and count advance), not bypassed.
  const sgd1 = !setup.optimizerGiven && batchSize === 1 && l2 === 0 && optimizer.config.name === 'sgd';
  const lr = optimizer.config.learningRate;
  const x = data.x.data;
  const y = data.y.data;
  const n = data.x.rows;
  const result = new Float64Array(3);
  let order: Uint32Array | null = null;

  return {
    name: 'js',
    result,
    startEpoch(o) {
      order = o;
    },
    runEpoch() {
      if (!sgd1 || setup.perStepCallback) return false;
      fused.sgdEpoch(x, y, order, n, lr);
      result[0] = fused.loss[0];
      result[1] = fused.correct;
      result[2] = fused.failedStep;
      return true;
    },
    runBatch(_b, start, size) {
      if (sgd1) fused.runSgd(x, y, order === null ? start : order[start], lr);
      else fused.run(x, y, order, start, size);
      result[0] = fused.loss[0];
      result[1] = fused.correct;
      if (!sgd1 && Number.isFinite(result[0])) optimizer.step(params, gradArrays);
    },
    storeWeights() {},
    loadWeights() {},
  };
}
