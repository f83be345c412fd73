/**
 * Gradient checking: every analytic derivative from {@link backProp} against a central finite
 * difference, (L(p + h) − L(p − h)) / 2h, whose error is O(h²) from truncation plus about
 * ε_machine·|L|/h from rounding — near 1e-10 for h = 1e-5 on unit-scale losses.
 */
import type { Matrix } from '../core/matrix.js';
import { checkBatch, computeGradients, lossOf } from './backprop.js';
import { createWorkspace, type Network } from './network.js';

export interface GradientCheckOptions {
  /** Finite-difference step h (default 1e-5). */
  epsilon?: number;
  /** L2 penalty to include, as in training (default 0). */
  l2?: number;
  /**
   * Relative error is |a − n| / max(|a|, |n|, floor): the floor (default 1e-8) stops
   * gradients that are zero up to rounding from reporting huge relative errors.
   */
  floor?: number;
}

/** The worst disagreement within one parameter array. */
export interface ParameterCheck {
  maxRelError: number;
  maxAbsError: number;
  /** Flat index of the worst entry (row-major for kernels), with both values there. */
  worstIndex: number;
  analytic: number;
  numeric: number;
}

export interface LayerCheck {
  layer: number;
  kernel: ParameterCheck;
  bias: ParameterCheck;
  maxRelError: number;
}

export interface GradientCheckResult {
  loss: number;
  layers: LayerCheck[];
  /** The largest relative error over every parameter. */
  maxRelError: number;
}

/** Checks every parameter's gradient over the batch `x`, `y`. The network is left unchanged. */
export function gradientCheck(
  net: Network,
  x: Matrix,
  y: Matrix,
  options: GradientCheckOptions = {},
): GradientCheckResult {
  const h = options.epsilon ?? 1e-5;
  const l2 = options.l2 ?? 0;
  const floor = options.floor ?? 1e-8;
  checkBatch(net, x, y);
  const { loss, gradients } = computeGradients(net, x, y, l2);
  const ws = createWorkspace(net, x.rows);

  const check = (params: Float64Array, analytic: Float64Array): ParameterCheck => {
    const result: ParameterCheck = { maxRelError: 0, maxAbsError: 0, worstIndex: -1, analytic: 0, numeric: 0 };
    for (let i = 0; i < params.length; i++) {
      const saved = params[i];
      params[i] = saved + h;
      const up = lossOf(net, x, y, ws, l2);
      params[i] = saved - h;
      const down = lossOf(net, x, y, ws, l2);
      params[i] = saved;
      const numeric = (up - down) / (2 * h);
      const abs = Math.abs(analytic[i] - numeric);
      const rel = abs / Math.max(Math.abs(analytic[i]), Math.abs(numeric), floor);
      if (result.worstIndex < 0 || rel > result.maxRelError) {
        Object.assign(result, { maxRelError: rel, worstIndex: i, analytic: analytic[i], numeric });
      }
      result.maxAbsError = Math.max(result.maxAbsError, abs);
    }
    return result;
  };

  const layers = net.layers.map((layer, l) => {
    const kernel = check(layer.kernel.data, gradients[l].kernel.data);
    const bias = check(layer.bias, gradients[l].bias);
    return { layer: l + 1, kernel, bias, maxRelError: Math.max(kernel.maxRelError, bias.maxRelError) };
  });
  return { loss, layers, maxRelError: Math.max(...layers.map((l) => l.maxRelError)) };
}
