/**
 * The bench's job in a browser: a module Web Worker, as the playground trains in one, that runs
 * backprop's `fit` (the same session as the Node peer, bench/peers/backprop.ts) on one workload
 * and posts the timings back. bench/browser.ts bundles it for the browser with esbuild.
 */
import { instantiateWasmKernels } from '../src/core/wasm/kernels.js';
import { preloadWasmKernels } from '../src/index.js';
import { backpropPeer } from './peers/backprop.js';
import { timeSession } from './timed.js';
import { EVAL_SAMPLES, makeProblem, SMOKE_EVAL_SAMPLES, WORKLOADS, type WorkloadId } from './workloads.js';

/** What the page posts to the worker. */
export interface BrowserJob {
  workload: WorkloadId;
  samples: number;
  runs: number;
  smoke: boolean;
}

/** What the worker posts back. */
export type BrowserReply =
  | {
      ok: true;
      timesMs: number[];
      lossBefore: number;
      lossAfter: number;
      engine?: string;
      wasm: boolean;
      /** Share of 10,000 arguments in [−20, 20] where this browser's Math.exp differs from backprop's exp (informational: the kernels and the reference path use backprop's). */
      expDiffers?: number;
    }
  | { ok: false; error: string };

const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<BrowserJob>) => void) | null;
  postMessage(m: BrowserReply): void;
};

/**
 * How often this browser's Math.exp differs from backprop's own exp, which the kernels and the
 * reference path both run (src/core/exp.ts): it shows why a host's Math.exp could not serve.
 */
function expDiffers(): number | undefined {
  const k = instantiateWasmKernels();
  if (k === undefined) return undefined;
  let differ = 0;
  for (let i = 0; i < 10_000; i++) {
    const x = -20 + (40 * i) / 10_000;
    if (!Object.is(k.exp(x), Math.exp(x))) differ++;
  }
  return differ / 10_000;
}

scope.onmessage = async (ev) => {
  const job = ev.data;
  try {
    // A browser may refuse to compile a large module synchronously; compile it first.
    const wasm = await preloadWasmKernels();
    const problem = makeProblem(WORKLOADS[job.workload], job.samples, job.smoke ? SMOKE_EVAL_SAMPLES : EVAL_SAMPLES);
    const session = await backpropPeer.load!(problem);
    const plan = { samples: job.samples, warmupSamples: job.samples, runs: job.runs };
    const timed = await timeSession(session, plan, problem.evalY);
    scope.postMessage({ ok: true, ...timed, engine: backpropPeer.details?.engine, wasm, expDiffers: expDiffers() });
  } catch (err) {
    scope.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
