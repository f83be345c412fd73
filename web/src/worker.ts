/**
 * The training worker: runs the page's run (./trainer.ts) a slice at a time, yielding between
 * slices so that Pause and Step are handled within a batch or two and the page never waits on
 * training; sends the state when the page asks for it (at most once per animation frame).
 */
import type { FromWorker, ToWorker } from './protocol.js';
import { type Run, snapshot, startRun, trainSteps } from './trainer.js';

/** Longest time a slice trains before the worker looks at its messages again. */
const SLICE_MS = 8;

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

// Slices are chained through a MessageChannel rather than setTimeout, which browsers clamp to
// 4 ms after a few nested calls; messages from the page are still handled between slices.
const tick = new MessageChannel();
tick.port1.onmessage = () => {
  if (!running || !run) return;
  try {
    trainSteps(run, Number.POSITIVE_INFINITY, performance.now() + SLICE_MS);
  } catch (err) {
    fail(err);
    return;
  }
  if (snapshotWanted) send();
  tick.port2.postMessage(null);
};

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
          tick.port2.postMessage(null);
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
