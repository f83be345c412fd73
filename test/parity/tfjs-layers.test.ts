/**
 * Golden parity with TensorFlow.js Layers (issue 4, item 1; docs/keras-parity.md).
 *
 * For every optimiser × batch size × head × depth, backprop's `fit` and tfjs's `model.fit` start
 * from the same float32 weights and see the same float32 data in the same order (shuffle off).
 * After every epoch (so after 1 and after 5 in particular) every weight must agree within
 * |ours − tf| ≤ 1e-5·max(|ours|, |tf|) + atol(updates so far) — see `atol` in harness.ts for the
 * absolute term — and so must the loss each library reports per epoch and per batch.
 *
 * Two guards keep each case meaningful: the weights must move by at least 100× the tolerance
 * (a fit that did nothing, or one that trained a different network, cannot pass), and our
 * per-epoch loss must fall every epoch with weights of order 1 (the "well-conditioned" premise of
 * the tolerance: in an unstable run float32 noise is amplified and 1e-5 is not a fair target).
 *
 * Adam runs here with ε = 1e-12 in both libraries: tfjs adds ε to √v̂ (Kingma & Ba's Algorithm 1)
 * where Keras and backprop add it to √v, and with a negligible ε the two formulas coincide. The
 * default ε = 1e-7 is covered in tfjs-adam.test.ts.
 *
 * PARITY_REPORT=1 prints the measured disagreements per optimiser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayerConfig, OptimizerConfig } from '../../src/index.js';
import {
  type Comparison,
  compareRuns,
  type Head,
  initTf,
  largestWeight,
  movement,
  type ParityCase,
  prepare,
  runOurs,
  runTfjs,
} from './harness.js';

const EXAMPLES = 23; // batch size 10 → batches of 10, 10 and 3

const OPTIMIZERS: Record<string, ParityCase['optimizer']> = {
  sgd: { name: 'sgd', learningRate: 0.1 },
  momentum: { name: 'momentum', learningRate: 0.01, momentum: 0.9 },
  nesterov: { name: 'nesterov', learningRate: 0.01, momentum: 0.9 },
  'adam (ε → 0)': { name: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-12 },
};

const HEADS: Head[] = ['sigmoid/bce', 'softmax/cce', 'linear/mse'];

/** One hidden layer (sigmoid for the notes' binary task, tanh otherwise), or two relu layers. */
function hidden(head: Head, deep: boolean): LayerConfig[] {
  if (deep) {
    return [
      { units: 6, activation: 'relu' },
      { units: 5, activation: 'relu' },
    ];
  }
  return [{ units: 5, activation: head === 'sigmoid/bce' ? 'sigmoid' : 'tanh' }];
}

interface Row {
  label: string;
  optimizer: string;
  batchSize: number;
  comparison: Comparison;
}
const rows: Row[] = [];

beforeAll(() => initTf());

afterAll(() => {
  if (!process.env.PARITY_REPORT) return;
  const byOptimizer = new Map<string, { w: number; wr: number; l: number; lr: number; b: number; br: number }>();
  for (const r of rows) {
    const m = byOptimizer.get(r.optimizer) ?? { w: 0, wr: 0, l: 0, lr: 0, b: 0, br: 0 };
    for (const w of r.comparison.weights) {
      m.w = Math.max(m.w, w.abs);
      m.wr = Math.max(m.wr, w.ratio);
    }
    for (const l of r.comparison.epochLoss) {
      m.l = Math.max(m.l, l.abs / Math.abs(l.tf));
      m.lr = Math.max(m.lr, l.ratio);
    }
    for (const b of r.comparison.batchLoss) {
      m.b = Math.max(m.b, b.abs);
      m.br = Math.max(m.br, b.ratio);
    }
    byOptimizer.set(r.optimizer, m);
  }
  const f = (v: number) => v.toExponential(2);
  console.log('optimizer       max|Δw|   (/tol)  max rel Δ epoch loss (/tol)  max|Δ batch loss| (/tol)');
  for (const [name, m] of byOptimizer) {
    console.log(
      `${name.padEnd(15)} ${f(m.w)} (${m.wr.toFixed(2)})  ${f(m.l)}          (${m.lr.toFixed(2)})  ${f(m.b)}         (${m.br.toFixed(2)})`,
    );
  }
});

let seed = 0;
for (const [optName, optimizer] of Object.entries(OPTIMIZERS)) {
  describe(optName, () => {
    for (const deep of [false, true]) {
      for (const head of HEADS) {
        for (const batchSize of [1, 10]) {
          const config: ParityCase = {
            optimizer,
            batchSize,
            head,
            hidden: hidden(head, deep),
            examples: EXAMPLES,
            epochs: 5,
            seed: ++seed,
          };
          const arch = `4→${config.hidden.map((l) => `${l.units} ${l.activation}`).join('→')}→${head}`;
          const label = `${arch}, batch size ${batchSize}`;
          it(label, async () => {
            const p = prepare(config);
            const ours = runOurs(p);
            const theirs = await runTfjs(p);
            const batches = Math.ceil(EXAMPLES / batchSize);
            const c = compareRuns(ours, theirs, optimizer as OptimizerConfig, batches);
            rows.push({ label, optimizer: optName, batchSize, comparison: c });

            // The premise: stable training, weights of order 1.
            for (let e = 1; e < ours.epochLoss.length; e++)
              expect(ours.epochLoss[e]).toBeLessThan(ours.epochLoss[e - 1]);
            expect(largestWeight(ours)).toBeLessThan(3);
            // The weights moved far beyond the tolerance, after 1 epoch and after 5.
            for (const e of [0, 4]) {
              expect(movement(p.initial, ours.weights[e])).toBeGreaterThan(100 * c.weights[e].atol);
            }

            c.weights.forEach((w, e) => {
              expect(
                w.ratio,
                `weights after epoch ${e + 1} (parameter array ${w.param}, max |Δ| ${w.abs})`,
              ).toBeLessThanOrEqual(1);
            });
            c.epochLoss.forEach((l, e) => {
              expect(l.ratio, `loss of epoch ${e + 1}: ours ${l.ours}, tfjs ${l.tf}`).toBeLessThanOrEqual(1);
            });
            c.batchLoss.forEach((b, e) => {
              expect(b.ratio, `per-batch losses of epoch ${e + 1} (max |Δ| ${b.abs})`).toBeLessThanOrEqual(1);
            });
          });
        }
      }
    }
  });
}
