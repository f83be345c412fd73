/**
 * `backprop exercise --interactive`: asks for each quantity in the notes' order, checks it at
 * once (with the same diagnoses as `exercise check`), and offers the equation as a hint and the
 * worked step. Reads lines from stdin, so it can be scripted too.
 */
import { createInterface } from 'node:readline';
import { BackpropError } from '../core/errors.js';
import { type Answers, checkAnswers, describeVerdict, parseAnswers, parseAnswerText } from '../exercise/check.js';
import type { Exercise } from '../exercise/problem.js';
import { QUANTITY_KEYS, type QuantityKey, quantity, sizesOf } from '../exercise/quantities.js';
import { renderProblem, solveExercise } from '../exercise/solution.js';

const HELP = 'Type numbers separated by spaces or commas, rows separated by ";". Or: hint, show, skip, quit.';

/** Runs the session; resolves when every quantity is done or the input ends. */
export async function runInteractive(ex: Exercise): Promise<void> {
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(renderProblem(ex, 'text'));
  say(HELP);
  const steps = new Map(solveExercise(ex).map((s) => [s.key, s]));
  const { alpha, beta } = sizesOf(ex);
  const answers: Answers = {};
  const lines = createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
  let right = 0;
  for (const key of QUANTITY_KEYS) {
    const q = quantity(key);
    const [r, c] = q.shape(alpha, beta);
    const showStep = () => say(`  ${steps.get(key)!.work.join('\n  ')}`);
    for (;;) {
      process.stdout.write(`${q.symbol} (${r === 1 && c === 1 ? 'scalar' : `${r}×${c}`}) = `);
      const next = await lines.next();
      if (next.done || next.value.trim() === 'quit') return summary(say, right);
      const input = next.value.trim();
      if (input === 'hint') {
        say(`  ${q.symbol} = ${q.formula}${q.equation ? `   (eq. ${q.equation})` : ''}`);
        continue;
      }
      if (input === 'show' || input === 'skip') {
        if (input === 'show') showStep();
        answers[key] = { rows: steps.get(key)!.value, transposed: false };
        break;
      }
      const verdict = judgeLine(ex, key, input, answers);
      if (typeof verdict === 'string') {
        say(`  ${verdict}`);
        continue;
      }
      say(`  ${describeVerdict(verdict.verdict)}`);
      if (verdict.verdict.right) {
        right++;
        answers[key] = verdict.answer;
        break;
      }
      say('  Try again, or type hint or show.');
    }
  }
  summary(say, right);
}

function judgeLine(ex: Exercise, key: QuantityKey, input: string, answers: Answers) {
  try {
    const parsed = parseAnswers({ [key]: parseAnswerText(input) }, ex, 'your answer');
    const verdict = checkAnswers(ex, { ...answers, ...parsed }).find((v) => v.key === key)!;
    return { verdict, answer: parsed[key]! };
  } catch (err) {
    if (err instanceof BackpropError) return `${err.message}. ${HELP}`;
    throw err;
  }
}

function summary(say: (s: string) => void, right: number): void {
  say(`\n${right} of ${QUANTITY_KEYS.length} quantities right at the first or a later try.`);
}
