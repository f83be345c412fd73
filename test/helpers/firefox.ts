/**
 * Headless Firefox for the browser tests: Debian's /usr/bin/firefox-esr driven by puppeteer-core
 * over WebDriver BiDi (playwright-core drives only its own patched Firefox builds, and
 * puppeteer-core downloads no browser). Without it the tests are skipped locally and fail in
 * CI, where `.ci/run` installs it.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const FIREFOX = '/usr/bin/firefox-esr';
export const firefoxAvailable = existsSync(FIREFOX);
if (!firefoxAvailable && process.env.CI) throw new Error(`${FIREFOX} is missing: .ci/run must install firefox-esr`);

/** A headless Firefox that asks nothing of the network on its own (no updates, telemetry or safe browsing). */
export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
    },
  });
}

/**
 * `page.setViewport` for Firefox: puppeteer-core 24.43 sends the viewport and a screen
 * orientation override together, and Debian's firefox-esr 140 knows the first command but not
 * the second (`unknown command emulation.setScreenOrientationOverride`). The viewport is set by
 * then; only that refusal is let through.
 */
export async function setViewport(page: Page, width: number, height: number): Promise<void> {
  try {
    await page.setViewport({ width, height });
  } catch (e) {
    if (!String((e as Error).message).includes('emulation.setScreenOrientationOverride')) throw e;
  }
}
