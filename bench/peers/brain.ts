/**
 * brain.js `NeuralNetwork` (sigmoid, learningRate 0.1, momentum 0), W1 only: it trains one
 * example at a time and has no mini-batches. Its output delta is the squared-error one,
 * (y − ŷ)·ŷ(1 − ŷ), with no option for cross-entropy, so it follows a different (smaller)
 * gradient than the others; the held-out BCE still has to fall. Weights are Float32Array.
 *
 * Timed: `trainPatterns(prepared)`, the loop `train()` runs once per iteration, over data
 * already converted by `formatData` (what `train()` does before its loop).
 */
import { createRequire } from 'node:module';
import { LEARNING_RATE, type Problem } from '../workloads.js';
import type { Peer, Session } from './types.js';

const require = createRequire(import.meta.url);

export const brainPeer: Peer = {
  name: 'brain.js',
  description: 'brain.js NeuralNetwork, per-example updates (float32, squared-error delta)',
  workloads: ['W1'],
  notApplicable: 'no mini-batches',
  details: {},
  async load(problem: Problem): Promise<Session> {
    const brain = await import('brain.js');
    brainPeer.details!.version = (require('brain.js/package.json') as { version: string }).version;
    const { inputs: nIn, hidden: nH } = problem.workload;
    const net = new brain.NeuralNetwork<Float32Array, Float32Array>({
      inputSize: nIn,
      hiddenLayers: [nH],
      outputSize: 1,
      activation: 'sigmoid',
      learningRate: LEARNING_RATE,
    });
    // Its option check wants 0 < momentum < 1; momentum 0 is plain SGD, which adjustWeights does as
    // it is (change = lr·δ·input + 0·change), so it is set after the check.
    net.trainOpts.momentum = 0;
    net.initialize();
    if (net.trainOpts.learningRate !== LEARNING_RATE) throw new Error('brain.js did not take learningRate');
    const w = problem.weights;
    const reset = () => {
      // brain.js stores weights[layer][node][input]: the transpose of our [input][node] kernel.
      for (let j = 0; j < nH; j++) {
        for (let p = 0; p < nIn; p++) net.weights[1][j][p] = w.w1[p * nH + j];
        net.biases[1][j] = w.b1[j];
        net.changes[1][j].fill(0);
        net.weights[2][0][j] = w.w2[j];
      }
      net.biases[2][0] = w.b2[0];
      net.changes[2][0].fill(0);
    };
    reset();
    const prepared: { input: Float32Array; output: Float32Array }[] = [];
    for (let i = 0; i < problem.samples; i++) {
      prepared.push({
        input: Float32Array.from(problem.x.subarray(i * nIn, (i + 1) * nIn)),
        output: Float32Array.of(problem.y[i]),
      });
    }
    const slices = new Map<number, typeof prepared>();
    return {
      reset,
      train(samples) {
        let data = slices.get(samples);
        if (data === undefined) {
          data = prepared.slice(0, samples);
          slices.set(samples, data);
        }
        net.trainPatterns(data);
      },
      predictEval() {
        const out = new Float64Array(problem.evalSamples);
        for (let i = 0; i < problem.evalSamples; i++) {
          out[i] = net.run(Float32Array.from(problem.evalX.subarray(i * nIn, (i + 1) * nIn)))[0];
        }
        return out;
      },
    };
  },
};
