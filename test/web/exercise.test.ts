/**
 * The playground's Exercise tab end to end, in headless Chromium: the problem for a seed (the one
 * `createExercise` gives in Node), answers checked with the library's verdicts (a right δ1, the
 * slide's typo in ∂L/∂W), the worked solution revealed step by step, and seed and level in the URL.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  checkAnswers,
  createExercise,
  describeVerdict,
  type Exercise,
  parseAnswers,
  problemText,
  solveExercise,
} from '../../src/index.js';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { library } from '../helpers/exercise-answers.js';
import { SHOTS, usePlaygroundSite } from '../helpers/playground-site.js';

/** ∂L/∂W as the slide prints it (eq. 6 with σ′(z1) in the last row), computed here from scratch. */
function slideTypoDW(ex: Exercise): number[][] {
  const sigma = (v: number) => 1 / (1 + Math.exp(-v));
  const x = ex.x.map((r) => r[0]);
  const z = ex.W.map((row, i) => row.reduce((s, w, j) => s + w * x[j], ex.b1[i][0]));
  const h = z.map(sigma);
  const yhat = sigma(ex.U[0].reduce((s, u, i) => s + u * h[i], ex.b2));
  const delta1 = yhat - ex.y;
  const last = z.length - 1;
  return ex.U[0].map((u, i) => {
    const hi = h[i === last ? 0 : i];
    return x.map((xj) => delta1 * u * hi * (1 - hi) * xj);
  });
}

describe.runIf(chromiumAvailable)("the playground's Exercise tab in Chromium", () => {
  const site = usePlaygroundSite(launchChromium);

  async function open(query: string): Promise<{ page: Page; problems: string[] }> {
    const page = await site.browser.newPage({ viewport: { width: 1280, height: 720 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${site.url}${query}`);
    return { page, problems };
  }

  const region = (page: Page) => page.getByRole('region', { name: 'Exercise' });
  const verdict = (page: Page, key: string) => region(page).locator(`[data-quantity="${key}"] output`);

  it('shows the problem createExercise gives for the seed and level in the URL', async () => {
    const { page, problems } = await open('?tab=exercise&exseed=7&exlevel=easy');
    const ex = createExercise({ seed: 7, level: 'easy' });
    await expect.poll(() => region(page).isVisible()).toBe(true);
    expect(await page.getByRole('tab', { name: 'Exercise' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByLabel('Problem seed').inputValue()).toBe('7');
    expect(await page.getByLabel('Level').inputValue()).toBe('easy');
    expect(await page.evaluate(() => window.playground.exercise())).toEqual(ex);
    expect(await region(page).locator('#ex-problem').textContent()).toBe(problemText(ex));
    // A field per quantity, each entry labelled in the notes' notation.
    for (const key of ['z', 'h', 'theta', 'yhat', 'loss', 'delta1', 'delta2', 'dW', 'dU', 'db1', 'db2']) {
      await expect(region(page).locator(`[data-quantity="${key}"]`).count()).resolves.toBe(1);
    }
    for (const key of ['W_new', 'b1_new', 'U_new', 'b2_new']) {
      await expect(region(page).locator(`[data-quantity="${key}"]`).count()).resolves.toBe(1);
    }
    await expect(region(page).locator('[data-quantity="dW"] input').count()).resolves.toBe(12);
    await expect(page.getByLabel('∂L/∂W row 4 column 3', { exact: true }).count()).resolves.toBe(1);
    await expect(page.getByLabel('δ1', { exact: true }).count()).resolves.toBe(1);
    await expect(page.getByLabel('δ2 row 1 column 4', { exact: true }).count()).resolves.toBe(1);

    // Another seed and level: a new problem, and the URL follows.
    await page.getByLabel('Problem seed').fill('8');
    await page.getByLabel('Problem seed').press('Enter');
    await page.getByLabel('Level').selectOption('normal');
    const other = createExercise({ seed: 8, level: 'normal' });
    await expect.poll(() => region(page).locator('#ex-problem').textContent()).toBe(problemText(other));
    expect(page.url()).toContain('tab=exercise&exseed=8&exlevel=normal');
    // The tab list from the keyboard: the left arrow goes back to the playground.
    await page.getByRole('tab', { name: 'Exercise' }).focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('tab', { name: 'Playground' }).getAttribute('aria-selected')).toBe('true');
    expect(await region(page).isVisible()).toBe(false);
    expect(page.url()).not.toContain('tab=exercise');
    expect(page.url()).toContain('exseed=8&exlevel=normal');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says a right δ1 is right and names the slide typo in ∂L/∂W', async () => {
    const { page, problems } = await open('?exseed=3&exlevel=normal');
    await page.getByRole('tab', { name: 'Exercise' }).click();
    const ex = createExercise({ seed: 3, level: 'normal' });
    expect(await page.evaluate(() => window.playground.exercise())).toEqual(ex);

    await page.getByLabel('δ1', { exact: true }).fill(library(ex).delta1.toPrecision(4));
    await region(page).getByRole('button', { name: 'Check' }).click();
    await expect.poll(() => verdict(page, 'delta1').textContent()).toBe('right');

    const typo = slideTypoDW(ex);
    for (let i = 0; i < typo.length; i++) {
      for (let j = 0; j < typo[i].length; j++) {
        await page.getByLabel(`∂L/∂W row ${i + 1} column ${j + 1}`, { exact: true }).fill(typo[i][j].toPrecision(4));
      }
    }
    // Enter in a field checks, as the Check button does.
    await page.getByLabel('∂L/∂W row 4 column 3', { exact: true }).press('Enter');
    await expect.poll(() => verdict(page, 'dW').textContent()).toMatch(/^wrong: .*slide's typo/);
    const [expected] = checkAnswers(ex, parseAnswers({ dW: typo }, ex, 'test'));
    expect(expected.mistake?.code).toBe('slide-typo');
    expect(await verdict(page, 'dW').textContent()).toBe(describeVerdict(expected));
    expect(await verdict(page, 'delta1').textContent()).toBe('right');

    // A half-filled quantity is refused with a message, and nothing is judged.
    await page.getByLabel('δ2 row 1 column 2', { exact: true }).fill('0.1');
    await region(page).getByRole('button', { name: 'Check' }).click();
    await expect
      .poll(() => region(page).locator('#ex-check-message').textContent())
      .toBe('δ2 row 1 column 1: empty; fill every entry of a quantity, or none');
    expect(await verdict(page, 'dW').textContent()).toBe('');
    await page.screenshot({ path: `${SHOTS}/08-exercise-checked.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('reveals the worked solution one step at a time, in the notes order', async () => {
    const { page, problems } = await open('?tab=exercise&exseed=5&exlevel=easy');
    const steps = solveExercise(createExercise({ seed: 5, level: 'easy' }));
    const reveal = region(page).getByRole('button', { name: 'Reveal next step' });
    const shown = () =>
      region(page)
        .locator('#ex-solution li')
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.step));
    expect(await shown()).toEqual([]);
    for (let n = 1; n <= 3; n++) {
      await reveal.click();
      expect(await shown()).toEqual(steps.slice(0, n).map((s) => s.key));
    }
    expect(await shown()).toEqual(['z', 'h', 'theta']);
    const first = await region(page).locator('#ex-solution li').first().textContent();
    expect(first).toContain(steps[0].title);
    for (const line of steps[0].work) expect(first).toContain(line);
    // From the keyboard too, to the end; then the button has nothing left to reveal.
    await reveal.focus();
    for (let n = 3; n < steps.length; n++) await page.keyboard.press('Enter');
    expect(await shown()).toEqual(steps.map((s) => s.key));
    expect(await reveal.isDisabled()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/09-exercise-solution.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
