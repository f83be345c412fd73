/**
 * TensorFlow.js Layers: a `tf.sequential` of two dense sigmoid layers compiled with SGD(0.1)
 * and binary cross-entropy, trained by `model.fit` (one epoch, no shuffling) — on the pure-JS
 * `cpu` backend or the WebAssembly backend (SIMD when the engine has it, as Node 20 does).
 * Computes in float32; starts from our initial weights via `setWeights`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { WorkloadId } from '../workloads.js';
import { LEARNING_RATE, type Problem } from '../workloads.js';
import type { Peer, Session } from './types.js';

const require = createRequire(import.meta.url);

/**
 * tfjs spends ~0.5 ms per step whatever the batch, so W1 (batch 1) is capped; and the cpu
 * backend's float32 matrix products in plain JavaScript make W3 take minutes per run, so it is
 * capped too. samples/s stays comparable: each step costs the same however many there are.
 */
const CAPS: Record<'cpu' | 'wasm', Partial<Record<WorkloadId, [full: number, smoke: number]>>> = {
  cpu: { W1: [2_000, 500], W3: [2_560, 320] },
  wasm: { W1: [2_000, 500] },
};

async function loadTf(backend: 'cpu' | 'wasm', details: Record<string, string>) {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the .wasm files are read from disk: point tfjs at the package's dist/ folder.
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(`${join(dist, 'dist')}/`);
  }
  tf.enableProdMode(); // silences tfjs's console warnings (the "install tfjs-node" banner included)
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  details.backend = tf.getBackend();
  details.version = tf.version.tfjs;
  if (backend === 'wasm') {
    details.simd = String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    details.threads = String(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  }
  return tf;
}

function makePeer(backend: 'cpu' | 'wasm'): Peer {
  const peer: Peer = {
    name: `tfjs-${backend}`,
    description: `TensorFlow.js Layers model.fit on the ${backend} backend (float32)`,
    workloads: ['W1', 'W2', 'W3'],
    details: {},
    cap(workload: WorkloadId, smoke: boolean) {
      return CAPS[backend][workload]?.[smoke ? 1 : 0];
    },
    async load(problem: Problem): Promise<Session> {
      const tf = await loadTf(backend, peer.details!);
      const { inputs: nIn, hidden: nH, batchSize } = problem.workload;
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [nIn], units: nH, activation: 'sigmoid' }),
          tf.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      model.compile({ optimizer: tf.train.sgd(LEARNING_RATE), loss: 'binaryCrossentropy' });
      const w = problem.weights;
      const initial = [
        tf.tensor2d(Float32Array.from(w.w1), [nIn, nH]),
        tf.tensor1d(Float32Array.from(w.b1)),
        tf.tensor2d(Float32Array.from(w.w2), [nH, 1]),
        tf.tensor1d(Float32Array.from(w.b2)),
      ];
      const data = new Map<number, { xs: ReturnType<typeof tf.tensor2d>; ys: ReturnType<typeof tf.tensor2d> }>();
      const evalX = tf.tensor2d(Float32Array.from(problem.evalX), [problem.evalSamples, nIn]);
      return {
        reset() {
          model.setWeights(initial);
        },
        async train(samples) {
          let d = data.get(samples);
          if (d === undefined) {
            d = {
              xs: tf.tensor2d(Float32Array.from(problem.x.subarray(0, samples * nIn)), [samples, nIn]),
              ys: tf.tensor2d(Float32Array.from(problem.y.subarray(0, samples)), [samples, 1]),
            };
            data.set(samples, d);
          }
          // yieldEvery 'never': no event-loop yields inside fit, the most favourable setting for tfjs.
          await model.fit(d.xs, d.ys, { batchSize, epochs: 1, shuffle: false, verbose: 0, yieldEvery: 'never' });
        },
        async predictEval() {
          const p = tf.tidy(() => model.predict(evalX) as ReturnType<typeof tf.tensor2d>);
          const out = await p.data();
          p.dispose();
          return out;
        },
        dispose() {
          for (const t of initial) t.dispose();
          for (const d of data.values()) tf.dispose([d.xs, d.ys]);
          evalX.dispose();
          model.dispose();
        },
      };
    },
  };
  return peer;
}

export const tfjsCpuPeer = makePeer('cpu');
export const tfjsWasmPeer = makePeer('wasm');
