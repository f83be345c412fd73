/**
 * The baseline: the obvious JavaScript a person would write for an in-h-1 sigmoid network with
 * binary cross-entropy and mini-batch SGD — Float64Array weights, one example at a time, the
 * gradient summed over the batch, then the update. No fusion, no blocking, nothing clever.
 */
import { LEARNING_RATE, type Problem } from '../workloads.js';
import type { Peer, Session } from './types.js';

function sigmoid(t: number): number {
  return 1 / (1 + Math.exp(-t));
}

export function plainSession(problem: Problem): Session {
  const { inputs: nIn, hidden: nH, batchSize } = problem.workload;
  const init = problem.weights;
  const w1 = init.w1.slice(); // [nIn][nH]
  const b1 = init.b1.slice();
  const w2 = init.w2.slice(); // [nH]
  const b2 = init.b2.slice();
  const gw1 = new Float64Array(nIn * nH);
  const gb1 = new Float64Array(nH);
  const gw2 = new Float64Array(nH);
  const gb2 = new Float64Array(1);
  const h = new Float64Array(nH);
  const d1 = new Float64Array(nH);
  const X = problem.x;
  const Y = problem.y;
  const lr = LEARNING_RATE;

  function forward(x: Float64Array, off: number): number {
    for (let j = 0; j < nH; j++) {
      let z = b1[j];
      for (let p = 0; p < nIn; p++) z += x[off + p] * w1[p * nH + j];
      h[j] = sigmoid(z);
    }
    let z2 = b2[0];
    for (let j = 0; j < nH; j++) z2 += h[j] * w2[j];
    return z2;
  }

  return {
    reset() {
      w1.set(init.w1);
      b1.set(init.b1);
      w2.set(init.w2);
      b2.set(init.b2);
    },
    train(samples) {
      let loss = 0;
      for (let start = 0; start < samples; start += batchSize) {
        const size = Math.min(batchSize, samples - start);
        gw1.fill(0);
        gb1.fill(0);
        gw2.fill(0);
        gb2[0] = 0;
        for (let i = start; i < start + size; i++) {
          const off = i * nIn;
          const z2 = forward(X, off);
          const yhat = sigmoid(z2);
          const y = Y[i];
          loss += Math.max(z2, 0) - z2 * y + Math.log1p(Math.exp(-Math.abs(z2)));
          const d2 = (yhat - y) / size; // ∂(mean BCE)/∂z2 for a sigmoid output
          for (let j = 0; j < nH; j++) {
            gw2[j] += h[j] * d2;
            d1[j] = d2 * w2[j] * h[j] * (1 - h[j]);
            gb1[j] += d1[j];
          }
          gb2[0] += d2;
          for (let p = 0; p < nIn; p++) {
            const xp = X[off + p];
            for (let j = 0; j < nH; j++) gw1[p * nH + j] += xp * d1[j];
          }
        }
        for (let k = 0; k < gw1.length; k++) w1[k] -= lr * gw1[k];
        for (let j = 0; j < nH; j++) {
          b1[j] -= lr * gb1[j];
          w2[j] -= lr * gw2[j];
        }
        b2[0] -= lr * gb2[0];
      }
      if (!Number.isFinite(loss)) throw new Error(`plain-js diverged: loss ${loss}`);
    },
    predictEval() {
      const out = new Float64Array(problem.evalSamples);
      for (let i = 0; i < problem.evalSamples; i++) out[i] = sigmoid(forward(problem.evalX, i * nIn));
      return out;
    },
  };
}

export const plainJsPeer: Peer = {
  name: 'plain-js',
  description: 'the obvious per-example loops on Float64Array (bench/peers/plain-js.ts)',
  workloads: ['W1', 'W2', 'W3'],
  async load(problem) {
    return plainSession(problem);
  },
};
