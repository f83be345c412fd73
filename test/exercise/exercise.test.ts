/**
 * The exercise against the library's own account of the notes (`notesQuantities`), and the
 * checker against answers made here with each known mistake written out independently.
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/random.js';
import { type Answers, checkAnswers, parseAnswers, parseAnswerText } from '../../src/exercise/check.js';
import { createExercise, type Exercise, type ExerciseLevel } from '../../src/exercise/problem.js';
import { QUANTITY_KEYS, type QuantityKey } from '../../src/exercise/quantities.js';
import { solveExercise } from '../../src/exercise/solution.js';
import { library, map, type Rows, rightAnswers } from '../helpers/exercise-answers.js';

const check = (ex: Exercise, answers: object) => checkAnswers(ex, parseAnswers(answers, ex, 'answers.json'));
const CASES: { seed: number; level: ExerciseLevel; inputs?: number; hidden?: number }[] = [
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((seed) => ({ seed, level: 'normal' as const })),
  ...[0, 1, 2, 3].map((seed) => ({ seed, level: 'easy' as const })),
  { seed: 11, level: 'normal', inputs: 2, hidden: 3 },
  { seed: 12, level: 'easy', inputs: 5, hidden: 2 },
];

describe('the exercise and its solution', () => {
  it.each(CASES)('solution = notesQuantities and the SGD rule (%o)', (c) => {
    const ex = createExercise(c);
    const want = rightAnswers(ex);
    for (const step of solveExercise(ex)) {
      const w = want[step.key];
      const rows = typeof w === 'number' ? [[w]] : (w as Rows);
      expect(step.value.length).toBe(rows.length);
      step.value.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(rows[i][j], 12)));
    }
  });

  it.each(CASES)("the solution's own answers are all right (%o)", (c) => {
    const ex = createExercise(c);
    const verdicts = check(ex, rightAnswers(ex));
    expect(verdicts.map((v) => v.key)).toEqual(QUANTITY_KEYS);
    expect(verdicts.every((v) => v.right && !v.mistake && !v.followsFrom)).toBe(true);
  });

  it('easy numbers have one decimal and x is integer; normal numbers two decimals', () => {
    const decimals = (v: number) => (String(v).split('.')[1] ?? '').length;
    for (let seed = 0; seed < 30; seed++) {
      for (const [level, most] of [
        ['easy', 1],
        ['normal', 2],
      ] as const) {
        const ex = createExercise({ seed, level });
        const all = [...ex.W.flat(), ...ex.b1.flat(), ...ex.U.flat(), ex.b2, ...ex.x.flat(), ex.eta];
        expect(Math.max(...all.map(decimals))).toBeLessThanOrEqual(most);
        if (level === 'easy') expect(ex.x.flat().every(Number.isInteger)).toBe(true);
      }
    }
  });

  it('the same seed gives the same problem, another seed another', () => {
    const a = JSON.stringify(createExercise({ seed: 42, level: 'easy' }));
    expect(JSON.stringify(createExercise({ seed: 42, level: 'easy' }))).toBe(a);
    expect(JSON.stringify(createExercise({ seed: 43, level: 'easy' }))).not.toBe(a);
  });
});

/** The mistakes, each written out here from the library's right values. */
function mistaken(ex: Exercise) {
  const q = library(ex);
  const s = (h: number) => h * (1 - h);
  const h = q.h.flat();
  const U = ex.U[0];
  const last = U.length - 1;
  const x = ex.x.flat();
  const outer = (d: number[]) => d.map((di) => x.map((xj) => di * xj));
  const noSigmaPrime = U.map((u) => q.delta1 * u);
  return {
    q,
    slideTypo: U.map((u, i) => x.map((xj) => q.delta1 * u * s(h[i === last ? 0 : i]) * xj)),
    noSigmaPrime,
    noSigmaPrimeDW: outer(noSigmaPrime),
    sigmaForSigmaPrime: U.map((u, i) => q.delta1 * u * h[i]),
    untransposed: x.map((xj) => q.delta2[0].map((d) => xj * d)),
    flippedDelta1: -q.delta1,
    stepAdded: map(ex.W, (w, i, j) => w + ex.eta * q.dW[i][j]),
    b1AsRow: [q.delta2[0]],
  };
}

describe('diagnoses', () => {
  const seeds = [0, 1, 2, 3, 4, 5];
  const one = (ex: Exercise, answers: object, key: QuantityKey) => check(ex, answers).find((v) => v.key === key)!;

  it.each(seeds)('each known mistake is named (seed %i)', (seed) => {
    const ex = createExercise({ seed });
    const m = mistaken(ex);
    const cases: [object, QuantityKey, string, QuantityKey][] = [
      [{ dW: m.slideTypo }, 'dW', 'slide-typo', 'dW'],
      [{ delta2: [m.noSigmaPrime] }, 'delta2', 'no-sigma-prime', 'delta2'],
      [{ dW: m.noSigmaPrimeDW }, 'dW', 'no-sigma-prime', 'delta2'],
      [{ delta2: [m.sigmaForSigmaPrime] }, 'delta2', 'sigma-for-sigma-prime', 'delta2'],
      [{ dW: m.untransposed }, 'dW', 'untransposed', 'dW'],
      [{ delta1: m.flippedDelta1 }, 'delta1', 'delta1-sign', 'delta1'],
      [{ W_new: m.stepAdded }, 'W_new', 'step-added', 'W_new'],
      [{ db1: m.b1AsRow }, 'db1', 'b1-shape', 'db1'],
    ];
    for (const [answers, key, code, madeIn] of cases) {
      const v = one(ex, answers, key);
      expect(v.right, `${code}`).toBe(false);
      expect(v.mistake, `${code}`).toMatchObject({ code, madeIn });
    }
  });

  it.each(seeds)('an error carried from an earlier answer is marked as following from it (seed %i)', (seed) => {
    const ex = createExercise({ seed });
    const { q, noSigmaPrime, noSigmaPrimeDW } = mistaken(ex);
    // δ1 with its sign flipped, then every gradient computed correctly from it.
    const flipped = check(ex, {
      delta1: -q.delta1,
      delta2: map(q.delta2, (v) => -v),
      dU: map(q.dU, (v) => -v),
      db2: -q.db2,
    });
    expect(flipped[0].mistake?.code).toBe('delta1-sign');
    for (const v of flipped.slice(1)) expect(v).toMatchObject({ right: false, followsFrom: ['delta1'] });
    expect(flipped.slice(1).every((v) => v.mistake === undefined)).toBe(true);
    // δ2 without σ′, and ∂L/∂W correctly from that δ2.
    const dW = one(ex, { delta2: [noSigmaPrime], dW: noSigmaPrimeDW }, 'dW');
    expect(dW).toMatchObject({ right: false, followsFrom: ['delta2'] });
    expect(dW.mistake).toBeUndefined();
    // A slip in h, and θ computed right from it.
    const h = map(q.h, (v, i) => (i === 0 ? v + 0.1 : v));
    const theta = ex.U[0].reduce((s, u, i) => s + u * h[i][0], ex.b2);
    expect(one(ex, { h, theta }, 'theta')).toMatchObject({ right: false, followsFrom: ['h'] });
  });

  it('a random wrong answer is wrong, with no diagnosis it does not deserve', () => {
    const rng = createRandom(9);
    for (let seed = 0; seed < 20; seed++) {
      const ex = createExercise({ seed });
      const right = rightAnswers(ex);
      const answers: Record<string, unknown> = {};
      for (const key of QUANTITY_KEYS) {
        const r = right[key];
        answers[key] = typeof r === 'number' ? rng.uniform(-3, 3) : map(r as Rows, () => rng.uniform(-3, 3));
      }
      for (const v of check(ex, answers)) {
        expect(v.right).toBe(false);
        expect(v.mistake, `${seed} ${v.key}`).toBeUndefined();
      }
    }
  });

  it('answers of the wrong shape, non-numbers and unknown keys are refused with the key', () => {
    const ex = createExercise({ seed: 1 });
    const bad: [object, RegExp][] = [
      [{ dW: [[1, 2]] }, /answers.json: 'dW': expected 4×3, got 1×2/],
      [{ z: 'zero' }, /'z': expected a 4×1 matrix as a list of rows, got "zero"/],
      [{ delta1: [[Number.NaN]] }, /'delta1': expected a number/],
      [{ dU: [[1, 2], [3]] }, /'dU': expected 1×4, got ragged/],
      [{ deltaOne: 1 }, /unknown key 'deltaOne'/],
      [{}, /no answers given/],
    ];
    for (const [answers, message] of bad) expect(() => parseAnswers(answers, ex, 'answers.json')).toThrow(message);
    const answers: Answers = parseAnswers({ z: [1, 2, 3, 4] }, ex, 'answers.json');
    expect(answers.z?.rows).toEqual([[1], [2], [3], [4]]);
  });

  it('reads typed answers: rows split by ";", numbers by spaces or commas, words kept for the checker to refuse', () => {
    expect(parseAnswerText('0.1 0.2; 0.3, 0.4')).toEqual([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    expect(parseAnswerText(' -0.25 ')).toBe(-0.25);
    expect(parseAnswerText('1, 2, 3, 4')).toEqual([1, 2, 3, 4]);
    const ex = createExercise({ seed: 1 });
    expect(parseAnswers({ z: parseAnswerText('1 2 3 4') }, ex, 'typed').z?.rows).toEqual([[1], [2], [3], [4]]);
    expect(() => parseAnswers({ delta1: parseAnswerText('half') }, ex, 'typed')).toThrow(/'delta1': expected a number/);
  });
});
