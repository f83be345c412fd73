/**
 * The playground's key scenarios in Firefox: Debian's firefox-esr, headless, driven by
 * puppeteer-core over WebDriver BiDi, the page found by the same accessible names as in the
 * Chromium test (puppeteer's `aria/` queries). Screenshots go to test-output/playground/firefox-*.
 */
import { writeFileSync } from 'node:fs';
import type { ElementHandle, Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import {
  csvTextToExamples,
  evaluateNetwork,
  networkFromWeights,
  notesQuantities,
  serializeModel,
} from '../../src/index.js';
import { num } from '../../web/src/format.js';
import type { LayerWeights, NetworkConfig } from '../../web/src/library.js';
import { bundledExamples, prepareTable } from '../../web/src/prepare.js';
import { settingsFromQuery } from '../../web/src/settings.js';
import { firefoxAvailable, launchFirefox, setViewport } from '../helpers/firefox.js';
import { SHOTS, usePlaygroundSite } from '../helpers/playground-site.js';

interface Opened {
  page: Page;
  problems: string[];
  foreign: string[];
}

/**
 * The page's address as the page sees it: puppeteer's `page.url()` over WebDriver BiDi is not
 * updated by `history.replaceState` in firefox-esr 140, which is how the playground writes its
 * settings into the address.
 */
function href(page: Page): Promise<string> {
  return page.evaluate(() => location.href);
}

describe.runIf(firefoxAvailable)('the playground in Firefox', () => {
  const site = usePlaygroundSite(launchFirefox);

  async function open(query = ''): Promise<Opened> {
    const page = await site.browser.newPage();
    await setViewport(page, 1280, 720);
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    // data: URLs (the empty favicon) are not requests to anywhere.
    page.on('request', (r) => {
      if (!r.url().startsWith(site.url) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    await page.goto(`${site.url}${query}`);
    await expect.poll(() => statusText(page)).toMatch(/train loss/);
    return { page, problems, foreign };
  }

  const statusText = (page: Page) => page.$eval('[role="status"]', (e) => e.textContent ?? '');
  const statusNumber = async (page: Page, name: string) => {
    const m = new RegExp(`${name} (\\d+(?:\\.\\d+)?)`).exec(await statusText(page));
    return m ? Number(m[1]) : Number.NaN;
  };
  /** The one element with this accessible name (and role), as a screen reader finds it. */
  const named = async (page: Page, name: string, role?: string) => {
    const found = await page.$$(`aria/${name}${role ? `[role="${role}"]` : ''}`);
    expect(found, `${role ?? 'element'} named ${name}`).toHaveLength(1);
    return found[0];
  };
  const weights = (page: Page) => page.evaluate(() => window.playground.weights()) as Promise<LayerWeights[]>;
  const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
  const csvFile = (name: string, content: string | Buffer) => {
    const file = `${site.scratch}/${name}`;
    writeFileSync(file, content);
    return file;
  };
  // Firefox's accessibility locator does not reach a file input (not even with an aria-label), so
  // one is found as a person sees it: the control of the label that reads "Open CSV" (or "Open model").
  const openFile = async (page: Page, label: string, file: string) => {
    const input = await page.evaluateHandle(
      (text) => [...document.querySelectorAll('label')].find((l) => l.textContent?.trim() === text)?.control,
      label,
    );
    await (input as ElementHandle<HTMLInputElement>).uploadFile(file);
  };
  const openCsv = (page: Page, file: string) => openFile(page, 'Open CSV', file);

  /** Nothing is wider than the window, and every control of the top bar is inside it. */
  async function layoutHolds(page: Page, width: number): Promise<void> {
    await setViewport(page, width, width === 1920 ? 1080 : 720);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    for (const name of ['Train', 'Pause', 'Step', 'Reset']) {
      const box = await (await named(page, name, 'button')).boundingBox();
      expect(box, name).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(width);
    }
    for (const name of ['Learning rate', 'Batch size', 'Hidden layers', 'Dataset']) {
      const box = await (await named(page, name)).boundingBox();
      expect(box!.width, name).toBeGreaterThan(0);
      expect(box!.x + box!.width, name).toBeLessThanOrEqual(width);
    }
    const canvas = await page.$eval('#boundary', (e) => {
      const r = e.getBoundingClientRect();
      return { right: r.right, width: r.width };
    });
    expect(canvas.width).toBeGreaterThan(100);
    expect(canvas.right).toBeLessThanOrEqual(width);
  }

  it('loads with no console error and no request outside its origin, and the layout holds at 1280 and 1920', async () => {
    const { page, problems, foreign } = await open();
    expect(await statusNumber(page, 'epoch')).toBe(0);
    for (const name of ['Train', 'Pause', 'Step', 'Reset']) await named(page, name, 'button');
    const options = await (await named(page, 'Dataset')).evaluate((s) =>
      [...(s as HTMLSelectElement).options].map((o) => o.text),
    );
    expect(options).toEqual(expect.arrayContaining(['XOR', 'Circle', 'Gaussians', 'Spiral', 'Breast cancer']));
    // A weight focused from the keyboard reads out its value in the notes' name.
    await page.$eval('#network line', (line) => (line as SVGElement).focus());
    await expect.poll(() => text(page, '#readout')).toMatch(/^W\[1,1\] = −?\d+\.\d+$/);
    await layoutHolds(page, 1280);
    await page.screenshot({ path: `${SHOTS}/firefox-01-loaded.png` });
    await layoutHolds(page, 1920);
    await page.screenshot({ path: `${SHOTS}/firefox-01-loaded-1920.png` });
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it('trains XOR with x1·x2 to test accuracy ≥ 0.95 without a slow frame, and explains a clicked point', async () => {
    const { page, problems, foreign } = await open();
    await (await named(page, 'Dataset')).select('xor');
    await (await named(page, 'x1·x2', 'checkbox')).click();
    await expect.poll(() => page.evaluate(() => window.playground.config()?.inputSize)).toBe(3);
    await expect.poll(() => weights(page)).toBeDefined();

    await page.evaluate(() => {
      const w = window as unknown as { frames: number[] };
      w.frames = [];
      const tick = (t: number) => {
        w.frames.push(t);
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await (await named(page, 'Train', 'button')).click();
    await expect.poll(() => statusNumber(page, 'test accuracy'), { timeout: 30_000 }).toBeGreaterThanOrEqual(0.95);
    await new Promise((r) => setTimeout(r, 500));
    const frames = await page.evaluate(() => (window as unknown as { frames: number[] }).frames);
    await (await named(page, 'Pause', 'button')).click();
    await expect.poll(() => page.$eval('#train', (b) => !(b as HTMLButtonElement).disabled)).toBe(true);
    const gaps = frames.slice(1).map((t, i) => t - frames[i]);
    expect(gaps.length).toBeGreaterThan(10);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(100); // "no frame over 100 ms"
    const paused = await weights(page);
    await new Promise((r) => setTimeout(r, 300));
    expect(await weights(page)).toEqual(paused);

    // Click a test point: the panel's δ1 and ∂L/∂W are the library's (in Node) for it and these weights.
    const point = await page.evaluate(() => window.playground.pointOnPage(250));
    await page.mouse.click(point![0], point![1]);
    await named(page, 'Explain', 'region');
    await expect.poll(() => page.$$eval('#explain [data-quantity="delta1"]', (els) => els.length)).toBe(1);
    const chosen = await page.evaluate(() => window.playground.selected());
    const config = (await page.evaluate(() => window.playground.config())) as NetworkConfig;
    const q = notesQuantities(networkFromWeights(config, paused), chosen!.x, chosen!.y[0]);
    // The library's exp, log and tanh are its own, not the host's Math: the page's numbers are
    // the Node run's, bit for bit.
    const near = (a: number, b: number) => expect(a).toBe(b);
    const value = (key: string) =>
      page.$eval(`#explain [data-quantity="${key}"]`, (e) => JSON.parse((e as HTMLElement).dataset.value!));
    near(await value('delta1'), q.delta1);
    expect(await text(page, '#explain [data-quantity="delta1"]')).toBe(num(q.delta1));
    ((await value('dW')) as number[][]).forEach((row, i) => row.forEach((v, j) => near(v, q.dW[i][j])));
    await page.screenshot({ path: `${SHOTS}/firefox-02-xor-trained-explained.png` });
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it('gives the same weights after 50 Steps from the same URL', async () => {
    const query = '?data=circle&noise=0.1&features=x1,x2,x1sq,x2sq&hidden=5,3&act=tanh&lr=0.05&batch=4&opt=adam&seed=7';
    const runs: LayerWeights[][] = [];
    for (let i = 0; i < 2; i++) {
      const { page, problems } = await open(query);
      await expect.poll(() => weights(page)).toBeDefined();
      const initial = await weights(page);
      const step = await named(page, 'Step', 'button');
      for (let s = 0; s < 50; s++) await step.click();
      await expect.poll(() => page.evaluate(() => window.playground.steps())).toBe(50);
      runs.push(await weights(page));
      expect(runs[i]).not.toEqual(initial);
      await (await named(page, 'Reset', 'button')).click();
      await expect.poll(() => weights(page)).toEqual(initial);
      expect(problems).toEqual([]);
      await page.close();
    }
    expect(runs[1]).toEqual(runs[0]);
  });

  it("shows a malformed CSV's CLI message and keeps the state; opens a UTF-16 CSV; refuses one without its mark", async () => {
    const { page, problems } = await open('?data=gaussians');
    await expect.poll(() => weights(page)).toBeDefined();
    const url = await href(page);
    const bad = 'x1,x2,label\n0.1,0.2,a\n0.3,oops,b\n';
    expect(() => csvTextToExamples(bad, 'bad.csv')).toThrow("bad.csv line 3, column x2: 'oops' is not a number");
    await openCsv(page, csvFile('bad.csv', bad));
    await expect.poll(() => text(page, '#csv-message')).toBe("bad.csv line 3, column x2: 'oops' is not a number");
    expect(await href(page)).toBe(url);
    expect(await page.$eval('#data', (s) => (s as HTMLSelectElement).value)).toBe('gaussians');
    await page.screenshot({ path: `${SHOTS}/firefox-05-bad-csv.png` });

    const rows = ['größe,wärme,label'];
    for (let i = 0; i < 40; i++) rows.push(`${i % 7},${(i * 3) % 11},${['ja', 'nein'][i % 2]}`);
    const csv = `${rows.join('\r\n')}\r\n`;
    await openCsv(page, csvFile('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')])));
    await expect.poll(() => page.$eval('#data', (s) => (s as HTMLSelectElement).value)).toBe('csv');
    expect(await text(page, '#csv-message')).toBe('');
    expect(await text(page, '#network')).toContain('größe');
    await openCsv(page, csvFile('nobom.csv', Buffer.from(csv, 'utf16le')));
    await expect
      .poll(() => text(page, '#csv-message'))
      .toBe(
        'nobom.csv: looks like UTF-16 without a byte-order mark, expected UTF-8 or UTF-16 with one (save it as UTF-8)',
      );
    expect(await text(page, '#data option[value="csv"]')).toBe('CSV: utf16.csv');
    expect(problems).toEqual([]);
    await page.close();
  });

  it("uses an opened binary model file's decision threshold for the test accuracy and confusion matrix", async () => {
    const query = '?data=breast-cancer&hidden=4&lr=0.1&seed=3';
    const { page, problems } = await open(query);
    await expect.poll(() => weights(page)).toBeDefined();
    const step = await named(page, 'Step', 'button');
    for (let s = 0; s < 30; s++) await step.click();
    await expect.poll(() => page.evaluate(() => window.playground.steps())).toBe(30);
    const config = (await page.evaluate(() => window.playground.config())) as NetworkConfig;
    const network = networkFromWeights(config, await weights(page));
    const p = prepareTable(bundledExamples('breast-cancer'), settingsFromQuery(query).settings);
    const threshold = 0.2;
    const model = {
      network,
      features: p.featureNames,
      target: p.target,
      labels: p.labels,
      standardization: p.standardization,
      threshold,
    };
    await openFile(page, 'Open model', csvFile('cut.json', serializeModel(model)));
    await expect.poll(() => statusText(page)).toMatch(/threshold 0\.2$/);
    const evaluate = (scoring: { threshold?: number }) => {
      const m = evaluateNetwork(network, p.test.x, p.test.y, p.labels, scoring);
      if (m.kind !== 'classification') throw new Error('expected a classification');
      return m;
    };
    const cut = evaluate({ threshold });
    expect(cut.confusion).not.toEqual(evaluate({}).confusion);
    const confusion = await page.$$eval('#confusion table tr', (trs) =>
      trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))),
    );
    expect(confusion).toEqual(cut.confusion);
    expect(await statusNumber(page, 'test accuracy')).toBe(Number(cut.accuracy.toFixed(3)));
    await page.screenshot({ path: `${SHOTS}/firefox-07-threshold.png` });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('is operated from the keyboard: Tab reaches the buttons and settings, Enter acts, the arrows switch tabs', async () => {
    const { page, problems } = await open('?v=2&data=xor&seed=5');
    await expect.poll(() => weights(page)).toBeDefined();
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    /** Presses Tab until the element with this id has the focus (at most 30 times). */
    const tabTo = async (id: string) => {
      for (let i = 0; i < 30 && (await focused()) !== id; i++) await page.keyboard.press('Tab');
      expect(await focused()).toBe(id);
    };
    await tabTo('step');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => window.playground.steps())).toBe(1);
    await tabTo('lr');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('0.05');
    await page.keyboard.press('Enter');
    await expect.poll(() => href(page)).toContain('lr=0.05');
    expect(await page.evaluate(() => window.playground.steps())).toBe(0); // a new run from the seed
    // A weight of the drawing is reached by Tab too, and reads out its value.
    await tabTo('csv');
    for (let i = 0; i < 40 && !(await page.evaluate(() => document.activeElement?.tagName === 'line')); i++)
      await page.keyboard.press('Tab');
    await expect.poll(() => text(page, '#readout')).toMatch(/^W\[\d,\d\] = −?\d+\.\d+$/);
    // The tab list: the right arrow opens the Exercise tab, the left one goes back.
    await page.$eval('#tab-playground', (b) => (b as HTMLElement).focus());
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.$eval('#tab-exercise', (b) => b.getAttribute('aria-selected'))).toBe('true');
    expect(await focused()).toBe('tab-exercise');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.$eval('#tab-playground', (b) => b.getAttribute('aria-selected'))).toBe('true');
    expect(problems).toEqual([]);
    await page.close();
  });
});
