/**
 * What every fuzz case must satisfy: the call returns, or throws a BackpropError (an InputError,
 * a ConfigError, …) with a one-line message; never another exception, never a hang. A hang is
 * caught by the time bound per case (and vitest's test timeout as the last resort).
 */
import { BackpropError } from '../../src/core/errors.js';

/** The most one case may take. Cases are tiny; a slow one means quadratic or unbounded work. */
export const CASE_MS = 2000;

/** Counts of the cases run, printed after the fuzz tests so that the CI log shows them. */
export const counts = new Map<string, number>();

/**
 * Runs `f` on a fuzz input: its value, or the typed error it threw.
 * @param name the counter this case adds to
 * @param f the call under test
 */
export function outcome<T>(name: string, f: () => T): T | BackpropError {
  counts.set(name, (counts.get(name) ?? 0) + 1);
  const t0 = performance.now();
  let result: T | BackpropError;
  try {
    result = f();
  } catch (err) {
    if (!(err instanceof BackpropError)) throw err;
    check(err.message.length > 0 && !/\[object Object\]/.test(err.message), `a poor message: ${err.message}`);
    result = err;
  }
  const ms = performance.now() - t0;
  check(ms < CASE_MS, `a case took ${ms.toFixed(0)} ms, over the bound of ${CASE_MS} ms`);
  return result;
}

/**
 * Throws unless `ok` (plain checks: vitest's expect records a stack per call, too slow for
 * thousands of cases; fast-check reports the failing input and shrinks it).
 * @param ok the property
 * @param message what failed
 */
export function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** Prints the case counts, one line per target and the total. */
export function printCounts(title: string): void {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const parts = [...counts.entries()].map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`${title}: ${total} generated and mutated inputs (${parts})`);
}
