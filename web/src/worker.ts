/**
 * The training worker: runs the page's run (./trainer.ts) a slice at a time, resting between
 * slices so that Pause and Step are handled within a batch or two and the page never waits on
 * training; sends the state when the page asks for it (at most once per animation frame).
 */
import type { FromWorker, ToWorker } from './protocol.js';
import { type Run, snapshot, startRun, trainSteps } from './trainer.js';

/** Longest time a slice trains before the worker looks at its messages again. */
const SLICE_MS = 8;
/** Rest between slices (see {@link slice}). */
const REST_MS = 4;

let run: Run | undefined;
let running = false;
let snapshotWanted = false;
const post = (m: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(m, transfer);

function send(): void {
  if (!run) return;
  snapshotWanted = false;
  const s = snapshot(run, running);
  post(s, [...(s.grid ?? []).map((g) => g.buffer), s.testPredicted.buffer]);
}

function fail(err: unknown): void {
  running = false;
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  send();
}

// Between slices the worker rests, leaving about a third of a core to the page's main thread,
// the compositor and whatever else the machine runs: on a busy 2-core machine, training flat out
// let frames stretch to 100–200 ms; with the rest they stay near 17–80 ms, for a third less speed.
// Messages from the page (Pause, Step, snapshot requests) are handled between slices.
let resting: ReturnType<typeof setTimeout> | undefined;
function slice(): void {
  resting = undefined;
  if (!running || !run) return;
  try {
    trainSteps(run, Number.POSITIVE_INFINITY, performance.now() + SLICE_MS);
  } catch (err) {
    fail(err);
    return;
  }
  if (snapshotWanted) send();
  resting = setTimeout(slice, REST_MS);
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  try {
    switch (m.type) {
      case 'reset':
        running = false;
        run = startRun(m.spec);
        send();
        break;
      case 'train':
        if (!running && run) {
          running = true;
          if (resting === undefined) slice();
        }
        break;
      case 'pause':
        running = false;
        send();
        break;
      case 'step':
        running = false;
        if (run) trainSteps(run, m.batches, Number.POSITIVE_INFINITY);
        send();
        break;
      case 'snapshot':
        if (running) snapshotWanted = true;
        else send();
        break;
    }
  } catch (err) {
    fail(err);
  }
};
