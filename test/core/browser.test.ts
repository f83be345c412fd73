/**
 * The library in a browser: `dist/index.js` bundles for the browser platform (no Node built-ins)
 * and, loaded into headless Chromium, trains XOR with its WebAssembly engine and the readable
 * reference path to the same bit-identical weights, and a seeded run gives the same bits there
 * as in Node (backprop's own exp, log, log1p and tanh: one of each for every host). Skipped locally without Chromium; in CI
 * (`.ci/run` installs it) a missing browser is a failure.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';

const REPO = join(import.meta.dirname, '..', '..');

async function bundle(): Promise<string> {
  const entry = join(REPO, 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'backprop',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

describe('the library in a browser', () => {
  it('bundles for the browser platform without Node built-ins', async () => {
    const code = await bundle();
    expect(code.length).toBeGreaterThan(10_000);
    expect(code).not.toMatch(/require\(["']node:|from ["']node:/);
  });

  it.runIf(chromiumAvailable)(
    'trains XOR in Chromium, the WebAssembly engine equal to the reference bit for bit',
    async () => {
      const code = await bundle();
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.setContent('<!DOCTYPE html><title>backprop</title>');
        await page.addScriptTag({ content: code });
        const result = await page.evaluate(() => {
          // biome-ignore lint/suspicious/noExplicitAny: the bundle's global, typed by the library itself
          const bp = (globalThis as any).backprop;
          const x = bp.fromRows([
            [0, 0],
            [0, 1],
            [1, 0],
            [1, 1],
          ]);
          const y = bp.fromRows([[0], [1], [1], [0]]);
          const config = {
            inputSize: 2,
            layers: [
              { units: 4, activation: 'sigmoid' },
              { units: 1, activation: 'sigmoid' },
            ],
            loss: { name: 'binary_crossentropy' },
          };
          const train = (engine: string) => {
            const net = bp.createNetwork(config, { seed: 0 });
            const history = bp.fit(
              net,
              { x, y },
              { epochs: 2000, batchSize: 1, optimizer: { name: 'sgd', learningRate: 0.5 }, engine },
            );
            return { net, history };
          };
          const wasm = train('wasm');
          const reference = train('reference');
          const weights = (net: { layers: { kernel: { data: Float64Array }; bias: Float64Array }[] }) =>
            net.layers.flatMap((l) => [...l.kernel.data, ...l.bias]);
          return {
            engine: wasm.history.engine,
            accuracy: bp.accuracy(bp.predict(wasm.net, x), y),
            same: JSON.stringify(weights(wasm.net)) === JSON.stringify(weights(reference.net)),
            simd: bp.wasmKernelsAvailable(),
          };
        });
        expect(errors).toEqual([]);
        expect(result.simd).toBe(true);
        expect(result.engine).toBe('wasm');
        expect(result.accuracy).toBe(1);
        expect(result.same).toBe(true);
      } finally {
        await browser.close();
      }
    },
  );

  it.runIf(chromiumAvailable)(
    'gives the same bits in Chromium as in Node for a seeded run (sigmoid/BCE, tanh/softmax/CCE from he_normal, clipped BCE; both engines)',
    async () => {
      const code = await bundle();
      // The same function runs in the page and here, on the same bundle of dist/index.js. The
      // data are made with + − × only (no Math.sin or Math.exp, whose bits depend on the host).
      const job = () => {
        // biome-ignore lint/suspicious/noExplicitAny: the bundle's global, typed by the library itself
        const bp = (globalThis as any).backprop;
        const rows = 64;
        const xs: number[][] = [];
        const y2: number[][] = [];
        const y3: number[][] = [];
        for (let i = 0; i < rows; i++) {
          const a = ((i * 37) % 64) / 16 - 2;
          const b = ((i * 11) % 64) / 20 - 1.6;
          xs.push([a, b, a * b]);
          y2.push([a * a + b > 1 ? 1 : 0]);
          const c = a + b > 0.5 ? 0 : a - b > 0 ? 1 : 2;
          y3.push([c === 0 ? 1 : 0, c === 1 ? 1 : 0, c === 2 ? 1 : 0]);
        }
        const hex = (v: number) => {
          const f = new Float64Array([v]);
          return [...new Uint8Array(f.buffer)].map((u) => u.toString(16).padStart(2, '0')).join('');
        };
        const out = { weights: {} as Record<string, string[]>, losses: {} as Record<string, string[]> };
        // bce: sigmoid units, the notes' CE from the logit (log1p); cce: tanh units drawn by
        // he_normal (normals: log), softmax and CE (log); bce-clipped: Keras's clipped CE (log).
        for (const head of ['bce', 'cce', 'bce-clipped'] as const) {
          const config = {
            inputSize: 3,
            layers: [
              { units: 5, activation: head === 'cce' ? 'tanh' : 'sigmoid' },
              head === 'cce' ? { units: 3, activation: 'softmax' } : { units: 1, activation: 'sigmoid' },
            ],
            loss:
              head === 'cce'
                ? { name: 'categorical_crossentropy' }
                : { name: 'binary_crossentropy', ...(head === 'bce-clipped' ? { epsilon: 1e-7 } : {}) },
          };
          for (const engine of ['wasm', 'reference']) {
            for (const batchSize of [1, 8]) {
              const init = head === 'cce' ? 'he_normal' : 'glorot_uniform';
              const net = bp.createNetwork(config, { seed: 3, kernelInitializer: init });
              const history = bp.fit(
                net,
                { x: bp.fromRows(xs), y: bp.fromRows(head === 'cce' ? y3 : y2) },
                {
                  epochs: 30,
                  batchSize,
                  shuffle: true,
                  seed: 5,
                  optimizer: { name: 'sgd', learningRate: 0.3 },
                  engine,
                },
              );
              const weights = net.layers.flatMap((l: { kernel: { data: Float64Array }; bias: Float64Array }) => [
                ...l.kernel.data,
                ...l.bias,
              ]);
              const losses = history.epochs.map((e: { loss: number }) => e.loss);
              const name = `${head} ${engine} batch ${batchSize} (${history.engine})`;
              out.weights[name] = weights.map(hex);
              out.losses[name] = losses.map(hex);
            }
          }
        }
        return out;
      };
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.setContent('<!DOCTYPE html><title>backprop</title>');
        await page.addScriptTag({ content: code });
        const inBrowser = await page.evaluate(job);
        expect(errors).toEqual([]);
        (globalThis as { backprop?: unknown }).backprop = await import(
          pathToFileURL(join(REPO, 'dist', 'index.js')).href
        );
        const inNode = job();
        const runs = Object.keys(inNode.weights);
        expect(runs).toHaveLength(12);
        // Keras's clipped CE is the reference path's alone (the kernels cover the notes' CE).
        expect(runs.filter((k) => k.includes('(wasm)'))).toHaveLength(4);
        // Weights and epoch losses, bit for bit: exp, log, log1p and tanh on the way are
        // backprop's own (src/core/exp.ts, src/core/libm.ts), not the host's Math.
        expect(inBrowser.weights).toEqual(inNode.weights);
        expect(inBrowser.losses).toEqual(inNode.losses);
      } finally {
        await browser.close();
      }
    },
  );
});
