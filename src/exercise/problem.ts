/**
 * A notes-style exercise: the two-layer network's parameters, one example and a learning rate,
 * with numbers a person can work with by hand. Drawn from a seed, so a teacher can give every
 * student their own problem and check it later from the seed alone.
 */
import { z } from 'zod';
import { ValueError } from '../core/errors.js';
import { createRandom, type Random } from '../core/random.js';
import { mistakesDistinguishable } from './mistakes.js';

/** How the numbers look: `easy` one decimal (x small integers), `normal` two decimals. */
export type ExerciseLevel = 'easy' | 'normal';

export const EXERCISE_LEVELS: readonly ExerciseLevel[] = ['easy', 'normal'];

export const EXERCISE_FORMAT = 'backprop-exercise';

/** A matrix as rows, in the notes' shapes (column vectors are α×1). */
export type Rows = number[][];

/** One problem, in the notes' notation and shapes. */
export interface Exercise {
  format: typeof EXERCISE_FORMAT;
  version: 1;
  seed: number;
  level: ExerciseLevel;
  /** hidden weights, α×β */
  W: Rows;
  /** hidden bias, α×1 */
  b1: Rows;
  /** output weights, 1×α */
  U: Rows;
  /** output bias */
  b2: number;
  /** input, β×1 */
  x: Rows;
  /** label, 0 or 1 */
  y: 0 | 1;
  /** learning rate η */
  eta: number;
}

/** What {@link createExercise} draws. */
export interface ExerciseOptions {
  /** Seed of the problem (default 0). */
  seed?: number;
  /** Input size β and hidden size α (default 3 and 4, the notes'). */
  inputs?: number;
  hidden?: number;
  level?: ExerciseLevel;
}

/** The largest network a person is asked to work through by hand. */
export const MAX_EXERCISE_UNITS = 8;

/** A value k / 10^d with k drawn uniformly from [lo, hi] · 10^d, never 0 when `nonZero`. */
function decimal(rng: Random, lo: number, hi: number, decimals: number, nonZero: boolean): number {
  const scale = 10 ** decimals;
  const a = Math.round(lo * scale);
  const b = Math.round(hi * scale);
  for (;;) {
    const k = a + rng.int(b - a + 1);
    if (!nonZero || k !== 0) return k / scale;
  }
}

/** One draw of the problem's numbers; {@link createExercise} keeps the first distinguishable one. */
function draw(rng: Random, seed: number, level: ExerciseLevel, beta: number, alpha: number): Exercise {
  const d = level === 'easy' ? 1 : 2;
  const matrix = (rows: number, cols: number, lo: number, hi: number, nonZero: boolean) =>
    Array.from({ length: rows }, () => Array.from({ length: cols }, () => decimal(rng, lo, hi, d, nonZero)));
  const W = matrix(alpha, beta, -1, 1, true);
  const b1 = matrix(alpha, 1, -0.5, 0.5, false);
  const U = matrix(1, alpha, -1, 1, true);
  const b2 = decimal(rng, -0.5, 0.5, d, false);
  const x =
    level === 'easy'
      ? Array.from({ length: beta }, () => [decimal(rng, -2, 2, 0, true)])
      : matrix(beta, 1, -2, 2, true);
  const y = rng.int(2) as 0 | 1;
  const etas = level === 'easy' ? [0.1, 0.5, 1] : [0.05, 0.1, 0.2, 0.5];
  const eta = etas[rng.int(etas.length)];
  return { format: EXERCISE_FORMAT, version: 1, seed, level, W, b1, U, b2, x, y, eta };
}

/**
 * A seeded problem for the notes' network (β inputs → α sigmoid units → 1 sigmoid output, binary
 * cross-entropy, one plain SGD step). The same options give the same problem, bit for bit.
 * Draws are repeated (from the same stream) until every known mistake gives a different answer
 * from the right one, so each mistake the checker names can be told apart.
 *
 * @param options seed, sizes and level
 * @example
 * const ex = createExercise({ seed: 7, level: 'easy' }); // ex.W is 4×3, ex.x is 3×1
 */
export function createExercise(options: ExerciseOptions = {}): Exercise {
  const seed = options.seed ?? 0;
  const level = options.level ?? 'normal';
  const beta = options.inputs ?? 3;
  const alpha = options.hidden ?? 4;
  for (const [name, n] of [
    ['inputs', beta],
    ['hidden units', alpha],
  ] as const) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_EXERCISE_UNITS) {
      throw new ValueError(`${name}: expected an integer from 1 to ${MAX_EXERCISE_UNITS}, got ${n}`);
    }
  }
  if (!EXERCISE_LEVELS.includes(level)) {
    throw new ValueError(`level '${level}': expected one of ${EXERCISE_LEVELS.join(', ')}`);
  }
  const rng = createRandom(seed);
  let ex = draw(rng, seed, level, beta, alpha);
  for (let tries = 1; tries < 1000 && !mistakesDistinguishable(ex); tries++) ex = draw(rng, seed, level, beta, alpha);
  return ex;
}

const rows = z.array(z.array(z.number().finite()).min(1)).min(1);

const exerciseSchema = z
  .object({
    format: z.literal(EXERCISE_FORMAT),
    version: z.literal(1),
    seed: z.number().finite(),
    level: z.enum(['easy', 'normal']),
    W: rows,
    b1: rows,
    U: rows,
    b2: z.number().finite(),
    x: rows,
    y: z.union([z.literal(0), z.literal(1)]),
    eta: z.number().finite().positive(),
  })
  .strict();

/** Throws unless `m` is `r`×`c`. */
function checkShape(source: string, key: string, m: Rows, r: number, c: number): void {
  if (m.length !== r || m.some((row) => row.length !== c)) {
    throw new ValueError(`${source}: '${key}' is not ${r}×${c} (W is α×β, b1 α×1, U 1×α, x β×1)`);
  }
}

/**
 * A problem from its JSON value (what `backprop exercise --json` prints), checked.
 *
 * @param value the parsed JSON
 * @param source the file name, for messages
 */
export function exerciseFromJson(value: unknown, source: string): Exercise {
  const parsed = exerciseSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.length > 0 ? `'${issue.path.join('.')}'` : 'the document';
    throw new ValueError(`${source}: not a backprop exercise: ${at}: ${issue.message}`);
  }
  const ex = parsed.data as Exercise;
  const alpha = ex.W.length;
  const beta = ex.W[0].length;
  if (alpha > MAX_EXERCISE_UNITS || beta > MAX_EXERCISE_UNITS) {
    throw new ValueError(`${source}: W is ${alpha}×${beta}, expected at most ${MAX_EXERCISE_UNITS} on each side`);
  }
  checkShape(source, 'W', ex.W, alpha, beta);
  checkShape(source, 'b1', ex.b1, alpha, 1);
  checkShape(source, 'U', ex.U, 1, alpha);
  checkShape(source, 'x', ex.x, beta, 1);
  return ex;
}
