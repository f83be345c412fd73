/**
 * synaptic `Architect.Perceptron` (logistic units), W1 only: `activate` then `propagate(0.1,
 * target)` one example at a time, with no mini-batches. Its output error is y − ŷ (the
 * cross-entropy gradient of a sigmoid output, as ours); it updates the output layer's weights
 * before passing the error down, so it is not exactly the same SGD step. Float64, in the
 * network function synaptic compiles (`optimize()`) before the first timed run.
 */
import { createRequire } from 'node:module';
import { LEARNING_RATE, type Problem } from '../workloads.js';
import type { Peer, Session } from './types.js';

const require = createRequire(import.meta.url);

export const synapticPeer: Peer = {
  name: 'synaptic',
  description: 'synaptic Perceptron, activate + propagate per example (float64)',
  workloads: ['W1'],
  notApplicable: 'no mini-batches',
  details: {},
  async load(problem: Problem): Promise<Session> {
    const { Architect } = await import('synaptic');
    synapticPeer.details!.version = (require('synaptic/package.json') as { version: string }).version;
    const { inputs: nIn, hidden: nH } = problem.workload;
    const net = new Architect.Perceptron(nIn, nH, 1);
    const inputs = net.layers.input.list;
    const hidden = net.layers.hidden[0].list;
    const output = net.layers.output.list;
    const w = problem.weights;
    // Weights go on the neurons and connections; optimize() then copies them into its memory.
    hidden.forEach((neuron, j) => {
      neuron.bias = w.b1[j];
      for (const c of Object.values(neuron.connections.inputs)) c.weight = w.w1[inputs.indexOf(c.from) * nH + j];
    });
    output[0].bias = w.b2[0];
    for (const c of Object.values(output[0].connections.inputs)) c.weight = w.w2[hidden.indexOf(c.from)];
    net.optimize();
    if (!net.optimized) throw new Error('synaptic did not optimise the network');
    const memory = net.optimized.memory;
    const snapshot = memory.slice(); // the whole state: weights, biases, activations, traces
    const rows: Float64Array[] = [];
    const targets: Float64Array[] = [];
    for (let i = 0; i < problem.samples; i++) {
      rows.push(problem.x.subarray(i * nIn, (i + 1) * nIn));
      targets.push(problem.y.subarray(i, i + 1));
    }
    return {
      reset() {
        memory.set(snapshot);
      },
      train(samples) {
        for (let i = 0; i < samples; i++) {
          net.activate(rows[i]);
          net.propagate(LEARNING_RATE, targets[i]);
        }
      },
      predictEval() {
        const out = new Float64Array(problem.evalSamples);
        for (let i = 0; i < problem.evalSamples; i++) {
          out[i] = net.activate(problem.evalX.subarray(i * nIn, (i + 1) * nIn))[0];
        }
        return out;
      },
    };
  },
};
