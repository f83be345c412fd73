/**
 * backprop in headless Chromium: the library bundled for the browser (esbuild, from `src/` as the
 * Node peers run it) and trained in a module Web Worker — where the playground trains — on each
 * workload, one fresh worker per workload, timed the same way as the Node peer (bench/timed.ts).
 * Chromium is Debian's /usr/bin/chromium driven by playwright-core (test/helpers/chromium.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromiumAvailable, launchChromium } from '../test/helpers/chromium.js';
import type { BrowserJob, BrowserReply } from './browser-worker.js';
import type { WorkloadId } from './workloads.js';
import { WORKLOADS } from './workloads.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The page's made-up origin: the routes below serve it, nothing goes to the network. */
const ORIGIN = 'http://bench.invalid';

export interface BrowserRun {
  workload: WorkloadId;
  status: 'ok' | 'failed';
  samples: number;
  timesMs?: number[];
  medianMs?: number;
  samplesPerSec?: number;
  lossBefore?: number;
  lossAfter?: number;
  /** `History.engine` in the browser (`wasm` where WebAssembly SIMD ran). */
  engine?: string;
  /** Share of probed arguments where the browser's Math.exp differs from backprop's exp (see browser-worker.ts). */
  expDiffers?: number;
  error?: string;
}

export interface BrowserResult {
  status: 'ok' | 'failed';
  /** Chromium's version. */
  browser?: string;
  runs: BrowserRun[];
  error?: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The worker script, bundled for the browser. */
async function bundleWorker(): Promise<string> {
  const out = await build({
    entryPoints: [join(HERE, 'browser-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  return out.outputFiles[0].text;
}

/**
 * Trains backprop in Chromium on each workload in `ids` (`runs` timed epochs after the warm-up).
 *
 * @param ids the workloads, in order
 * @param runs timed epochs per workload
 * @param smoke tiny sample counts (the timings mean nothing)
 * @param log progress lines
 */
export async function measureBrowser(
  ids: readonly WorkloadId[],
  runs: number,
  smoke: boolean,
  log: (s: string) => void = () => {},
): Promise<BrowserResult> {
  if (!chromiumAvailable) return { status: 'failed', runs: [], error: 'no Chromium at /usr/bin/chromium' };
  let script: string;
  try {
    script = await bundleWorker();
  } catch (err) {
    return { status: 'failed', runs: [], error: `bundling the worker failed: ${(err as Error).message}` };
  }
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.route(`${ORIGIN}/**`, (route) => {
      const worker = new URL(route.request().url()).pathname === '/worker.js';
      return route.fulfill({
        status: 200,
        contentType: worker ? 'text/javascript' : 'text/html',
        body: worker ? script : '<!doctype html><title>backprop bench</title>',
      });
    });
    await page.goto(`${ORIGIN}/`);
    const result: BrowserResult = { status: 'ok', browser: browser.version(), runs: [] };
    for (const id of ids) {
      const samples = smoke ? WORKLOADS[id].smokeSamples : WORKLOADS[id].samples;
      const job: BrowserJob = { workload: id, samples, runs, smoke };
      const t0 = Date.now();
      const reply = await page.evaluate(
        (j) =>
          new Promise<BrowserReply>((resolve) => {
            const w = new Worker('/worker.js', { type: 'module' });
            w.onmessage = (ev) => {
              resolve(ev.data as BrowserReply);
              w.terminate();
            };
            w.onerror = (ev) => resolve({ ok: false, error: ev.message || 'the worker failed to start' });
            w.postMessage(j);
          }),
        job,
      );
      const run: BrowserRun = reply.ok
        ? {
            workload: id,
            status: 'ok',
            samples,
            timesMs: reply.timesMs,
            medianMs: median(reply.timesMs),
            samplesPerSec: samples / (median(reply.timesMs) / 1000),
            lossBefore: reply.lossBefore,
            lossAfter: reply.lossAfter,
            engine: reply.engine,
            expDiffers: reply.expDiffers,
          }
        : { workload: id, status: 'failed', samples, error: reply.error };
      result.runs.push(run);
      log(
        run.status === 'ok'
          ? `[browser ${id}] ${(run.samplesPerSec! / 1e3).toFixed(1)}k samples/s, engine ${run.engine}, ` +
              `Math.exp ≠ backprop's exp on ${((run.expDiffers ?? 0) * 100).toFixed(1)}% of probes, loss ` +
              `${run.lossBefore!.toFixed(4)} → ${run.lossAfter!.toFixed(4)}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`
          : `[browser ${id}] FAILED: ${run.error}`,
      );
    }
    return result;
  } catch (err) {
    return { status: 'failed', runs: [], error: (err as Error).message.split('\n')[0] };
  } finally {
    await browser.close();
  }
}
