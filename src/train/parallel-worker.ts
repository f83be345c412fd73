/**
 * A pooled worker thread of the sharded runs: it sleeps on its door word until the calling
 * thread posts a job (a run's shared state and this thread's index), takes the job from its port
 * synchronously, says it joined, then, for every mini-batch, woken through `Atomics.wait` on the
 * run's control array, computes its shards' gradients into shared memory, waits for the other
 * threads, combines and applies the update to its slice of the shared weights; at the run's end
 * it goes back to sleep for the next job. No message but the job is exchanged. See docs/threads.md.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  attachShardThread,
  CMD_EXIT,
  CTRL,
  reportError,
  type ShardJob,
  type ShardThread,
  waitChange,
} from './parallel-shard.js';

/** What a pooled worker is started with. */
export interface PoolWorkerData {
  /** Where jobs arrive. */
  port: MessagePort;
  /** Int32 word 0: bumped by the calling thread after posting a job. */
  door: SharedArrayBuffer;
}

/** Runs one job: join, then batches until the calling thread says the run is over. */
function runJob({ setup, index }: ShardJob): void {
  const ctrl = new Int32Array(setup.control);
  let thread: ShardThread | undefined;
  try {
    thread = attachShardThread(setup, index);
  } catch (e) {
    reportError(setup, index, e);
  }
  // Read before joining: the caller starts the first batch as soon as every worker has joined.
  let gen = Atomics.load(ctrl, CTRL.GEN);
  // The caller may have given up waiting (and ended the run): then stay out.
  if (Atomics.compareExchange(ctrl, CTRL.JOIN + index - 1, 0, 1) !== 0) return;
  Atomics.notify(ctrl, CTRL.JOIN + index - 1);
  for (;;) {
    gen = waitChange(ctrl, CTRL.GEN, gen);
    if (Atomics.load(ctrl, CTRL.CMD) === CMD_EXIT) return;
    try {
      if (!thread) throw new Error('not set up');
      thread.computeShard();
    } catch (e) {
      reportError(setup, index, e);
      Atomics.add(ctrl, CTRL.ARRIVED, 1); // still arrive: nobody waits forever
      Atomics.notify(ctrl, CTRL.ARRIVED);
    }
    if (thread) thread.awaitShards();
    try {
      if (thread && Atomics.load(ctrl, CTRL.ERROR) === 0) thread.update();
    } catch (e) {
      reportError(setup, index, e);
    }
    Atomics.add(ctrl, CTRL.DONE, 1);
    Atomics.notify(ctrl, CTRL.DONE);
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
