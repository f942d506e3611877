/**
 * The console's Alerts view in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * "Loading…" before the first answer, a triggered `charge.dispute.created` listed with its kind, date and
 * subject, its text opened, and the link to its event; then a layout without a sideways scroll at 420 px as
 * at 1400 px (screenshots in .local/screenshots/console-alerts-{420,1400}.png).
 */
import type { Page } from 'playwright-core';
import type { LocalPipeline } from '../../tools/local/pipeline';
import {
  contentWidthOf,
  dateAndTime,
  holdAnswers,
  screenshotPath,
  triggerFromConsole,
  useConsoleInChromium,
} from '../support/console-in-chromium';

jest.setTimeout(90_000);

let pipeline: LocalPipeline;
let page: Page;

const opened = useConsoleInChromium({
  signingSecret: 'whsec_alerts_browser_test_secret_not_real',
  resourceNameSuffix: 'alerts-browser',
  businessAlerts: true,
});

beforeAll(() => {
  ({ pipeline, page } = opened());
});

const trigger = (type: string) => triggerFromConsole(page, type);

describe('the Alerts view', () => {
  it('says Loading… until the alerts answer, then that there is none yet', async () => {
    // Prepare: the first answer about the alerts waits until the test lets it go
    const held = await holdAnswers(page, '/_local/alerts');

    // Act
    await page.goto(`${pipeline.url}/#/alerts`);

    // Assess
    const loading = page.locator('#alerts-loading');
    await loading.waitFor();
    expect(await loading.textContent()).toBe('Loading…');
    expect(await page.locator('#alerts-empty').isVisible()).toBe(false);
    held.release();
    await page.locator('#alerts-empty').waitFor();
    expect(await page.locator('#alerts-empty').textContent()).toContain('No alert yet');
    expect(await page.locator('#alerts-count').textContent()).toBe('0');
    expect(await page.locator('#nav-alerts').getAttribute('class')).toContain('current');
    await held.stop();
  });

  it('lists a triggered dispute with its kind, date and subject, opens its text, and links to its event', async () => {
    // Act: a dispute, then a failed payout, sent from the console's form
    await page.goto(`${pipeline.url}/#/alerts`);
    const disputeEventId = await trigger('charge.dispute.created');
    const payoutEventId = await trigger('payout.failed');

    // Assess: both listed, the newest first
    const dispute = page.locator(`#alerts li[data-event-id="${disputeEventId}"]`);
    const payout = page.locator(`#alerts li[data-event-id="${payoutEventId}"]`);
    await dispute.waitFor({ timeout: 20_000 });
    await payout.waitFor({ timeout: 20_000 });
    const items = page.locator('#alerts li');
    const kinds: (string | null)[] = [];
    for (let i = 0; i < (await items.count()); i++) kinds.push(await items.nth(i).getAttribute('data-kind'));
    expect(kinds).toEqual(['payout_failed', 'dispute_created']);
    expect(await page.locator('#alerts-count').textContent()).toBe('2');
    expect(await dispute.locator('.alert-kind').textContent()).toBe('dispute_created');
    expect(await dispute.locator('time').textContent()).toMatch(dateAndTime);
    const [recorded] = pipeline.alerts().filter((alert) => alert.eventId === disputeEventId);
    expect(await dispute.locator('summary').textContent()).toBe(recorded?.subject);

    // The text is closed until opened, and stays open across the next polls
    const text = dispute.locator('.alert-text');
    expect(await text.isVisible()).toBe(false);
    await dispute.locator('summary').click();
    await text.waitFor();
    expect(await text.textContent()).toBe(recorded?.text);
    await page.waitForTimeout(1_500);
    expect(await text.isVisible()).toBe(true);
    // A dispute always has its Dashboard link: asserted, not skipped when it is missing.
    expect(recorded?.dashboardUrl).toMatch(/\/disputes\/dp_/);
    expect(await dispute.locator('.alert-dashboard a').getAttribute('href')).toBe(recorded?.dashboardUrl);

    // Its event's page, by the link
    await dispute.locator(`a[href="#/events/${disputeEventId}"]`).click();
    await page.locator('#event-title').filter({ hasText: 'charge.dispute.created' }).waitFor();
  });

  it.each([420, 1400])('lays the Alerts view out within %i px', async (width) => {
    // Prepare: the dispute's text open, the longest thing the view shows
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${pipeline.url}/#/alerts`);
    const first = page.locator('#alerts li[data-kind="dispute_created"]').first();
    await first.waitFor();
    // Opened by the test before (the console keeps it open while the page lives), else opened now
    if (!(await first.locator('.alert-text').isVisible())) await first.locator('summary').click();
    await first.locator('.alert-text').waitFor();

    // Act
    await page.screenshot({ path: screenshotPath(`console-alerts-${width}`), fullPage: true });

    // Assess: no sideways scroll
    expect(await contentWidthOf(page)).toBeLessThanOrEqual(width);
  });
});
