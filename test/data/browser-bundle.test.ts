/**
 * The main entry is browser-safe: bundled from the sources for the browser platform, nothing it
 * reaches imports a Node built-in (esbuild would fail to resolve one, or leave it external), and
 * the pipelines the playground needs are in it.
 */
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';

const REPO = join(import.meta.dirname, '..', '..');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

async function bundle(format: 'esm' | 'iife' = 'esm') {
  return build({
    entryPoints: [join(REPO, 'src', 'index.ts')],
    bundle: true,
    platform: 'browser',
    format,
    globalName: 'backprop',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
}

describe('src/index.ts in a browser bundle', () => {
  it('imports no Node built-in, directly or through a dependency', async () => {
    const result = await bundle();
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
    const builtins = imports.filter((i) => BUILTINS.has(i.path) || i.path.startsWith('node:'));
    expect(builtins).toEqual([]);
    expect(imports.filter((i) => i.external)).toEqual([]);
    const sources = Object.keys(result.metafile.inputs).filter((p) => p.startsWith('src/'));
    expect(sources.filter((p) => p.startsWith('src/node') || p.startsWith('src/cli'))).toEqual([]);
    expect(result.outputFiles[0].text).not.toMatch(/require\(["']node:|from ["']node:/);
  });

  it('exports the pipelines the playground uses', async () => {
    const result = await bundle();
    const exports = Object.values(result.metafile.outputs)[0].exports;
    for (const name of [
      'parseCsv',
      'tableFromRows',
      'prepareDataset',
      'tableToExamples',
      'stratifiedSplit',
      'fitStandardization',
      'trainModel',
      'evaluateModel',
      'predictTable',
      'explain',
      'explainInputFromTable',
      'toModelFile',
      'fromModelFile',
      'toTfjsLayers',
      'fromTfjsLayers',
      'toOnnx',
    ]) {
      expect(exports).toContain(name);
    }
    expect(exports).not.toContain('matmul');
    expect(exports).not.toContain('ACTIVATIONS');
  });

  it.runIf(chromiumAvailable)(
    'runs CSV text → trainModel → model file → predict → explain → ONNX in Chromium',
    async () => {
      const code = (await bundle('iife')).outputFiles[0].text;
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
          const rows = Array.from(
            { length: 60 },
            (_, i) => `${(i % 7) / 7},${(i % 5) / 5},${i % 2 === 0 ? 'even' : 'odd'}`,
          );
          const table = bp.parseCsv(`a,b,parity\n${rows.join('\n')}\n`, 'parity.csv');
          const { model, history } = bp.trainModel(table, { epochs: 5 });
          const again = bp.fromModelFile(JSON.parse(JSON.stringify(bp.toModelFile(model))), 'model.json');
          let badCsv = '';
          try {
            bp.parseCsv('a,b\n1,2,3\n', 'bad.csv');
          } catch (e) {
            badCsv = (e as Error).message;
          }
          return {
            epochs: history.epochs.length,
            sameText: bp.serializeModel(again) === bp.serializeModel(model),
            predicted: bp.predictTable(again, table).rows.length,
            explained: bp.explain(bp.explainInputFromTable(again, table, { row: 1 })).lines.length,
            onnxBytes: bp.toOnnx(again).length,
            badCsv,
          };
        });
        expect(errors).toEqual([]);
        expect(result.epochs).toBe(5);
        expect(result.sameText).toBe(true);
        expect(result.predicted).toBe(60);
        expect(result.explained).toBeGreaterThan(10);
        expect(result.onnxBytes).toBeGreaterThan(100);
        expect(result.badCsv).toBe('bad.csv line 2: 3 fields, header has 2');
      } finally {
        await browser.close();
      }
    },
  );
});
