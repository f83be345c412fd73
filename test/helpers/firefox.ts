/**
 * Headless Firefox for the browser tests: Debian's /usr/bin/firefox-esr driven by puppeteer-core
 * over WebDriver BiDi (playwright-core drives only its own patched Firefox builds, and
 * puppeteer-core downloads no browser). Without it the tests are skipped locally and fail in
 * CI, where `.ci/run` installs it.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

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
