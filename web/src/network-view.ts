/**
 * The network drawn as SVG: a column of nodes per layer, edges coloured by the weight's sign and
 * as wide as its magnitude, the notes' names on the two-layer network (x, W, b1, z, h, U, b2, θ,
 * ŷ) and layer numbers on others. On 2-D data every hidden and output node holds a small canvas
 * with that unit's output over the plane. Built once per architecture; each snapshot only
 * restyles the edges and repaints the small maps.
 */
import { num } from './format.js';
import { css, DIVERGING_LUT, diverging, lutIndex } from './palette.js';

const SVG = 'http://www.w3.org/2000/svg';
const NODE = 30;

export interface NetworkView {
  update(weights: { kernel: Float64Array; bias: Float64Array }[], grid?: Float64Array[], side?: number): void;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, parent: Element) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent.appendChild(e);
  return e;
}

/**
 * Draws a network of `sizes` (inputs, then each layer's units) into `host`.
 * @param notes whether to use the notes' names (two layers, one output)
 * @param maps whether the nodes hold heat maps (2-D data)
 */
export function createNetworkView(
  host: HTMLElement,
  sizes: number[],
  inputNames: string[],
  notes: boolean,
  maps: boolean,
): NetworkView {
  host.replaceChildren();
  const width = Math.max(host.clientWidth, 320);
  const height = Math.max(host.clientHeight, 260);
  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' }, host);
  svg.setAttribute('aria-label', `network ${sizes.join('-')}`);
  const top = 34;
  const usable = height - top - 14;
  // Room on the left for the longest input name (about 7 px a character at 12 px).
  const left = Math.min(150, 30 + 7 * Math.max(...inputNames.map((n) => n.length)));
  const colX = sizes.map((_, c) => left + ((width - left - 60) * c) / (sizes.length - 1));
  const nodeY = sizes.map((n) => Array.from({ length: n }, (_, i) => top + (usable * (i + 0.5)) / n));
  const edges: SVGLineElement[][] = [];
  const edgeGroup = el('g', {}, svg);
  for (let l = 1; l < sizes.length; l++) {
    const group = el('g', { 'data-group': notes ? (l === 1 ? 'W' : 'U') : `kernel${l}` }, edgeGroup);
    const layer: SVGLineElement[] = [];
    for (let i = 0; i < sizes[l - 1]; i++) {
      for (let j = 0; j < sizes[l]; j++) {
        const line = el(
          'line',
          { x1: colX[l - 1], y1: nodeY[l - 1][i], x2: colX[l], y2: nodeY[l][j], tabindex: 0 },
          group,
        );
        el('title', {}, line);
        layer.push(line);
      }
    }
    edges.push(layer);
  }
  const canvases: HTMLCanvasElement[][] = [];
  const biasTitles: SVGTitleElement[][] = [];
  for (let c = 0; c < sizes.length; c++) {
    const group = el('g', { 'data-group': notes ? ['x', 'h', 'yhat'][c] : `layer${c}` }, svg);
    const layerCanvases: HTMLCanvasElement[] = [];
    const titles: SVGTitleElement[] = [];
    for (let i = 0; i < sizes[c]; i++) {
      const x = colX[c];
      const y = nodeY[c][i];
      const rect = el(
        'rect',
        { x: x - NODE / 2, y: y - NODE / 2, width: NODE, height: NODE, rx: 4, class: 'node', tabindex: 0 },
        group,
      );
      const title = el('title', {}, rect);
      if (c === 0) {
        title.textContent = `input ${inputNames[i]}`;
        el('text', { x: x - NODE / 2 - 4, y: y + 4, 'text-anchor': 'end', class: 'node-label' }, group).textContent =
          inputNames[i];
      } else {
        titles.push(title);
        if (maps) {
          const canvas = document.createElement('canvas');
          canvas.className = 'unit-map';
          canvas.style.left = `${x - NODE / 2 + 1}px`;
          canvas.style.top = `${y - NODE / 2 + 1}px`;
          canvas.style.width = canvas.style.height = `${NODE - 2}px`;
          host.appendChild(canvas);
          layerCanvases.push(canvas);
        }
      }
    }
    canvases.push(layerCanvases);
    biasTitles.push(titles);
  }
  // Names: the notes' on their network, layer numbers elsewhere.
  const heading = (x: number, text: string) =>
    (el('text', { x, y: 16, 'text-anchor': 'middle', class: 'layer-label' }, svg).textContent = text);
  if (notes) {
    heading(colX[0], 'x');
    heading((colX[0] + colX[1]) / 2, 'W');
    heading(colX[1], 'z, h (b1)');
    heading((colX[1] + colX[2]) / 2, 'U');
    heading(colX[2], 'θ, ŷ (b2)');
  } else {
    heading(colX[0], 'inputs');
    for (let c = 1; c < sizes.length; c++)
      heading(colX[c], c === sizes.length - 1 ? `layer ${c}: output` : `layer ${c}`);
  }

  const mapImages = canvases.map((layer) => layer.map(() => undefined as ImageData | undefined));
  return {
    update(weights, grid, side) {
      let maxAbs = 1e-9;
      for (const w of weights) for (const v of w.kernel) maxAbs = Math.max(maxAbs, Math.abs(v));
      weights.forEach((w, l) => {
        const out = sizes[l + 1];
        edges[l].forEach((line, e) => {
          const i = Math.floor(e / out);
          const j = e % out;
          const v = w.kernel[i * out + j];
          line.setAttribute('stroke', css(diverging(v >= 0 ? 0.85 : -0.85)));
          line.setAttribute('stroke-width', (0.5 + 5 * Math.min(1, Math.abs(v) / maxAbs)).toFixed(2));
          const name = notes
            ? l === 0
              ? `W[${j + 1},${i + 1}]`
              : `U[1,${i + 1}]`
            : `layer ${l + 1} kernel[${i + 1},${j + 1}]`;
          line.firstElementChild!.textContent = `${name} = ${num(v)}`;
          line.setAttribute('aria-label', `${name} = ${num(v)}`);
        });
        biasTitles[l + 1].forEach((t, j) => {
          const b = notes ? (l === 0 ? `b1[${j + 1}]` : 'b2') : `layer ${l + 1} bias[${j + 1}]`;
          t.textContent = `unit ${j + 1}: ${b} = ${num(w.bias[j])}`;
        });
      });
      if (!grid || !side) return;
      for (let c = 1; c < sizes.length; c++) {
        const a = grid[c - 1];
        const units = sizes[c];
        canvases[c].forEach((canvas, j) => {
          if (canvas.width !== side) canvas.width = canvas.height = side;
          const ctx = canvas.getContext('2d')!;
          let img = mapImages[c][j];
          if (!img) img = mapImages[c][j] = ctx.createImageData(side, side);
          // Scale each unit by its own range so that tanh, ReLU and sigmoid units all show their shape.
          let lo = Infinity;
          let hi = -Infinity;
          for (let p = 0; p < side * side; p++) {
            const v = a[p * units + j];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          const span = hi - lo || 1;
          const px = img.data;
          for (let p = 0; p < side * side; p++) {
            const k = lutIndex(((a[p * units + j] - lo) / span) * 2 - 1);
            px[4 * p] = DIVERGING_LUT[k];
            px[4 * p + 1] = DIVERGING_LUT[k + 1];
            px[4 * p + 2] = DIVERGING_LUT[k + 2];
            px[4 * p + 3] = 255;
          }
          ctx.putImageData(img, 0, 0);
        });
      }
    },
  };
}
