/**
 * The library in a browser: `dist/index.js` bundles for the browser platform (no Node built-ins)
 * and, loaded into headless Chromium, trains XOR with its WebAssembly engine and the readable
 * reference path to the same bit-identical weights. Skipped locally without Chromium; in CI
 * (`.ci/run` installs it) a missing browser is a failure.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
});
