/** Train and test loss by epoch as two SVG polylines (test dashed), on a log-free linear scale from 0. */

import { num } from './format.js';
import type { CurvePoint } from './protocol.js';

const SVG = 'http://www.w3.org/2000/svg';

/** Redraws the curves of `points` into `svg` (its size from its attributes). */
export function drawCurves(svg: SVGSVGElement, points: readonly CurvePoint[]): void {
  const w = Number(svg.getAttribute('width'));
  const h = Number(svg.getAttribute('height'));
  const left = 36;
  const bottom = 16;
  svg.replaceChildren();
  const add = (name: string, attrs: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  add('line', { x1: left, y1: 4, x2: left, y2: h - bottom, class: 'axis' });
  add('line', { x1: left, y1: h - bottom, x2: w - 4, y2: h - bottom, class: 'axis' });
  if (points.length === 0) {
    add('text', { x: left + 8, y: h / 2, class: 'hint' }, 'loss curves appear after the first epoch');
    return;
  }
  let top = 0;
  for (const p of points)
    top = Math.max(top, Number.isFinite(p.trainLoss) ? p.trainLoss : 0, Number.isFinite(p.testLoss) ? p.testLoss : 0);
  top = top || 1;
  const last = points[points.length - 1].epoch;
  const x = (e: number) => left + ((w - 4 - left) * e) / Math.max(1, last);
  const y = (v: number) => 4 + (h - bottom - 4) * (1 - Math.min(1, v / top));
  // Long runs keep at most ~300 points per curve: the drawing costs the same at epoch 10 and 10 000.
  const stride = Math.max(1, Math.ceil(points.length / 300));
  const line = (key: 'trainLoss' | 'testLoss') =>
    points
      .filter((_, i) => i % stride === 0 || i === points.length - 1)
      .map((p) => `${x(p.epoch).toFixed(1)},${y(p[key]).toFixed(1)}`)
      .join(' ');
  add('polyline', { points: line('trainLoss'), class: 'curve-train' });
  add('polyline', { points: line('testLoss'), class: 'curve-test' });
  add('text', { x: left - 4, y: 12, 'text-anchor': 'end', class: 'tick' }, num(top, 2));
  add('text', { x: left - 4, y: h - bottom, 'text-anchor': 'end', class: 'tick' }, '0');
  add('text', { x: w - 4, y: h - 3, 'text-anchor': 'end', class: 'tick' }, `epoch ${last}`);
  add('text', { x: left + 6, y: h - 3, class: 'tick' }, '— train   ╌ test loss');
}
