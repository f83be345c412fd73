/**
 * A pooled worker thread of the sharded runs: it sleeps on its door word until the calling
 * thread posts a job (a run's shared state and this thread's index), takes the job from its port
 * synchronously, says it joined, then, for every mini-batch, woken through `Atomics.wait` on the
 * run's control array, claims shards and computes their gradients into shared memory and, with
 * plain SGD, claims chunks of the update; at the run's end it goes back to sleep for the next job. No message but the job is exchanged. See docs/threads.md.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { SHARDS } from './engines/shards.js';
import {
  attachShardThread,
  CMD_EXIT,
  CTRL,
  reportError,
  type ShardJob,
  type ShardThread,
  waitChange,
  waitCount,
} from './parallel-shard.js';

/** What a pooled worker is started with. */
export interface PoolWorkerData {
  /** Where jobs arrive. */
  port: MessagePort;
  /** Int32 word 0: bumped by the calling thread after posting a job. */
  door: SharedArrayBuffer;
}

/** The job this thread is running, if any: what it must give up if the thread exits. */
let current: ShardJob | undefined;

// A thread ended mid-job (process.exit in a worker) would leave the calling thread waiting for
// its shard for ever: it records the failure, which wakes and stops every wait of the run.
process.on('exit', () => {
  if (current === undefined) return;
  reportError(current.setup, current.index, new Error('the worker thread exited during a run'));
  const ctrl = new Int32Array(current.setup.control);
  for (const at of [CTRL.SHARD_DONE, CTRL.CHUNK_DONE, CTRL.GEN]) Atomics.notify(ctrl, at);
});

/** Runs one job: join, then batches until the calling thread says the run is over. */
function runJob(job: ShardJob): void {
  current = job;
  try {
    runJobSteps(job);
  } finally {
    current = undefined;
  }
}

function runJobSteps({ setup, index }: ShardJob): void {
  const ctrl = new Int32Array(setup.control);
  let thread: ShardThread | undefined;
  try {
    thread = attachShardThread(setup, index);
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
    // A thread that failed to set up takes no work: the others do it (and the caller reports it).
    if (!thread) continue;
    thread.computeShards(round);
    if (setup.sgdRate > 0 && waitCount(ctrl, CTRL.SHARD_DONE, round, SHARDS)) thread.updateChunks(round);
  }
}

function main({ port, door }: PoolWorkerData): void {
  const word = new Int32Array(door);
  let knock = 0;
  for (;;) {
    knock = waitChange(word, 0, knock);
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      runJob(m.message as ShardJob);
    }
  }
}

main(workerData as PoolWorkerData);
