/**
 * Train and test loss by epoch as two SVG polylines (test dashed) on a linear scale from 0. The
 * elements are made once and only their points and labels change, so a redraw costs little.
 */
import { num } from './format.js';
import type { CurvePoint } from './protocol.js';

const SVG = 'http://www.w3.org/2000/svg';
const LEFT = 36;
const BOTTOM = 16;

interface Parts {
  train: SVGPolylineElement;
  test: SVGPolylineElement;
  top: SVGTextElement;
  last: SVGTextElement;
  hint: SVGTextElement;
}

const made = new WeakMap<SVGSVGElement, Parts>();

function parts(svg: SVGSVGElement, w: number, h: number): Parts {
  let p = made.get(svg);
  if (p) return p;
  const add = <K extends keyof SVGElementTagNameMap>(
    name: K,
    attrs: Record<string, string | number>,
    text?: string,
  ) => {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  svg.replaceChildren();
  add('line', { x1: LEFT, y1: 4, x2: LEFT, y2: h - BOTTOM, class: 'axis' });
  add('line', { x1: LEFT, y1: h - BOTTOM, x2: w - 4, y2: h - BOTTOM, class: 'axis' });
  add('text', { x: LEFT - 4, y: h - BOTTOM, 'text-anchor': 'end', class: 'tick' }, '0');
  add('text', { x: LEFT + 6, y: h - 3, class: 'tick' }, '— train   ╌ test loss');
  p = {
    train: add('polyline', { class: 'curve-train' }),
    test: add('polyline', { class: 'curve-test' }),
    top: add('text', { x: LEFT - 4, y: 12, 'text-anchor': 'end', class: 'tick' }),
    last: add('text', { x: w - 4, y: h - 3, 'text-anchor': 'end', class: 'tick' }),
    hint: add('text', { x: LEFT + 8, y: h / 2, class: 'hint' }, 'loss curves appear after the first epoch'),
  };
  made.set(svg, p);
  return p;
}

/** Redraws the curves of `points` into `svg` (its size from its attributes). */
export function drawCurves(svg: SVGSVGElement, points: readonly CurvePoint[]): void {
  const w = Number(svg.getAttribute('width'));
  const h = Number(svg.getAttribute('height'));
  const p = parts(svg, w, h);
  p.hint.style.display = points.length === 0 ? '' : 'none';
  if (points.length === 0) {
    p.train.setAttribute('points', '');
    p.test.setAttribute('points', '');
    p.top.textContent = '';
    p.last.textContent = '';
    return;
  }
  let top = 0;
  for (const q of points) {
    if (Number.isFinite(q.trainLoss)) top = Math.max(top, q.trainLoss);
    if (Number.isFinite(q.testLoss)) top = Math.max(top, q.testLoss);
  }
  top = top || 1;
  const last = points[points.length - 1].epoch;
  const x = (e: number) => LEFT + ((w - 4 - LEFT) * e) / Math.max(1, last);
  const y = (v: number) => 4 + (h - BOTTOM - 4) * (1 - Math.min(1, v / top));
  // Long runs keep at most ~300 points per curve: the drawing costs the same at epoch 10 and 10 000.
  const stride = Math.max(1, Math.ceil(points.length / 300));
  const line = (key: 'trainLoss' | 'testLoss') => {
    let s = '';
    for (let i = 0; i < points.length; i++) {
      if (i % stride !== 0 && i !== points.length - 1) continue;
      s += `${x(points[i].epoch).toFixed(1)},${y(points[i][key]).toFixed(1)} `;
    }
    return s;
  };
  p.train.setAttribute('points', line('trainLoss'));
  p.test.setAttribute('points', line('testLoss'));
  p.top.textContent = num(top, 2);
  p.last.textContent = `epoch ${last}`;
}
