/**
 * The HTML report: one self-contained file (inline CSS and SVG, no scripts, no network requests)
 * with the loss and accuracy curves, the ROC curve(s) and the confusion matrix.
 */
import type { AnyMatrix, Matrix } from '../core/matrix.js';
import { type Network, networkConfig, predict } from '../nn/network.js';
import type { History } from '../train/fit.js';
import { describeMetrics, type Metrics, rocCurves } from './evaluate.js';
import type { LabelMapping } from './labels.js';
import type { TrainResult } from './train.js';

export interface ReportInput {
  title: string;
  history: History;
  metrics: Metrics;
  metricsOn: 'test' | 'train';
  network: Network;
  x: AnyMatrix;
  y: Matrix;
  labels: LabelMapping;
}

interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

const W = 420;
const H = 260;
const PAD = { left: 50, right: 12, top: 12, bottom: 36 };

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const tick = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

/**
 * A line chart as an inline <svg>; `fixed` pins the axes (e.g. [0, 1] for ROC), `integerX` rounds
 * the x ticks (epochs), and `legendBottom` moves the legend out of the top-left-hugging ROC curve.
 */
function lineChart(
  series: Series[],
  xLabel: string,
  yLabel: string,
  options: { fixed?: { x: [number, number]; y: [number, number] }; integerX?: boolean; legendBottom?: boolean } = {},
): string {
  const { fixed } = options;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) return '';
  let [x0, x1] = fixed?.x ?? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = fixed?.y ?? [Math.min(0, ...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const sy = (y: number) => H - PAD.bottom - ((y - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [];
  parts.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#999"/>`,
  );
  for (let i = 0; i <= 4; i++) {
    const xv = options.integerX ? Math.round(x0 + ((x1 - x0) * i) / 4) : x0 + ((x1 - x0) * i) / 4;
    const yv = y0 + ((y1 - y0) * i) / 4;
    parts.push(
      `<text x="${sx(xv).toFixed(1)}" y="${H - PAD.bottom + 14}" font-size="10" text-anchor="middle">${tick(xv)}</text>`,
    );
    parts.push(
      `<text x="${PAD.left - 4}" y="${(sy(yv) + 3).toFixed(1)}" font-size="10" text-anchor="end">${tick(yv)}</text>`,
    );
  }
  parts.push(
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 4}" font-size="11" text-anchor="middle">${escapeXml(xLabel)}</text>`,
  );
  parts.push(
    `<text x="12" y="${(PAD.top + H - PAD.bottom) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${(PAD.top + H - PAD.bottom) / 2})">${escapeXml(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`,
    );
    parts.push(
      `<text x="${W - PAD.right - 4}" y="${options.legendBottom ? H - PAD.bottom - 6 - 13 * (series.length - 1 - i) : PAD.top + 14 + 13 * i}" font-size="11" text-anchor="end" fill="${s.color}">${escapeXml(s.name)}</text>`,
    );
  });
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img">${parts.join('')}</svg>`;
}

/** The confusion matrix as a grid of shaded cells. */
function confusionChart(confusion: number[][], labels: string[]): string {
  const k = labels.length;
  const cellSize = Math.max(36, Math.min(70, 280 / k));
  const left = 90;
  const top = 40;
  const size = left + k * cellSize + 10;
  const max = Math.max(1, ...confusion.flat());
  const parts: string[] = [];
  parts.push(`<text x="${left + (k * cellSize) / 2}" y="14" font-size="11" text-anchor="middle">predicted</text>`);
  labels.forEach((l, j) =>
    parts.push(
      `<text x="${left + (j + 0.5) * cellSize}" y="${top - 6}" font-size="10" text-anchor="middle">${escapeXml(l)}</text>`,
    ),
  );
  confusion.forEach((row, t) => {
    parts.push(
      `<text x="${left - 6}" y="${top + (t + 0.5) * cellSize + 4}" font-size="10" text-anchor="end">${escapeXml(labels[t])}</text>`,
    );
    row.forEach((v, p) => {
      const shade = Math.round(255 - (v / max) * 180);
      parts.push(
        `<rect x="${left + p * cellSize}" y="${top + t * cellSize}" width="${cellSize}" height="${cellSize}" fill="rgb(${shade},${shade},255)" stroke="#fff"/>`,
      );
      parts.push(
        `<text x="${left + (p + 0.5) * cellSize}" y="${top + (t + 0.5) * cellSize + 4}" font-size="12" text-anchor="middle">${v}</text>`,
      );
    });
  });
  parts.push(
    `<text x="10" y="${top + (k * cellSize) / 2}" font-size="11" transform="rotate(-90 10 ${top + (k * cellSize) / 2})" text-anchor="middle">true</text>`,
  );
  return `<svg width="${size}" height="${top + k * cellSize + 10}" viewBox="0 0 ${size} ${top + k * cellSize + 10}" role="img">${parts.join('')}</svg>`;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/**
 * The report as one self-contained HTML document.
 * @param input the run's history, metrics, network and the labelled rows the metrics came from
 * @example
 * const html = renderReport({ title: 'iris', history, metrics, metricsOn: 'test', network, x, y, labels });
 */
export function renderReport(input: ReportInput): string {
  const epochs = input.history.epochs;
  const curve = (name: string, color: string, key: 'loss' | 'valLoss' | 'accuracy' | 'valAccuracy'): Series[] =>
    epochs.some((e) => e[key] !== undefined)
      ? [{ name, color, points: epochs.map((e) => [e.epoch, e[key] ?? Number.NaN]) }]
      : [];
  const sections: string[] = [];
  sections.push(
    `<h2>Loss</h2>${lineChart([...curve('train', COLORS[0], 'loss'), ...curve('validation', COLORS[1], 'valLoss')], 'epoch', 'loss', { integerX: true })}`,
  );
  const acc = [...curve('train', COLORS[0], 'accuracy'), ...curve('validation', COLORS[1], 'valAccuracy')];
  if (acc.length > 0)
    sections.push(`<h2>Accuracy</h2>${lineChart(acc, 'epoch', 'accuracy', { integerX: true, legendBottom: true })}`);
  if (input.metrics.kind === 'classification') {
    const yhat = predict(input.network, input.x);
    const rocs = rocCurves(yhat, input.y, input.labels).map((r, i) => ({
      name:
        input.labels.kind === 'binary'
          ? `AUC ${input.metrics.kind === 'classification' ? input.metrics.rocAuc.toFixed(3) : ''}`
          : r.label,
      color: COLORS[i % COLORS.length],
      points: r.fpr.map((f, j) => [f, r.tpr[j]] as [number, number]),
    }));
    rocs.push({
      name: 'chance',
      color: '#bbb',
      points: [
        [0, 0],
        [1, 1],
      ],
    });
    sections.push(
      `<h2>ROC curve (${input.metricsOn} split)</h2>${lineChart(rocs, 'false-positive rate', 'true-positive rate', { fixed: { x: [0, 1], y: [0, 1] }, legendBottom: true })}`,
    );
    sections.push(
      `<h2>Confusion matrix (${input.metricsOn} split)</h2>${confusionChart(input.metrics.confusion, input.metrics.labels)}`,
    );
  }
  const metricsText = describeMetrics(input.metrics).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>${escapeXml(input.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}h2{font-size:1.1em;margin-top:1.5em}pre{background:#f6f6f6;padding:1em}</style>
</head>
<body>
<h1>${escapeXml(input.title)}</h1>
<h2>Metrics (${input.metricsOn} split)</h2>
<pre>${escapeXml(metricsText)}</pre>
${sections.join('\n')}
</body>
</html>
`;
}

/**
 * A network in one line: its layer sizes, activations and loss.
 * @param net the network
 * @example
 * describeNetwork(net); // '3-4-1 (sigmoid, sigmoid; binary_crossentropy)'
 */
export function describeNetwork(net: Network): string {
  const cfg = networkConfig(net);
  return `${[cfg.inputSize, ...cfg.layers.map((l) => l.units)].join('-')} (${cfg.layers.map((l) => l.activation).join(', ')}; ${cfg.loss.name})`;
}

/**
 * The HTML report of a training run: curves, ROC and confusion matrix on the split its metrics
 * were measured on.
 * @param result what `trainModel` returned
 * @example
 * const html = trainReport(trainModel(table));
 */
export function trainReport(result: TrainResult<AnyMatrix>): string {
  const evalSet = result.test ?? result.train;
  return renderReport({
    title: `backprop: ${describeNetwork(result.model.network)} on ${result.examples.target}`,
    history: result.history,
    metrics: result.metrics,
    metricsOn: result.metricsOn,
    network: result.model.network,
    x: evalSet.x,
    y: evalSet.y,
    labels: result.model.labels,
  });
}
