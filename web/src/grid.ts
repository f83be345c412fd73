/** Where things are on the plane of 2-D data, in grid cells and in canvas pixels. */
import type { Plane } from './prepare.js';

/** The centre of grid cell (row, col) in the plane; row 0 is the top (largest x2). */
export function gridPoint(plane: Plane, side: number, row: number, col: number): [number, number] {
  const span = plane.max - plane.min;
  return [plane.min + ((col + 0.5) / side) * span, plane.max - ((row + 0.5) / side) * span];
}

/** Canvas pixel of a point of the plane (x2 grows upwards). */
export function toCanvas(plane: Plane, w: number, h: number, x1: number, x2: number): [number, number] {
  const span = plane.max - plane.min;
  return [((x1 - plane.min) / span) * w, ((plane.max - x2) / span) * h];
}

/** The example nearest to a canvas pixel, if one is within `radius` pixels. */
export function nearestPoint(
  plane: Plane,
  w: number,
  h: number,
  px: number,
  py: number,
  radius = 12,
): number | undefined {
  let best: number | undefined;
  let bestD = radius * radius;
  for (let i = 0; i < plane.xy.length / 2; i++) {
    const [qx, qy] = toCanvas(plane, w, h, plane.xy[2 * i], plane.xy[2 * i + 1]);
    const d = (qx - px) ** 2 + (qy - py) ** 2;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}
