/**
 * A pooled worker thread of the split runs: it sleeps on its door word until the calling thread
 * posts a job (a run's shared state and this thread's index), takes the job from its port
 * synchronously, says it joined, then, for every mini-batch, woken through `Atomics.wait` on the
 * run's control array, runs its units' forward and backward passes (parallel-split.ts); at the
 * run's end it goes back to sleep for the next job. No message but the
 * job is exchanged. See docs/threads.md.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  attachSplitThread,
  CMD_EXIT,
  CTRL,
  reportError,
  type SplitJob,
  type SplitThread,
  waitChange,
} from './parallel-split.js';

/** What a pooled worker is started with. */
export interface PoolWorkerData {
  /** Where jobs arrive. */
  port: MessagePort;
  /** Int32 word 0: bumped by the calling thread after posting a job. */
  door: SharedArrayBuffer;
}

/** The job this thread is running, if any: what it must give up if the thread exits. */
let current: SplitJob | undefined;

/**
 * Records that this thread failed in `job`, which wakes and stops every wait of the run: a thread
 * that leaves a job without counting its part would leave the calling thread waiting for ever.
 */
function fail(job: SplitJob, e: unknown): void {
  reportError(job.setup, job.index, e);
  const ctrl = new Int32Array(job.setup.control);
  for (const at of [CTRL.BARRIER, CTRL.GEN]) Atomics.notify(ctrl, at);
}

// A thread ended mid-job (process.exit in a worker).
process.on('exit', () => {
  if (current !== undefined) fail(current, new Error('the worker thread exited during a run'));
});

/** Runs one job: join, then batches until the calling thread says the run is over; a throw is recorded, and the thread waits for the next job. */
function runJob(job: SplitJob): void {
  current = job;
  try {
    runJobSteps(job);
  } catch (e) {
    fail(job, e);
  } finally {
    current = undefined;
  }
}

function runJobSteps({ setup, index }: SplitJob): void {
  const ctrl = new Int32Array(setup.control);
  let thread: SplitThread | undefined;
  try {
    thread = attachSplitThread(setup, index);
  } catch (e) {
    reportError(setup, index, e);
  }
  // Read before joining: the caller starts the first batch as soon as every worker has joined.
  let round = Atomics.load(ctrl, CTRL.GEN);
  // The caller may have given up waiting (and ended the run): then stay out.
  if (Atomics.compareExchange(ctrl, CTRL.JOIN + index - 1, 0, 1) !== 0) return;
  Atomics.notify(ctrl, CTRL.JOIN + index - 1);
  for (;;) {
    round = waitChange(ctrl, CTRL.GEN, round);
    if (Atomics.load(ctrl, CTRL.CMD) === CMD_EXIT) return;
    // A thread that failed to set up has recorded why: the caller ends the run.
    if (!thread) continue;
    if (thread.forward(round)) thread.backward(round);
  }
}

function main({ port, door }: PoolWorkerData): void {
  const word = new Int32Array(door);
  let knock = 0;
  for (;;) {
    knock = waitChange(word, 0, knock);
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      runJob(m.message as SplitJob);
    }
  }
}

main(workerData as PoolWorkerData);
