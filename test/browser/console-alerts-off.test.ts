/**
 * A pipeline with the business alerts off (`npm start -- --no-business-alerts`): `GET /_local/alerts` answers
 * 404 `business_alerts_off` saying how to turn them on, and the console's Alerts view says they are off instead
 * of "No alert yet". A file of its own: a pipeline loads its handlers once per test file, with the alerts on
 * in console-alerts.test.ts.
 */
import type { Page } from 'playwright-core';
import type { LocalPipeline } from '../../tools/local/pipeline';
import { screenshotPath, useConsoleInChromium } from '../support/console-in-chromium';

jest.setTimeout(90_000);

let pipeline: LocalPipeline;
let page: Page;

const opened = useConsoleInChromium({
  signingSecret: 'whsec_alerts_off_browser_test_secret_not_real',
  resourceNameSuffix: 'alerts-off-browser',
  businessAlerts: false,
});

beforeAll(() => {
  ({ pipeline, page } = opened());
});

describe('business alerts off', () => {
  it('answers GET /_local/alerts with 404 business_alerts_off, saying how to turn them on', async () => {
    // Act
    const answer = await fetch(`${pipeline.url}/_local/alerts`);

    // Assess
    expect(answer.status).toBe(404);
    const body = (await answer.json()) as { error?: { code?: string; message?: string } };
    expect(body.error?.code).toBe('business_alerts_off');
    expect(body.error?.message).toContain('--no-business-alerts');
    expect(pipeline.alerts()).toEqual([]);
  });

  it('shows the Alerts view as off, with how to turn them on, not as empty', async () => {
    // Act
    await page.goto(`${pipeline.url}/#/alerts`);

    // Assess
    const off = page.locator('#alerts-off');
    await off.waitFor({ timeout: 20_000 });
    expect(await off.textContent()).toContain('npm start -- --no-business-alerts');
    expect(await page.locator('#alerts-count').textContent()).toBe('off');
    expect(await page.locator('#alerts-empty').isVisible()).toBe(false);
    expect(await page.locator('#alerts-loading').isVisible()).toBe(false);
    expect(await page.locator('#alerts').isVisible()).toBe(false);
    await page.screenshot({ path: screenshotPath('console-alerts-off') });
  });
});
