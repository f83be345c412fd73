import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BREAST_CANCER, IRIS, run, tempDir } from './run-cli.js';

const FEATURES = 'worst_radius,worst_texture,worst_smoothness';
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON documents of the CLI
type Json = any;

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

/** The notes' loss for one example, written out here from W, b1, U, b2 (independent of src/). */
function notesLoss(p: { W: number[][]; b1: number[][]; U: number[][]; b2: number }, x: number[], y: number): number {
  const h = p.W.map((row, i) => sigmoid(row.reduce((s, w, j) => s + w * x[j], p.b1[i][0])));
  const yhat = sigmoid(p.U[0].reduce((s, u, i) => s + u * h[i], p.b2));
  return -(y * Math.log(yhat) + (1 - y) * Math.log(1 - yhat));
}

describe('train → evaluate → predict → explain on the bundled data', () => {
  let dir: string;
  let train: Record<string, Json>;
  let model: Record<string, Json>;

  beforeAll(() => {
    dir = tempDir();
    const r = run(
      [
        'train',
        BREAST_CANCER,
        '--target',
        'malignant',
        '--features',
        FEATURES,
        '--hidden',
        '4',
        '--batch-size',
        '1',
        '--epochs',
        '60',
        '--seed',
        '3',
        '--out',
        'model.json',
        '--json',
      ],
      dir,
    );
    expect(r.stderr).not.toMatch(/Error|at /);
    expect(r.code).toBe(0);
    train = JSON.parse(r.stdout);
    model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  });

  it('train --json describes the run and the model file holds it', () => {
    expect(train.network).toEqual({
      sizes: [3, 4, 1],
      activations: ['sigmoid', 'sigmoid'],
      loss: 'binary_crossentropy',
    });
    expect(train.history).toHaveLength(60);
    expect(train.rows.train + train.rows.validation + train.rows.test).toBe(569);
    // Stratified 20%: round(0.2·357) benign + round(0.2·212) malignant.
    expect(train.rows.test).toBe(71 + 42);
    expect(train.metrics.accuracy).toBeGreaterThanOrEqual(0.93);
    expect(model.format).toBe('backprop-model');
    expect(model.version).toBe(1);
    expect(model.features).toEqual(FEATURES.split(','));
    expect(model.layers[0].kernel).toHaveLength(3);
    expect(model.layers[0].kernel[0]).toHaveLength(4);
    expect(model.metrics.test.accuracy).toBe(train.metrics.accuracy);
    expect(model.standardization.mean).toHaveLength(3);
  });

  it('evaluate agrees with predict and the labels in the CSV', () => {
    const ev = run(['evaluate', 'model.json', BREAST_CANCER, '--json'], dir);
    expect(ev.code).toBe(0);
    const metrics = JSON.parse(ev.stdout);
    const pr = run(['predict', 'model.json', BREAST_CANCER, '--out', 'preds.csv'], dir);
    expect(pr.code).toBe(0);
    const preds = readFileSync(join(dir, 'preds.csv'), 'utf8').trim().split('\n');
    expect(preds[0]).toBe('probability,label');
    const labels = readFileSync(BREAST_CANCER, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').at(-1));
    expect(preds).toHaveLength(570);
    let correct = 0;
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let logLoss = 0;
    preds.slice(1).forEach((line, i) => {
      const [p, label] = line.split(',');
      expect(label).toBe(Number(p) >= 0.5 ? '1' : '0');
      if (label === labels[i]) correct++;
      if (label === '1' && labels[i] === '1') tp++;
      if (label === '1' && labels[i] === '0') fp++;
      if (label === '0' && labels[i] === '1') fn++;
      logLoss -= labels[i] === '1' ? Math.log(Number(p)) : Math.log(1 - Number(p));
    });
    expect(metrics.accuracy).toBeCloseTo(correct / 569, 12);
    expect(metrics.precision).toBeCloseTo(tp / (tp + fp), 12);
    expect(metrics.recall).toBeCloseTo(tp / (tp + fn), 12);
    expect(metrics.logLoss).toBeCloseTo(logLoss / 569, 9);
    expect(metrics.confusion[1][1]).toBe(tp);
    expect(metrics.rocAuc).toBeGreaterThan(0.9);
    expect(metrics.rocAuc).toBeLessThanOrEqual(1);
  });

  it('predict reads stdin with -', () => {
    const rows = readFileSync(BREAST_CANCER, 'utf8').split('\n').slice(0, 4).join('\n');
    const r = run(['predict', 'model.json', '-'], dir, rows);
    expect(r.code).toBe(0);
    const fromFile = readFileSync(join(dir, 'preds.csv'), 'utf8').split('\n').slice(0, 4).join('\n');
    expect(r.stdout.trim()).toBe(fromFile);
  });

  it("explain --json gives the notes' quantities, and its gradients match finite differences computed here", () => {
    const r = run(['explain', 'model.json', '--data', BREAST_CANCER, '--row', '5', '--json'], dir);
    expect(r.code).toBe(0);
    const q = JSON.parse(r.stdout);
    for (const key of [
      'W',
      'b1',
      'U',
      'b2',
      'x',
      'y',
      'z',
      'h',
      'theta',
      'yhat',
      'loss',
      'delta1',
      'delta2',
      'dW',
      'dU',
      'db1',
      'db2',
      'layers',
    ]) {
      expect(q).toHaveProperty(key);
    }
    // x is row 5 of the CSV standardised with the model's own statistics.
    const header = readFileSync(BREAST_CANCER, 'utf8').split('\n')[0].split(',');
    const cells = readFileSync(BREAST_CANCER, 'utf8').split('\n')[5].split(',');
    const raw = FEATURES.split(',').map((f) => Number(cells[header.indexOf(f)]));
    const x = raw.map((v, j) => (v - model.standardization.mean[j]) / model.standardization.std[j]);
    expect(q.x.map((r: number[]) => r[0])).toEqual(x);
    expect(q.y).toBe(Number(cells.at(-1)));
    expect(q.loss).toBeCloseTo(notesLoss(q, x, q.y), 12);
    // Central differences on every parameter of the notes' W, b1, U, b2.
    const h = 1e-6;
    const numeric = (path: (p: Json) => [Json, string | number]) => {
      const p = structuredClone(q);
      const [obj, k] = path(p);
      const v = obj[k];
      obj[k] = v + h;
      const up = notesLoss(p, x, q.y);
      obj[k] = v - h;
      const down = notesLoss(p, x, q.y);
      return (up - down) / (2 * h);
    };
    q.W.forEach((row: number[], i: number) =>
      row.forEach((_: number, j: number) =>
        expect(q.dW[i][j]).toBeCloseTo(
          numeric((p) => [p.W[i], j]),
          7,
        ),
      ),
    );
    q.U[0].forEach((_: number, i: number) =>
      expect(q.dU[0][i]).toBeCloseTo(
        numeric((p) => [p.U[0], i]),
        7,
      ),
    );
    q.b1.forEach((_: number[], i: number) =>
      expect(q.db1[i][0]).toBeCloseTo(
        numeric((p) => [p.b1[i], 0]),
        7,
      ),
    );
    expect(q.db2).toBeCloseTo(
      numeric((p) => [p, 'b2']),
      7,
    );
    // The SGD step it reports is P − η·∂L/∂P with the model's learning rate.
    expect(q.sgd.learningRate).toBe(model.training.optimizer.learningRate);
    expect(q.sgd.W[2][1]).toBe(q.W[2][1] - q.sgd.learningRate * q.dW[2][1]);
    expect(q.gradientCheck.agrees).toBe(true);
    expect(q.gradientCheck.maxRelError).toBeLessThan(1e-6);
    // The per-layer form holds the same gradients in Keras layout (kernel = Wᵀ).
    expect(q.layers[0].dKernel[1][2]).toBeCloseTo(q.dW[2][1], 15);
  });

  it('explain prints the notes’ notation with equation numbers and a finite-difference line', () => {
    const r = run(['explain', 'model.json', '--x', '17.5,21.3,0.14', '--y', '1'], dir);
    expect(r.code).toBe(0);
    for (const text of [
      'z = W x + b1',
      'h = σ(z)',
      'θ = U h + b2',
      'ŷ = σ(θ)',
      'δ1 = ∂L/∂θ = ŷ − y',
      'eq. 3',
      'eq. 4–5',
      'eq. 6',
      'eq. 7',
      '∂L/∂b1',
      '∂L/∂b2',
      'W_new = W − η·∂L/∂W',
      'Finite-difference check',
    ]) {
      expect(r.stdout).toContain(text);
    }
    expect(r.stdout).toMatch(/4×3\s+eq\. 6/);
    expect(r.stdout).toMatch(/the gradients agree/);
  });

  it('explain --data without --row explains the file as one mini-batch', () => {
    const r = run(['explain', 'model.json', '--data', BREAST_CANCER, '--json'], dir);
    expect(r.code).toBe(0);
    const q = JSON.parse(r.stdout);
    expect(q.rows).toBe(569);
    expect(q.layers[0].z).toHaveLength(569);
    expect(q.gradientCheck.agrees).toBe(true);
  });

  it('gradcheck passes on the data', () => {
    const r = run(['gradcheck', 'model.json', BREAST_CANCER, '--json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).pass).toBe(true);
  });
});

describe('reproducibility, iris, report, demo', () => {
  it('--seed 7 twice writes byte-identical model files (and another seed does not)', () => {
    const dir = tempDir();
    const args = (out: string, seed = '7') => [
      'train',
      BREAST_CANCER,
      '--features',
      FEATURES,
      '--epochs',
      '20',
      '--seed',
      seed,
      '--out',
      out,
      '--quiet',
    ];
    expect(run(args('a.json'), dir).code).toBe(0);
    expect(run(args('b.json'), dir).code).toBe(0);
    expect(run(args('c.json', '8'), dir).code).toBe(0);
    const a = readFileSync(join(dir, 'a.json'));
    expect(a.equals(readFileSync(join(dir, 'b.json')))).toBe(true);
    expect(a.equals(readFileSync(join(dir, 'c.json')))).toBe(false);
  });

  it('iris trains to ≥ 0.9 test accuracy with a softmax output', () => {
    const dir = tempDir();
    const r = run(['train', IRIS, '--hidden', '8', '--epochs', '100', '--out', 'iris.json', '--json', '--quiet'], dir);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.network.activations.at(-1)).toBe('softmax');
    expect(s.network.loss).toBe('categorical_crossentropy');
    expect(s.metricsOn).toBe('test');
    expect(s.rows.test).toBe(30);
    expect(s.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(s.metrics.confusion).toHaveLength(3);
  });

  it('--report writes one well-formed, self-contained HTML file with SVG charts', () => {
    const dir = tempDir();
    const r = run(
      ['train', IRIS, '--hidden', '8', '--epochs', '30', '--out', 'm.json', '--report', 'r.html', '--quiet'],
      dir,
    );
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/https?:/);
    expect(html).not.toMatch(/<script|<link|<img|src=/i);
    expect(checkWellFormed(html.replace('<!DOCTYPE html>', ''))).toBe('');
    const svgs = html.match(/<svg[\s>]/g) ?? [];
    expect(svgs.length).toBe(4); // loss, accuracy, ROC, confusion matrix
    // Every polyline has numeric points; the ROC chart has one curve per class plus chance.
    for (const m of html.matchAll(/points="([^"]*)"/g)) expect(m[1]).toMatch(/^(-?[\d.]+,-?[\d.]+ ?)+$/);
    expect(html).toContain('setosa');
  });

  it('demo trains the notes’ network to ≥ 0.93 test accuracy, writes the model and explains a test example', () => {
    const dir = tempDir();
    const t0 = Date.now();
    const r = run(['demo', '--out', 'out/model.json', '--json'], dir);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.network.sizes).toEqual([3, 4, 1]);
    expect(s.training.optimizer.name).toBe('sgd');
    expect(s.metrics.accuracy).toBeGreaterThanOrEqual(0.93);
    expect(s.explanation.gradientCheck.agrees).toBe(true);
    expect(s.explanation.dW).toHaveLength(4);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'model.json'), 'utf8')).format).toBe('backprop-model');
    // Human output: epoch lines on stderr (no TTY, so no bar), results on stdout.
    const human = run(['demo', '--out', 'out/model2.json'], dir);
    expect(human.stderr).toMatch(/epoch 100\/100\s+loss [\d.]+\s+acc [\d.]+\s+val_loss [\d.]+\s+val_acc/);
    expect(human.stdout).toContain('test metrics');
    expect(human.stdout).toContain('eq. 4–5');
  });

  it('--help and --version work', () => {
    const dir = tempDir();
    const help = run(['--help'], dir);
    expect(help.code).toBe(0);
    for (const c of ['train', 'evaluate', 'predict', 'explain', 'gradcheck', 'init', 'demo'])
      expect(help.stdout).toContain(c);
    const trainHelp = run(['train', '--help'], dir);
    expect(trainHelp.stdout).toContain('Examples:');
    const version = run(['--version'], dir);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version,
    );
  });
});

/** A small XML well-formedness check: balanced tags, quoted attributes, known entities. '' when fine. */
function checkWellFormed(text: string): string {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const m of text.matchAll(tag)) {
    const between = text.slice(last, m.index);
    if (/[<>]/.test(between)) return `stray < or > near: ${between.slice(0, 60)}`;
    for (const e of between.matchAll(/&([^;\s]*);?/g))
      if (!['amp', 'lt', 'gt', 'quot'].includes(e[1])) return `bad entity ${e[0]}`;
    last = m.index + m[0].length;
    const [, close, name, , selfClose] = m;
    if (selfClose) continue;
    if (close) {
      if (stack.pop() !== name) return `mismatched </${name}>`;
    } else stack.push(name);
  }
  if (/[<>]/.test(text.slice(last))) return 'stray < or > at the end';
  return stack.length === 0 ? '' : `unclosed <${stack.join('>, <')}>`;
}
