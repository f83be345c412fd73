/**
 * The playground end to end: built with Vite, served from 127.0.0.1, driven in Debian's headless
 * Chromium through the names a person (or a screen reader) uses. Screenshots of the main states go
 * to test-output/playground/ (not committed).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  csvTextToExamples,
  evaluateNetwork,
  networkFromWeights,
  notesQuantities,
  parseModel,
  serializeModel,
  toOnnx,
  toTfjsLayers,
} from '../../src/index.js';
import { readExamples } from '../../src/node/csv-file.js';
import { num } from '../../web/src/format.js';
import type { LayerWeights, NetworkConfig } from '../../web/src/library.js';
import { bundledExamples, prepareTable } from '../../web/src/prepare.js';
import { settingsFromQuery } from '../../web/src/settings.js';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { SHOTS, usePlaygroundSite } from '../helpers/playground-site.js';

interface Opened {
  page: Page;
  problems: string[];
  foreign: string[];
}

describe.runIf(chromiumAvailable)('the playground in Chromium', () => {
  const site = usePlaygroundSite(launchChromium);

  async function open(query = ''): Promise<Opened> {
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 720 } });
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(site.url)) foreign.push(r.url());
    });
    await page.goto(`${site.url}${query}`);
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/train loss/);
    return { page, problems, foreign };
  }

  // Polled while training: a CSS selector, because getByRole computes every element's role on the
  // page's main thread, and that work would be counted in the frame times measured.
  const statusNumber = async (page: Page, name: string) => {
    const text = (await page.locator('[role="status"]').textContent()) ?? '';
    const m = new RegExp(`${name} (\\d+(?:\\.\\d+)?)`).exec(text);
    return m ? Number(m[1]) : Number.NaN;
  };

  const weights = (page: Page) => page.evaluate(() => window.playground.weights()) as Promise<LayerWeights[]>;

  it('loads with no console error and no request outside its origin', async () => {
    const { page, problems, foreign } = await open();
    await expect.poll(() => statusNumber(page, 'epoch')).toBe(0);
    for (const name of ['Train', 'Pause', 'Step', 'Reset'])
      await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(1);
    for (const name of ['Learning rate', 'Batch size', 'Hidden layers', 'Open CSV']) {
      await expect(page.getByLabel(name, { exact: true }).count()).resolves.toBe(1);
    }
    const options = await page.getByLabel('Dataset').locator('option').allTextContents();
    expect(options).toEqual(expect.arrayContaining(['XOR', 'Circle', 'Gaussians', 'Spiral', 'Breast cancer']));
    // A weight focused from the keyboard reads out its value in the notes' name.
    await page.locator('#network line').first().focus();
    await expect.poll(() => page.locator('#readout').textContent()).toMatch(/^W\[1,1\] = −?\d+\.\d+$/);
    await page.screenshot({ path: `${SHOTS}/01-loaded.png` });
    // The layout holds from a 1280-wide laptop to a 1920 screen: nothing wider than the window.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await page.setViewportSize({ width: 1920, height: 1080 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1920);
    await page.screenshot({ path: `${SHOTS}/01-loaded-1920.png` });
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it('trains XOR with x1·x2 to test accuracy ≥ 0.95 without a slow frame, and explains a clicked point', async () => {
    const { page, problems, foreign } = await open();
    await page.getByLabel('Dataset').selectOption({ label: 'XOR' });
    await page.getByLabel('x1·x2').check();
    await expect.poll(() => page.evaluate(() => window.playground.config()?.inputSize)).toBe(3);
    await expect.poll(() => weights(page)).toBeDefined();
    const before = await page.locator('#boundary').evaluate((c) => (c as HTMLCanvasElement).toDataURL());

    // Frame times on the page's main thread while the worker trains.
    await page.evaluate(() => {
      const w = window as unknown as { frames: number[] };
      w.frames = [];
      const tick = (t: number) => {
        w.frames.push(t);
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.getByRole('button', { name: 'Train' }).click();
    await expect.poll(() => statusNumber(page, 'test accuracy'), { timeout: 30_000 }).toBeGreaterThanOrEqual(0.95);
    await page.waitForTimeout(500); // a little more training: frames measured over a longer stretch
    const frames = await page.evaluate(() => (window as unknown as { frames: number[] }).frames);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByRole('button', { name: 'Train' })).toBeTruthy();
    await expect.poll(() => page.getByRole('button', { name: 'Train' }).isEnabled()).toBe(true);
    const gaps = frames.slice(1).map((t, i) => t - frames[i]);
    expect(gaps.length).toBeGreaterThan(10);
    // The page's own drawing is a small share of a frame (the rest is the browser and the machine).
    const draws = (await page.evaluate(() => window.playground.drawTimes())).sort((a, b) => a - b);
    expect(draws[Math.floor(draws.length / 2)]).toBeLessThan(16);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(100); // "no frame over 100 ms"

    // Paused means paused: the weights stay still.
    const paused = await weights(page);
    await page.waitForTimeout(300);
    expect(await weights(page)).toEqual(paused);
    const after = await page.locator('#boundary').evaluate((c) => (c as HTMLCanvasElement).toDataURL());
    expect(after).not.toBe(before);
    expect(await statusNumber(page, 'epoch')).toBeGreaterThan(0);
    expect(await statusNumber(page, 'train loss')).toBeGreaterThan(0);

    // Click a test point; the panel's δ1 is the library's for that point and these weights.
    const point = await page.evaluate(() => window.playground.pointOnPage(250));
    await page.mouse.click(point![0], point![1]);
    const delta1 = page.getByRole('region', { name: 'Explain' }).locator('[data-quantity="delta1"]');
    await expect.poll(() => delta1.count()).toBe(1);
    const chosen = await page.evaluate(() => window.playground.selected());
    const config = (await page.evaluate(() => window.playground.config())) as NetworkConfig;
    const net = networkFromWeights(config, await weights(page));
    const q = notesQuantities(net, chosen!.x, chosen!.y[0]);
    // The library's exp, log and tanh are its own, not the host's Math: the page's numbers are
    // the Node run's, bit for bit.
    const near = (a: number, b: number) => expect(a).toBe(b);
    const shown = JSON.parse((await delta1.getAttribute('data-value'))!) as number;
    near(shown, q.delta1);
    expect(typeof shown).toBe('number');
    expect(await delta1.textContent()).toBe(num(q.delta1));
    const panel = page.getByRole('region', { name: 'Explain' });
    for (const name of ['z', 'h', 'theta', 'yhat', 'loss', 'delta2', 'dW', 'dU', 'db1', 'db2']) {
      await expect(panel.locator(`[data-quantity="${name}"]`).count()).resolves.toBe(1);
    }
    const dW = JSON.parse((await panel.locator('[data-quantity="dW"]').getAttribute('data-value'))!) as number[][];
    dW.forEach((row, i) => row.forEach((v, j) => near(v, q.dW[i][j])));
    await page.screenshot({ path: `${SHOTS}/02-xor-trained-explained.png` });

    // Step through: one equation at a time, forward then backward, lighting its place on the drawing.
    const visible = () =>
      panel
        .locator('.q:not(.later) [data-quantity]')
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.quantity));
    await panel.getByRole('button', { name: 'Step through' }).click();
    expect(await visible()).toEqual(['x']);
    for (let i = 0; i < 6; i++) await panel.getByRole('button', { name: 'Next equation' }).click();
    expect(await visible()).toEqual(['x', 'z', 'h', 'theta', 'yhat', 'loss', 'delta1']);
    expect(await page.locator('#network [data-group="yhat"]').getAttribute('class')).toContain('lit');
    await panel.getByRole('button', { name: 'Next equation' }).click();
    expect(await page.locator('#network [data-group="h"]').getAttribute('class')).toContain('lit');
    await page.screenshot({ path: `${SHOTS}/03-step-through.png` });
    await panel.getByRole('button', { name: 'Show all' }).click();
    expect(await visible()).toHaveLength(14);
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it('gives the same weights after 50 Steps from the same URL, and Reset gives the first weights back', async () => {
    const query = '?data=circle&noise=0.1&features=x1,x2,x1sq,x2sq&hidden=5,3&act=tanh&lr=0.05&batch=4&opt=adam&seed=7';
    const runs: LayerWeights[][] = [];
    for (let i = 0; i < 2; i++) {
      const { page, problems } = await open(query);
      await expect.poll(() => weights(page)).toBeDefined();
      const initial = await weights(page);
      const step = page.getByRole('button', { name: 'Step' });
      for (let s = 0; s < 50; s++) await step.click();
      await expect.poll(() => page.evaluate(() => window.playground.steps())).toBe(50);
      runs.push(await weights(page));
      expect(runs[i]).not.toEqual(initial);
      await page.getByRole('button', { name: 'Reset' }).click();
      await expect.poll(() => page.evaluate(() => window.playground.steps())).toBe(0);
      await expect.poll(() => weights(page)).toEqual(initial);
      expect(page.url()).toContain('hidden=5,3');
      if (i === 0) {
        // A deeper network is explained in the per-layer form: δ for each of its three layers.
        const point = await page.evaluate(() => {
          // The first example drawn well inside the canvas (noisy points may sit on its edge).
          const box = document.getElementById('boundary')!.getBoundingClientRect();
          for (let i = 0; ; i++) {
            const [x, y] = window.playground.pointOnPage(i)!;
            if (x > box.left + 10 && x < box.right - 10 && y > box.top + 10 && y < box.bottom - 10) return [x, y];
          }
        });
        await page.mouse.click(point![0], point![1]);
        const explain = page.getByRole('region', { name: 'Explain' });
        await expect.poll(() => explain.locator('[data-quantity^="delta_"]').count()).toBe(3);
        await page.screenshot({ path: `${SHOTS}/04-circle-deeper.png` });
      }
      expect(problems).toEqual([]);
      await page.close();
    }
    expect(runs[1]).toEqual(runs[0]);
  });

  it('opens a CSV, and on a malformed one shows the CLI message and keeps the previous state', async () => {
    const { page, problems } = await open('?data=gaussians');
    await expect.poll(() => weights(page)).toBeDefined();
    const url = page.url();
    const bad = 'x1,x2,label\n0.1,0.2,a\n0.3,oops,b\n';
    let expected = '';
    try {
      csvTextToExamples(bad, 'bad.csv');
    } catch (err) {
      expected = (err as Error).message;
    }
    expect(expected).toBe("bad.csv line 3, column x2: 'oops' is not a number");
    const input = page.getByLabel('Open CSV');
    await input.setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await expect.poll(() => page.locator('#csv-message').textContent()).toBe(expected);
    expect(page.url()).toBe(url);
    expect(await page.getByLabel('Dataset').inputValue()).toBe('gaussians');
    await page.screenshot({ path: `${SHOTS}/05-bad-csv.png` });
    // A file too large for a browser tab is refused with a message, before it is read.
    // (made in the page: sending 21 MB through the test protocol would take seconds)
    await page.locator('#csv').evaluate((el) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(21 * 1024 * 1024)], 'huge.csv', { type: 'text/csv' }));
      const box = el as HTMLInputElement;
      box.files = data.files;
      box.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await expect
      .poll(() => page.locator('#csv-message').textContent())
      .toMatch(/^huge\.csv: 22\.0 MB is more than the playground reads/);
    expect(await page.getByLabel('Dataset').inputValue()).toBe('gaussians');

    const rows = ['a,b,c,kind'];
    for (let i = 0; i < 60; i++) rows.push(`${i % 7},${(i * 3) % 11},${i % 5},${['p', 'q', 'r'][i % 3]}`);
    await input.setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(`${rows.join('\n')}\n`) });
    await expect.poll(() => page.getByLabel('Dataset').inputValue()).toBe('csv');
    expect(await page.locator('#csv-message').textContent()).toBe('');
    const config = (await page.evaluate(() => window.playground.config())) as NetworkConfig;
    expect(config.inputSize).toBe(3);
    expect(config.layers.at(-1)).toEqual({ units: 3, activation: 'softmax' });
    await page.getByRole('button', { name: 'Step' }).click();
    await expect.poll(() => page.evaluate(() => window.playground.steps())).toBe(1);
    await expect.poll(() => page.locator('#confusion table').count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/06-csv.png` });

    // Dropping a file on the box reads it the same way.
    await page.locator('#drop').evaluate((box) => {
      const data = new DataTransfer();
      data.items.add(new File(['u,v,label\n1,2,a\n2,1,b\n3,3,a\n0,1,b\n'], 'dropped.csv', { type: 'text/csv' }));
      box.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => page.evaluate(() => window.playground.config()?.inputSize)).toBe(2);
    expect(await page.locator('#data option[value="csv"]').textContent()).toBe('CSV: dropped.csv');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens a UTF-16 CSV as the CLI decodes it, and refuses one it cannot decode with the CLI message', async () => {
    const { page, problems } = await open('?data=gaussians');
    await expect.poll(() => weights(page)).toBeDefined();
    const rows = ['größe,wärme,label'];
    for (let i = 0; i < 40; i++) rows.push(`${i % 7},${(i * 3) % 11},${['ja', 'nein'][i % 2]}`);
    const text = `${rows.join('\r\n')}\r\n`;
    const input = page.getByLabel('Open CSV');
    // UTF-16LE with a byte-order mark, as Excel's "Unicode text" writes it.
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    await input.setInputFiles({ name: 'utf16.csv', mimeType: 'text/csv', buffer: utf16 });
    await expect.poll(() => page.getByLabel('Dataset').inputValue()).toBe('csv');
    expect(await page.locator('#csv-message').textContent()).toBe('');
    expect(await page.evaluate(() => window.playground.config()?.inputSize)).toBe(2);
    // The network is drawn with the header's names, decoded.
    expect(await page.locator('#network').textContent()).toContain('größe');
    expect(await page.locator('#network').textContent()).toContain('wärme');
    const url = page.url();

    // The same text as UTF-16 without the mark: the CLI refuses it, naming the encoding.
    const file = `${site.scratch}/nobom.csv`;
    writeFileSync(file, Buffer.from(text, 'utf16le'));
    const shown = relative(process.cwd(), file);
    let expected = '';
    try {
      readExamples(shown);
    } catch (err) {
      expected = (err as Error).message.replace(shown, 'nobom.csv');
    }
    expect(expected).toMatch(/^nobom\.csv: looks like UTF-16 without a byte-order mark/);
    await input.setInputFiles(file);
    await expect.poll(() => page.locator('#csv-message').textContent()).toBe(expected);
    expect(page.url()).toBe(url);
    expect(await page.locator('#data option[value="csv"]').textContent()).toBe('CSV: utf16.csv');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('downloads a model file that `backprop evaluate` accepts, the ONNX and TF.js files the library exports, and opens the model again', async () => {
    const query = '?data=breast-cancer&hidden=4&lr=0.1&batch=1&seed=3';
    const { page, problems } = await open(query);
    await expect.poll(() => weights(page)).toBeDefined();
    await page.getByRole('button', { name: 'Train' }).click();
    await expect.poll(() => statusNumber(page, 'epoch'), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Train' }).isEnabled()).toBe(true);
    const trained = await weights(page);
    expect(await page.locator('#confusion table').count()).toBe(1);
    // Non-2-D data: an example is chosen by its number; this is the notes' 3-4-1 network.
    await page.getByLabel('test example').fill('3');
    await page.getByLabel('test example').press('Enter');
    const explain = page.getByRole('region', { name: 'Explain' });
    await expect.poll(() => explain.locator('[data-quantity="delta1"]').count()).toBe(1);
    expect(await explain.locator('.explain-heading').textContent()).toMatch(/^test example 3: /);
    await page.screenshot({ path: `${SHOTS}/07-breast-cancer.png` });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download model' }).click(),
    ]);
    const file = `${site.scratch}/${download.suggestedFilename()}`;
    await download.saveAs(file);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.features).toEqual(['worst_radius', 'worst_texture', 'worst_smoothness']);
    expect(
      saved.layers.map((l: { kernel: number[][]; bias: number[] }) => ({ kernel: l.kernel, bias: l.bias })),
    ).toEqual(trained);

    // The CLI (run from source) evaluates the downloaded model on the bundled data.
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'evaluate', file, 'data/breast-cancer.csv', '--json'],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(cli.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(cli.status).toBe(0);
    expect(JSON.parse(cli.stdout).accuracy).toBeGreaterThan(0.8);

    // ONNX and TF.js Layers: the bytes the library exports for that model file.
    const libraryModel = parseModel(readFileSync(file, 'utf8'), file);
    const [onnx] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download ONNX' }).click(),
    ]);
    await onnx.saveAs(`${site.scratch}/m.onnx`);
    expect(new Uint8Array(readFileSync(`${site.scratch}/m.onnx`))).toEqual(new Uint8Array(toOnnx(libraryModel))); // Node's protobufjs gives a Buffer
    const tfjs: string[] = [];
    page.on('download', async (d) => {
      await d.saveAs(`${site.scratch}/${d.suggestedFilename()}`);
      tfjs.push(d.suggestedFilename());
    });
    await page.getByRole('button', { name: 'Download TF.js' }).click();
    await expect.poll(() => tfjs.length).toBe(2);
    const expected = toTfjsLayers(libraryModel);
    expect(JSON.parse(readFileSync(`${site.scratch}/model.json`, 'utf8'))).toEqual(expected.modelJson);
    expect(new Uint8Array(readFileSync(`${site.scratch}/group1-shard1of1.bin`))).toEqual(
      new Uint8Array(expected.weights),
    );

    // Opened again on a fresh page (after a Reset to other weights), the model's weights come back.
    await page.getByRole('button', { name: 'Reset' }).click();
    await expect.poll(() => page.evaluate(() => window.playground.steps())).toBe(0);
    expect(await weights(page)).not.toEqual(trained);
    await page.getByLabel('Open model').setInputFiles(file);
    await expect.poll(() => weights(page)).toEqual(trained);
    await page
      .getByLabel('Open model')
      .setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "onnx"}') });
    await expect
      .poll(() => page.locator('#model-message').textContent())
      .toBe('bad.json: format is "onnx", expected "backprop-model"');
    expect(await weights(page)).toEqual(trained);

    // A binary model file's decision threshold decides its classes: the test set's accuracy and
    // confusion matrix are the library's evaluation of that file on the same split.
    const threshold = 0.2;
    writeFileSync(`${site.scratch}/cut.json`, serializeModel({ ...libraryModel, threshold }));
    await page.getByLabel('Open model').setInputFiles(`${site.scratch}/cut.json`);
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/threshold 0\.2$/);
    expect(await page.locator('#model-message').textContent()).toContain('decision threshold 0.2');
    const prepared = prepareTable(bundledExamples('breast-cancer'), settingsFromQuery(query).settings);
    const evaluate = (scoring: { threshold?: number }) => {
      const m = evaluateNetwork(libraryModel.network, prepared.test.x, prepared.test.y, libraryModel.labels, scoring);
      if (m.kind !== 'classification') throw new Error('expected a classification');
      return m;
    };
    const cut = evaluate({ threshold });
    expect(cut.confusion).not.toEqual(evaluate({}).confusion); // the threshold matters for these weights
    const confusion = await page
      .locator('#confusion table tr')
      .evaluateAll((trs) =>
        trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))),
      );
    expect(confusion).toEqual(cut.confusion);
    expect(await statusNumber(page, 'test accuracy')).toBe(Number(cut.accuracy.toFixed(3)));
    expect(await page.locator('#confusion p').textContent()).toMatch(/from ŷ ≥ 0\.2$/);
    // Downloaded again, the model keeps it.
    const [again] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download model' }).click(),
    ]);
    await again.saveAs(`${site.scratch}/again.json`);
    expect(JSON.parse(readFileSync(`${site.scratch}/again.json`, 'utf8')).threshold).toBe(threshold);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a message for garbage in the URL and opens with the defaults', async () => {
    const { page, problems } = await open('?lr=banana&hidden=0&data=mnist');
    const message = await page.locator('#settings-message').textContent();
    expect(message).toMatch(/URL setting lr: expected a number > 0 and ≤ 10, got 'banana'; using 0.1/);
    expect(message).toMatch(/URL setting data: .*got 'mnist'; using xor/);
    expect(message).toMatch(/URL: a link without a version \(v=2\) may be from before version 2/);
    expect(page.url()).toContain('?v=2&');
    expect(await page.getByLabel('Learning rate').inputValue()).toBe('0.1');
    // A value out of range typed in a control: a message, the control and the run as they were.
    const url = page.url();
    await page.getByLabel('Batch size').fill('0');
    await page.getByLabel('Batch size').press('Enter');
    await expect
      .poll(() => page.locator('#settings-message').textContent())
      .toBe("batch: expected an integer ≥ 1 and ≤ 1000, got '0'");
    expect(await page.getByLabel('Batch size').inputValue()).toBe('10');
    expect(page.url()).toBe(url);
    expect(problems).toEqual([]);
    await page.close();
  });
});
