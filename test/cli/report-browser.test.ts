/**
 * The HTML report as a person sees it: opened in headless Chromium, it must load with no
 * console or page errors, no network requests, and four charts that actually render.
 * Chromium comes from the system (`.ci/run` installs Debian's); without it this suite is
 * skipped locally and fails in CI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { IRIS, run, tempDir } from './run-cli.js';

describe.runIf(chromiumAvailable)('the HTML report in Chromium', () => {
  it('renders its charts without errors or network requests', async () => {
    const dir = tempDir();
    const r = run(
      ['train', IRIS, '--hidden', '8', '--epochs', '30', '--out', 'm.json', '--report', 'r.html', '--quiet'],
      dir,
    );
    expect(r.code).toBe(0);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (req) => requests.push(req.url()));
      const url = pathToFileURL(join(dir, 'r.html')).href;
      await page.goto(url);
      const charts = await page.$$eval('svg', (svgs) =>
        svgs.map((s) => {
          const box = s.getBoundingClientRect();
          const lines = [...s.querySelectorAll('polyline, path, line')] as SVGGeometryElement[];
          return {
            width: box.width,
            height: box.height,
            drawn: lines.reduce((n, l) => n + l.getTotalLength(), 0),
            text: s.textContent ?? '',
          };
        }),
      );
      expect(problems).toEqual([]);
      expect(requests).toEqual([url]); // the file itself, nothing else
      expect(charts).toHaveLength(4);
      for (const c of charts) {
        expect(c.width).toBeGreaterThan(100);
        expect(c.height).toBeGreaterThan(100);
      }
      // Loss, accuracy and ROC curves have drawn lines; the confusion matrix shows its counts.
      for (const c of charts.slice(0, 3)) expect(c.drawn).toBeGreaterThan(100);
      expect(charts[3].text).toMatch(/setosa/);
      const png = join(dir, 'report.png');
      await page.screenshot({ path: png, fullPage: true });
      expect(readFileSync(png).length).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  });
});
