/** The playground's settings in the URL: a round trip, and garbage replaced by defaults with a message. */
import { describe, expect, it } from 'vitest';
import { DEFAULTS, LINK_VERSION, type Settings, settingsFromQuery, settingsToQuery } from '../../web/src/settings.js';

describe('playground settings in the URL', () => {
  it('round-trips every setting', () => {
    const s: Settings = {
      data: 'spiral',
      noise: 0.2,
      test: 0.3,
      features: ['x1', 'x2', 'x1x2', 'sinx2'],
      hidden: [8, 4],
      act: 'tanh',
      loss: 'mse',
      lr: 0.03,
      batch: 5,
      opt: 'adam',
      l2: 0.001,
      seed: 42,
    };
    const query = settingsToQuery(s);
    expect(query).toContain('hidden=8,4');
    expect(query).toMatch(/^v=2&/);
    expect(LINK_VERSION).toBe(2);
    expect(settingsFromQuery(query)).toEqual({ settings: s, problems: [] });
  });

  it('replaces garbage by the defaults and says so', () => {
    const { settings, problems } = settingsFromQuery('?v=2&lr=fast&batch=0&hidden=4,x&data=mnist&seed=1.5&features=x3');
    expect(settings).toEqual(DEFAULTS);
    expect(problems).toEqual([
      "URL setting data: expected one of xor, circle, gaussians, spiral, breast-cancer, iris, csv, got 'mnist'; using xor",
      "URL setting features: expected features among x1, x2, x1sq, x2sq, x1x2, sinx1, sinx2, got 'x3'; using x1,x2",
      "URL setting hidden: expected units per layer as integers 1–16 separated by commas (e.g. 4,2), got '4,x'; using 4",
      "URL setting lr: expected a number > 0 and ≤ 10, got 'fast'; using 0.1",
      "URL setting batch: expected an integer ≥ 1 and ≤ 1000, got '0'; using 10",
      "URL setting seed: expected an integer ≥ 0 and ≤ 4294967295, got '1.5'; using 1",
    ]);
  });

  it('tells an old link (plain shuffled split) from a current one (stratified split)', () => {
    const old =
      'the train/test split was a plain seeded shuffle then, and is stratified now, so the run differs from the one the link was made with';
    expect(settingsFromQuery('?v=1&data=circle&seed=3')).toEqual({
      settings: { ...DEFAULTS, data: 'circle', seed: 3 },
      problems: [`URL: a version 1 link: ${old}`],
    });
    expect(settingsFromQuery('?data=circle&seed=3').problems).toEqual([
      `URL: a link without a version (v=2) may be from before version 2: if so, ${old}`,
    ]);
    expect(settingsFromQuery('?v=9&seed=3').problems).toEqual([
      "URL setting v: expected 1 or 2, got '9'; read as version 2",
    ]);
    // No settings at all (a bare address, or only the Exercise tab's): nothing to tell.
    expect(settingsFromQuery('').problems).toEqual([]);
    expect(settingsFromQuery('?tab=exercise&exseed=7').problems).toEqual([]);
  });

  it('makes the loss fit the data', () => {
    expect(settingsFromQuery('data=iris&loss=bce').settings.loss).toBe('cce');
    expect(settingsFromQuery('data=xor&loss=cce').settings.loss).toBe('bce');
    expect(settingsFromQuery('data=xor&loss=mse').settings.loss).toBe('mse');
  });
});
