/**
 * The 2-D toy data sets, drawn from the library's seeded random numbers so that one seed gives
 * the same points in every browser. Points live in the square [−DOMAIN, DOMAIN]²; label 1 is the
 * "positive" class drawn in the palette's blue end.
 */
import type { Random } from './library.js';

export const DOMAIN = 3;
export const TOY_POINTS = 400;

export type ToyName = 'xor' | 'circle' | 'gaussians' | 'spiral';

/** Points as [x1, x2] pairs with 0/1 labels. */
export interface Points {
  xy: Float64Array;
  labels: Uint8Array;
}

function clamp(v: number): number {
  return Math.max(-DOMAIN, Math.min(DOMAIN, v));
}

/**
 * `n` points of a toy set; `noise` (0–0.5) jitters each point by a normal of that many
 * half-widths' standard deviation after its label is fixed, so noisy points may cross the boundary.
 */
export function toyPoints(name: ToyName, n: number, noise: number, rng: Random): Points {
  const xy = new Float64Array(2 * n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let x1: number;
    let x2: number;
    let label: number;
    const half = i % 2; // alternate the classes so that every set is balanced
    switch (name) {
      case 'xor': {
        // Keep a thin margin along the axes, where the class would be a coin toss.
        const margin = 0.1;
        x1 = rng.uniform(margin, DOMAIN) * (rng.next() < 0.5 ? -1 : 1);
        x2 = rng.uniform(margin, DOMAIN) * (rng.next() < 0.5 ? -1 : 1);
        label = x1 * x2 > 0 ? 1 : 0;
        break;
      }
      case 'circle': {
        const r = half === 1 ? rng.uniform(0, 0.45 * DOMAIN) : rng.uniform(0.65 * DOMAIN, DOMAIN);
        const angle = rng.uniform(0, 2 * Math.PI);
        x1 = r * Math.cos(angle);
        x2 = r * Math.sin(angle);
        label = half;
        break;
      }
      case 'gaussians': {
        const c = (half === 1 ? 1 : -1) * 0.45 * DOMAIN;
        x1 = c + 0.3 * rng.normal();
        x2 = c + 0.3 * rng.normal();
        label = half;
        break;
      }
      case 'spiral': {
        const t = rng.next();
        const angle = 3 * Math.PI * t + half * Math.PI;
        const r = 0.1 * DOMAIN + 0.85 * DOMAIN * t;
        x1 = r * Math.sin(angle);
        x2 = r * Math.cos(angle);
        label = half;
        break;
      }
    }
    xy[2 * i] = clamp(x1 + noise * DOMAIN * rng.normal());
    xy[2 * i + 1] = clamp(x2 + noise * DOMAIN * rng.normal());
    labels[i] = label;
  }
  return { xy, labels };
}
