/**
 * Checks a student's answers to an exercise, quantity by quantity, and says why a wrong one is
 * wrong where it can: a known mistake (the slide's typo, σ′ left out, …), or an error carried
 * from an earlier wrong answer, which is then not counted as a new mistake.
 */
import { ValueError } from '../core/errors.js';
import { MISTAKES, type MistakeCode, shapeMistake } from './mistakes.js';
import type { Exercise, Rows } from './problem.js';
import { ancestors, evaluate, QUANTITY_KEYS, type QuantityKey, quantity, sizesOf, type Values } from './quantities.js';
import { close, transpose } from './tolerance.js';

/** A student's answer, in the expected shape; `transposed` when it was given the other way round. */
export interface Answer {
  rows: Rows;
  transposed: boolean;
}

export type Answers = Partial<Record<QuantityKey, Answer>>;

/** The judgement of one answer. */
export interface Verdict {
  key: QuantityKey;
  right: boolean;
  /** The known mistake the answer matches, and the quantity it was made in. */
  mistake?: { code: MistakeCode; message: string; madeIn: QuantityKey };
  /** Earlier wrong answers from which this one follows correctly. */
  followsFrom?: QuantityKey[];
}

const describe = (v: unknown) =>
  Array.isArray(v) ? `a list of ${v.length}` : v === null ? 'null' : typeof v === 'string' ? `"${v}"` : typeof v;

/** The rows of one answer: a number, a list (read in the expected orientation) or a list of rows. */
function toRows(value: unknown, where: string, expected: [number, number]): Rows {
  const [r, c] = expected;
  const want = r === 1 && c === 1 ? 'a number' : `a ${r}×${c} matrix as a list of rows`;
  const bad = () => new ValueError(`${where}: expected ${want}, got ${describe(value)}`);
  const num = (v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad();
    return v;
  };
  if (typeof value === 'number') return [[num(value)]];
  if (!Array.isArray(value) || value.length === 0) throw bad();
  if (value.every((v) => !Array.isArray(v))) {
    const flat = value.map(num);
    return c === 1 ? flat.map((v) => [v]) : [flat];
  }
  return value.map((row) => {
    if (!Array.isArray(row) || row.length === 0) throw bad();
    return row.map(num);
  });
}

/** One answer in the expected shape, or its transpose flagged. */
function toAnswer(value: unknown, where: string, expected: [number, number]): Answer {
  const rows = toRows(value, where, expected);
  const [r, c] = expected;
  const shaped = (m: Rows, rr: number, cc: number) => m.length === rr && m.every((row) => row.length === cc);
  if (shaped(rows, r, c)) return { rows, transposed: false };
  if (shaped(rows, c, r)) return { rows: transpose(rows), transposed: true };
  const got = rows.every((row) => row.length === rows[0].length) ? `${rows.length}×${rows[0].length}` : 'ragged';
  throw new ValueError(`${where}: expected ${r}×${c}, got ${got}`);
}

/**
 * A student's answers from their JSON value: an object whose keys are those of `explain --json`
 * (`z, h, theta, yhat, loss, delta1, delta2, dW, dU, db1, db2`, and `W_new, b1_new, U_new, b2_new`
 * for the SGD step), any subset.
 *
 * @param value the parsed JSON
 * @param ex the problem the answers are for (it fixes their shapes)
 * @param source the file name, for messages
 */
export function parseAnswers(value: unknown, ex: Exercise, source: string): Answers {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValueError(`${source}: expected an object of answers keyed by ${QUANTITY_KEYS.join(', ')}`);
  }
  const { alpha, beta } = sizesOf(ex);
  const answers: Answers = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(QUANTITY_KEYS as readonly string[]).includes(key)) {
      throw new ValueError(`${source}: unknown key '${key}': expected one of ${QUANTITY_KEYS.join(', ')}`);
    }
    const k = key as QuantityKey;
    answers[k] = toAnswer(v, `${source}: '${key}'`, quantity(k).shape(alpha, beta));
  }
  if (Object.keys(answers).length === 0) throw new ValueError(`${source}: no answers given`);
  return answers;
}

/**
 * Which known mistake, if any, gives the answer for `key`. Mistakes in `key` itself are tried
 * first, then those of the quantities before it, nearest first: W + η·∂L/∂W is also what a
 * flipped δ1 gives, and the nearer explanation is the likelier one.
 */
function matchMistake(ex: Exercise, key: QuantityKey, given: Partial<Values>, answer: Rows) {
  const upstream = ancestors(key);
  const nearestFirst = [...MISTAKES].sort((a, b) => QUANTITY_KEYS.indexOf(b.key) - QUANTITY_KEYS.indexOf(a.key));
  for (const m of nearestFirst) {
    if ((m.key === key || upstream.has(m.key)) && m.applies(ex) && close(answer, evaluate(ex, given, m)[key])) {
      return { code: m.code, message: m.message, madeIn: m.key };
    }
  }
  return undefined;
}

/** The verdict on one answer, given the truth and the student's other answers. */
function judge(ex: Exercise, key: QuantityKey, answer: Answer, truth: Values, answers: Answers): Verdict {
  const { alpha, beta } = sizesOf(ex);
  const expected = quantity(key).shape(alpha, beta);
  const square = expected[0] === expected[1] && expected[0] > 1;
  let rows = answer.rows;
  let shape = answer.transposed ? shapeMistake(key, expected) : undefined;
  if (!shape && square && !close(rows, truth[key]) && close(transpose(rows), truth[key])) {
    rows = transpose(rows);
    shape = shapeMistake(key, expected);
  }
  // A transposed answer is wrong; when its numbers are otherwise right, the shape is the mistake.
  const withShape = (v: Verdict): Verdict =>
    !shape ? v : v.right ? { key, right: false, mistake: { ...shape, madeIn: key } } : v;
  if (close(rows, truth[key])) return withShape({ key, right: true });

  const given: Partial<Values> = {};
  const wrongEarlier: QuantityKey[] = [];
  for (const k of ancestors(key)) {
    const a = answers[k];
    if (a === undefined) continue;
    given[k] = a.rows;
    if (!close(a.rows, truth[k])) wrongEarlier.push(k);
  }
  // Name the nearest wrong answers only: θ follows from h, not also from the z that h came from.
  const followsFrom = QUANTITY_KEYS.filter(
    (k) => wrongEarlier.includes(k) && !wrongEarlier.some((o) => ancestors(o).has(k)),
  );
  if (followsFrom.length > 0 && close(rows, evaluate(ex, given)[key])) {
    return withShape({ key, right: false, followsFrom });
  }
  const own = matchMistake(ex, key, {}, rows);
  if (own) return withShape({ key, right: false, mistake: own });
  if (followsFrom.length > 0) {
    const carried = matchMistake(ex, key, given, rows);
    if (carried) return withShape({ key, right: false, mistake: carried, followsFrom });
  }
  return withShape({ key, right: false });
}

/**
 * Judges each given answer against the exact values, in the notes' order.
 *
 * @param ex the problem
 * @param answers the student's answers, from {@link parseAnswers}
 * @returns one verdict per answer given
 * @example
 * const verdicts = checkAnswers(ex, parseAnswers({ delta1: 0.27 }, ex, 'answers.json'));
 */
export function checkAnswers(ex: Exercise, answers: Answers): Verdict[] {
  const truth = evaluate(ex);
  return QUANTITY_KEYS.filter((k) => answers[k] !== undefined).map((k) => judge(ex, k, answers[k]!, truth, answers));
}

/**
 * A verdict in words: "right", or "wrong" with the known mistake and where it came from.
 *
 * @param v a verdict from {@link checkAnswers}
 */
export function describeVerdict(v: Verdict): string {
  if (v.right) return 'right';
  const parts: string[] = [];
  if (v.mistake) {
    const where = v.mistake.madeIn === v.key ? '' : ` (made in ${quantity(v.mistake.madeIn).symbol})`;
    parts.push(`${v.mistake.message}${where}`);
  }
  if (v.followsFrom) {
    const from = v.followsFrom.map((k) => quantity(k).symbol).join(', ');
    const is = v.followsFrom.length > 1 ? 'are' : 'is';
    parts.push(
      v.mistake ? `carried from your ${from}` : `follows from your ${from}, which ${is} wrong: right given it`,
    );
  }
  return parts.length > 0 ? `wrong: ${parts.join('; ')}` : 'wrong';
}

/**
 * An answer typed as text, as a JSON-like value for {@link parseAnswers}: numbers separated by
 * spaces or commas, rows by ";". One row gives a flat list (read in the expected orientation);
 * anything that is not a number stays a string, for parseAnswers to refuse by name.
 *
 * @param line the typed answer
 * @example
 * parseAnswerText('0.1 0.2; 0.3 0.4'); // [[0.1, 0.2], [0.3, 0.4]]
 */
export function parseAnswerText(line: string): unknown {
  const rows = line.split(';').map((r) =>
    r
      .trim()
      .split(/[\s,]+/)
      .filter((t) => t !== '')
      .map((t) => (Number.isFinite(Number(t)) ? Number(t) : t)),
  );
  if (rows.length === 1) return rows[0].length === 1 ? rows[0][0] : rows[0];
  return rows;
}
