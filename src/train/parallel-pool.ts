/**
 * The worker threads of the split runs, kept for the life of the process (unref'd, so they
 * never hold it open) so that a run pays for starting them only once. Everything here is
 * synchronous — a job is posted on a port that the worker reads with `receiveMessageOnPort` and
 * the caller waits with `Atomics.wait` — so that `fit` stays synchronous. Node's built-in modules
 * are reached through `process.getBuiltinModule`, so that nothing here is imported in a browser.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import { CTRL, type SplitJob, type SplitSetup } from './parallel-split.js';
import type { PoolWorkerData } from './parallel-worker.js';

interface Pooled {
  worker: Worker;
  port: MessagePort;
  door: Int32Array;
  alive: boolean;
}

const pool: Pooled[] = [];
/** How long a run waits for a worker to take its job (the first start from sources compiles them). */
const JOIN_TIMEOUT_MS = 60_000;

/** One of Node's built-in modules, or undefined where there is none (a browser, or Node < 20.16). */
function builtin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(id) as T | undefined;
}

/**
 * True where worker threads can be started synchronously (Node ≥ 20.16) and the built worker
 * script is beside this module (a bundler may have left it out: the run then stays on one
 * thread instead of waiting for a worker that cannot load).
 */
export function threadsSupported(): boolean {
  if (builtin('node:worker_threads') === undefined) return false;
  if (import.meta.url.endsWith('.ts')) return true;
  const fs = builtin<typeof import('node:fs')>('node:fs');
  const url = builtin<typeof import('node:url')>('node:url');
  return fs !== undefined && url !== undefined && fs.existsSync(url.fileURLToPath(workerFile()));
}

function workerFile(): URL {
  return new URL('./parallel-worker.js', import.meta.url);
}

/**
 * The cores that look free: the available ones less what of the last minute's load average is
 * not this run's own (up to two runnable threads: the training thread and its worker), at
 * least 1. Two threads that meet at every batch lose to one when a core is busy elsewhere
 * (docs/threads.md); the thread count never changes the result.
 */
export function idleCores(): number {
  const os = builtin<typeof import('node:os')>('node:os');
  if (!os) return 1;
  const cores = os.availableParallelism();
  const others = Math.max(0, os.loadavg()[0] - 2);
  return Math.max(1, Math.min(cores, Math.round(cores - others)));
}

/**
 * How to start a worker: the built `parallel-worker.js` beside this module; or, when this module
 * is itself running from TypeScript sources (tests, `tsx`), a bootstrap that registers tsx's
 * loader in the worker and then imports `parallel-worker.ts` (Node 20 does not apply an
 * `--import` given in a worker's `execArgv` to the worker's own entry module).
 */
function workerScript(): { script: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { script: workerFile(), eval: false };
  const { createRequire } = builtin<typeof import('node:module')>('node:module')!;
  const { pathToFileURL } = builtin<typeof import('node:url')>('node:url')!;
  let api: string;
  try {
    // tsx/esm/api resolves to its CommonJS build under require; its ES module build sits beside it.
    api = pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
  } catch {
    throw new Error('threads from TypeScript sources need tsx installed; or run the built dist/ instead');
  }
  const entry = new URL('./parallel-worker.ts', import.meta.url).href;
  const script = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return { script, eval: true };
}

function startWorker(): Pooled {
  const { Worker, MessageChannel } = builtin<typeof import('node:worker_threads')>('node:worker_threads')!;
  const { port1, port2 } = new MessageChannel();
  const door = new SharedArrayBuffer(4);
  const { script, eval: isEval } = workerScript();
  const workerData: PoolWorkerData = { port: port2, door };
  const worker = new Worker(script, { workerData, transferList: [port2], eval: isEval });
  worker.unref();
  port1.unref();
  const pooled: Pooled = { worker, port: port1, door: new Int32Array(door), alive: true };
  // A worker that failed is replaced at the next run; the listener also keeps its error from
  // being thrown at the event loop.
  const dead = () => {
    pooled.alive = false;
  };
  worker.on('error', dead);
  worker.on('exit', dead);
  return pooled;
}

/**
 * Gives threads 1 … `setup.threads − 1` of a run to pooled workers (started as needed) and waits
 * until each has taken its job. Throws if one has not within a minute; the caller must then end
 * the run (CMD_EXIT) to release the ones that joined.
 * @param setup the run's shared state
 */
export function startJobs(setup: SplitSetup): void {
  for (let i = pool.length - 1; i >= 0; i--) if (!pool[i].alive) pool.splice(i, 1);
  const workers = setup.threads - 1;
  while (pool.length < workers) pool.push(startWorker());
  const ctrl = new Int32Array(setup.control);
  for (let k = 1; k <= workers; k++) {
    const { port, door } = pool[k - 1];
    const job: SplitJob = { setup, index: k };
    port.postMessage(job);
    Atomics.add(door, 0, 1);
    Atomics.notify(door, 0);
  }
  const deadline = Date.now() + JOIN_TIMEOUT_MS;
  for (let k = 1; k <= workers; k++) {
    const at = CTRL.JOIN + k - 1;
    while (Atomics.load(ctrl, at) === 0 && Date.now() < deadline) Atomics.wait(ctrl, at, 0, deadline - Date.now());
    if (Atomics.compareExchange(ctrl, at, 0, -1) === 0) {
      const late = pool.splice(k - 1, 1)[0];
      late.alive = false;
      void late.worker.terminate();
      throw new Error(`a training worker thread did not start within ${JOIN_TIMEOUT_MS / 1000} s`);
    }
  }
}
