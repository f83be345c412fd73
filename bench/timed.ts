/**
 * The timed part of a peer's job, shared by the Node worker (bench/worker.ts) and the browser
 * worker (bench/browser-worker.ts) so that both measure the same way: the held-out loss before,
 * untimed warm-up epochs, `runs` timed epochs from the initial weights, the held-out loss after.
 * Browser-safe: no Node imports.
 */
import type { Plan, Session } from './peers/types.js';
import { meanBce } from './workloads.js';

/** Untimed warm-up epochs before the timed runs: at least one, at most this many… */
export const WARMUP_EPOCHS = 3;
/** …while the warm-up so far has taken less than this. */
export const WARMUP_MS = 2000;

export interface Timed {
  timesMs: number[];
  lossBefore: number;
  lossAfter: number;
}

/**
 * Warm-up: whole untimed epochs (see WARMUP_EPOCHS). A quarter of one was too short: the
 * JavaScript around a short epoch is still being optimised over the first few calls (a 3-4-1
 * epoch of 200,000 samples took 37, 27 and then 23 ms), and V8 has no on-stack replacement for
 * WebAssembly, so a long call that started in its baseline tier stays there.
 *
 * @param session the loaded implementation
 * @param plan warm-up and timed samples, and the number of timed runs
 * @param evalY the held-out targets its predictions are scored against
 */
export async function timeSession(session: Session, plan: Plan, evalY: Float64Array): Promise<Timed> {
  await session.reset();
  const lossBefore = meanBce(await session.predictEval(), evalY);
  await warmUp(session, plan);
  const timesMs: number[] = [];
  for (let r = 0; r < plan.runs; r++) timesMs.push(await timedRun(session, plan));
  const lossAfter = meanBce(await session.predictEval(), evalY);
  return { timesMs, lossBefore, lossAfter };
}

/**
 * Two sessions timed as {@link timeSession} times one, their timed runs alternated (a, b, a, b,
 * …) after both have warmed up: a ratio between them is then measured over the same minutes.
 * @param sessions the two loaded implementations
 * @param plan as for timeSession
 */
export async function timeAlternated(sessions: [Session, Session], plan: Plan): Promise<[number[], number[]]> {
  for (const s of sessions) await warmUp(s, plan);
  const times: [number[], number[]] = [[], []];
  for (let r = 0; r < plan.runs; r++) {
    for (let i = 0; i < 2; i++) times[i].push(await timedRun(sessions[i], plan));
  }
  return times;
}

async function warmUp(session: Session, plan: Plan): Promise<void> {
  const warmStart = performance.now();
  for (let e = 0; e < WARMUP_EPOCHS && (e === 0 || performance.now() - warmStart < WARMUP_MS); e++) {
    await session.reset();
    await session.train(plan.warmupSamples);
  }
}

/** One timed epoch from the initial weights: its ms (the session's own measure when it has one). */
async function timedRun(session: Session, plan: Plan): Promise<number> {
  await session.reset();
  const t0 = performance.now();
  await session.train(plan.samples);
  const ms = performance.now() - t0;
  return session.lastTrainMs?.() ?? ms;
}
