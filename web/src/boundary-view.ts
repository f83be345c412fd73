/**
 * The decision boundary on 2-D data: the network's output over a grid, painted on a canvas
 * (one cell per grid point, scaled up smoothly), with the train points filled and the test
 * points outlined, and the selected example ringed in the accent colour.
 */

import { toCanvas } from './grid.js';
import { ACCENT, CLASS_COLOURS, css, DIVERGING_LUT, diverging, lutIndex } from './palette.js';
import type { Plane } from './prepare.js';

export interface BoundaryData {
  plane: Plane;
  /** Class of each example (train then test). */
  classes: Int32Array;
  nTrain: number;
  /** Number of classes (2: one sigmoid output). */
  k: number;
}

// The grid's pixels, kept between draws.
let cells: OffscreenCanvas | undefined;
let image: ImageData | undefined;

/** Paints the output grid (`side`² rows of `k` or 1 values, top row first) and the points. */
export function drawBoundary(
  canvas: HTMLCanvasElement,
  data: BoundaryData,
  output: Float64Array | undefined,
  side: number,
  selected: number | undefined,
): void {
  const ctx = canvas.getContext('2d')!;
  const w = canvas.width;
  const h = canvas.height;
  ctx.fillStyle = '#f7f7f7';
  ctx.fillRect(0, 0, w, h);
  if (output) {
    if (cells?.width !== side) {
      cells = new OffscreenCanvas(side, side);
      image = cells.getContext('2d')!.createImageData(side, side);
    }
    const cctx = cells.getContext('2d')!;
    const img = image!;
    const units = data.k === 2 ? 1 : data.k;
    for (let p = 0; p < side * side; p++) {
      if (units === 1) {
        const k = lutIndex((2 * output[p] - 1) * 0.7); // softened so that the points stand out
        img.data[4 * p] = DIVERGING_LUT[k];
        img.data[4 * p + 1] = DIVERGING_LUT[k + 1];
        img.data[4 * p + 2] = DIVERGING_LUT[k + 2];
      } else {
        let best = 0;
        for (let j = 1; j < units; j++) if (output[p * units + j] > output[p * units + best]) best = j;
        const c = CLASS_COLOURS[best % CLASS_COLOURS.length];
        const a = 0.25 + 0.45 * output[p * units + best];
        img.data[4 * p] = 247 + (c[0] - 247) * a;
        img.data[4 * p + 1] = 247 + (c[1] - 247) * a;
        img.data[4 * p + 2] = 247 + (c[2] - 247) * a;
      }
      img.data[4 * p + 3] = 255;
    }
    cctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(cells, 0, 0, w, h);
  }
  const { plane } = data;
  const n = plane.xy.length / 2;
  const colour = (cls: number) =>
    data.k === 2 ? css(diverging(cls === 1 ? 1 : -1)) : css(CLASS_COLOURS[cls % CLASS_COLOURS.length]);
  for (let i = 0; i < n; i++) {
    const [px, py] = toCanvas(plane, w, h, plane.xy[2 * i], plane.xy[2 * i + 1]);
    ctx.beginPath();
    ctx.arc(px, py, 3.2, 0, 2 * Math.PI);
    if (i < data.nTrain) {
      ctx.fillStyle = colour(data.classes[i]);
      ctx.fill();
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1;
      ctx.stroke();
    } else {
      ctx.fillStyle = '#fff';
      ctx.fill();
      ctx.strokeStyle = colour(data.classes[i]);
      ctx.lineWidth = 2;
      ctx.stroke();
    }
  }
  if (selected !== undefined) {
    const [px, py] = toCanvas(plane, w, h, plane.xy[2 * selected], plane.xy[2 * selected + 1]);
    ctx.beginPath();
    ctx.arc(px, py, 8, 0, 2 * Math.PI);
    ctx.strokeStyle = ACCENT;
    ctx.lineWidth = 2.5;
    ctx.stroke();
  }
}
