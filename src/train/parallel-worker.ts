/**
 * The worker-thread side of {@link fitParallel}: for every mini-batch, woken through
 * `Atomics.wait` on the shared control array, computes its shard's gradient into its slot of
 * shared memory, waits for the other shards, then combines and applies the update to its slice
 * of the shared weights. No message is exchanged after the first ("ready"). See docs/threads.md.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachShardThread, CMD_EXIT, CTRL, reportError, type WorkerData, waitChange } from './parallel-shard.js';

function main({ setup, index }: WorkerData): void {
  const ctrl = new Int32Array(setup.control);
  const thread = attachShardThread(setup, index);
  parentPort?.postMessage({ type: 'ready', engine: thread.engine });
  let gen = 0;
  for (;;) {
    gen = waitChange(ctrl, CTRL.GEN, gen);
    if (Atomics.load(ctrl, CTRL.CMD) === CMD_EXIT) return;
    try {
      thread.computeShard();
    } catch (e) {
      reportError(setup, index, e);
      Atomics.add(ctrl, CTRL.ARRIVED, 1); // still arrive: nobody waits forever
      Atomics.notify(ctrl, CTRL.ARRIVED);
    }
    thread.awaitShards();
    try {
      if (Atomics.load(ctrl, CTRL.ERROR) === 0) thread.update();
    } catch (e) {
      reportError(setup, index, e);
    }
    Atomics.add(ctrl, CTRL.DONE, 1);
    Atomics.notify(ctrl, CTRL.DONE);
  }
}

main(workerData as WorkerData);
