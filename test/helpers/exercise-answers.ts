/** The right answers to an exercise, from the library's `notesQuantities` (not the exercise code). */
import type { Exercise } from '../../src/exercise/problem.js';
import type { QuantityKey } from '../../src/exercise/quantities.js';
import { NOTES_NETWORK, networkFromWeights } from '../../src/nn/network.js';
import { type NotesQuantities, notesQuantities } from '../../src/nn/notes.js';

export type Rows = number[][];
const T = (m: Rows): Rows => m[0].map((_, j) => m.map((r) => r[j]));
export const map = (m: Rows, f: (v: number, i: number, j: number) => number): Rows =>
  m.map((r, i) => r.map((v, j) => f(v, i, j)));

/** The library's quantities for the problem, through a network built from its weights. */
export function library(ex: Exercise): NotesQuantities {
  const alpha = ex.W.length;
  const config = { ...NOTES_NETWORK, inputSize: ex.W[0].length };
  config.layers = [{ ...NOTES_NETWORK.layers[0], units: alpha }, NOTES_NETWORK.layers[1]];
  const net = networkFromWeights(config, [
    { kernel: T(ex.W), bias: ex.b1.flat() },
    { kernel: T(ex.U), bias: [ex.b2] },
  ]);
  return notesQuantities(net, ex.x.flat(), ex.y);
}

/** Every answer right, from the library and the SGD rule P − η·∂L/∂P written here. */
export function rightAnswers(ex: Exercise): Record<QuantityKey, unknown> {
  const q = library(ex);
  const step = (p: Rows, g: Rows) => map(p, (v, i, j) => v - ex.eta * g[i][j]);
  return {
    z: q.z,
    h: q.h,
    theta: q.theta,
    yhat: q.yhat,
    loss: q.loss,
    delta1: q.delta1,
    delta2: q.delta2,
    dW: q.dW,
    dU: q.dU,
    db1: q.db1,
    db2: q.db2,
    W_new: step(ex.W, q.dW),
    b1_new: step(ex.b1, q.db1),
    U_new: step(ex.U, q.dU),
    b2_new: ex.b2 - ex.eta * q.db2,
  };
}
