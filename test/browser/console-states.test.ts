/**
 * The console's states in a real headless Chromium (Debian's `chromium`, driven by playwright-core): what it
 * shows before its first answer, for an event id the pipeline never saw, the dates of its times (the Deliveries
 * and Alerts views' too), the step wording of each delivery path, and every view, Deliveries and Alerts
 * included, rendered and without a sideways scroll at 420 px as at 1400 px.
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
/** Set by the test of dates and wording, shown again by the layout test. */
let webhookId: string | undefined;
let alertEventId: string | undefined;

const opened = useConsoleInChromium({
  signingSecret: 'whsec_states_browser_test_secret_not_real',
  resourceNameSuffix: 'states',
  billingState: true,
  businessAlerts: true,
});

beforeAll(() => {
  ({ pipeline, page } = opened());
});

const trigger = (type: string, via: 'webhook' | 'eventbridge') => triggerFromConsole(page, type, { via });

describe('the console states', () => {
  it('says Loading… until its first poll answers, and only then that there are no events yet', async () => {
    // Prepare: the first answer about the events waits until the test lets it go
    const held = await holdAnswers(page, '/_local/events');

    // Act
    await page.goto(`${pipeline.url}/#/`);

    // Assess: loading, not empty, while the answer is held; empty once it came
    const loading = page.locator('#events-loading');
    await loading.waitFor();
    expect(await loading.textContent()).toBe('Loading…');
    expect(await page.locator('#events-empty').isVisible()).toBe(false);
    await page.screenshot({ path: screenshotPath('console-loading') });
    held.release();
    await page.locator('#events-empty').waitFor();
    expect(await page.locator('#events-empty').textContent()).toContain('No events yet');
    expect(await loading.isVisible()).toBe(false);
    await held.stop();
  });

  it('shows only "No event <id>" and a way back for an event id the pipeline never saw', async () => {
    // Prepare: the API does not know it
    const answer = await fetch(`${pipeline.url}/_local/events/evt_nonexistent`);
    expect(answer.status).toBe(404);

    // Act
    await page.goto(`${pipeline.url}/#/events/evt_nonexistent`);

    // Assess: the notice, no Resend, no empty Steps/Emails/Payload
    const missing = page.locator('#event-missing');
    await missing.waitFor();
    expect(await missing.locator('h2').textContent()).toBe('No event evt_nonexistent');
    expect(await page.locator('#event-resend').isVisible()).toBe(false);
    expect(await page.locator('#view-event h3').filter({ visible: true }).count()).toBe(0);
    expect(await page.locator('#event-loading').isVisible()).toBe(false);
    await page.screenshot({ path: screenshotPath('console-event-not-found') });
    await missing.locator('a[href="#/"]').click();
    await page.locator('#view-events').waitFor();
  });

  it('shows dates with times, and says what each path did before the queue', async () => {
    // Act: one event per path
    await page.goto(`${pipeline.url}/#/`);
    webhookId = await trigger('invoice.paid', 'webhook');
    const bridgeId = await trigger('invoice.paid', 'eventbridge');
    await page.locator(`#events tr[data-id="${webhookId}"] .status.processed`).waitFor({ timeout: 20_000 });
    await page.locator(`#events tr[data-id="${bridgeId}"] .status.processed`).waitFor({ timeout: 20_000 });

    // Assess: the list's times have their dates
    for (const id of [webhookId, bridgeId]) {
      const received = await page.locator(`#events tr[data-id="${id}"] td`).first().textContent();
      expect(received).toMatch(dateAndTime);
    }

    // The webhook path verified a signature; the EventBridge path has none to verify
    const received = async (id: string) => {
      await page.goto(`${pipeline.url}/#/events/${id}`);
      const step = page.locator('#event-steps li[data-outcome="received"]');
      await step.waitFor();
      expect(await step.locator('time').textContent()).toMatch(dateAndTime);
      expect(await page.locator('#event-meta').textContent()).toMatch(/first seen [A-Z][a-z]{2} \d{1,2}, \d{4}, /);
      return (await step.textContent()) ?? '';
    };
    expect(await received(webhookId)).toContain('delivery 1 via webhook: signature verified and queued');
    const bridgeStep = await received(bridgeId);
    expect(bridgeStep).toContain('delivery 1 via eventbridge: received from EventBridge and queued');
    expect(bridgeStep).not.toContain('verified');
    await page.screenshot({ path: screenshotPath('console-event-eventbridge'), fullPage: true });

    // The Deliveries view's times and the Alerts view's have their dates too
    await page.goto(`${pipeline.url}/#/deliveries`);
    const delivery = page.locator(`#deliveries li.delivery[data-event-id="${webhookId}"]`);
    await delivery.waitFor({ timeout: 20_000 });
    expect(await delivery.locator('time').textContent()).toMatch(dateAndTime);
    alertEventId = await triggerFromConsole(page, 'payout.failed');
    await page.goto(`${pipeline.url}/#/alerts`);
    const alert = page.locator(`#alerts li[data-event-id="${alertEventId}"]`);
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.locator('time').textContent()).toMatch(dateAndTime);
  });

  it.each([420, 1400])('lays every view out within %i px, tables scrolling in their own box', async (width) => {
    if (!webhookId || !alertEventId) throw new Error('the test of dates and wording did not trigger its events');
    await page.setViewportSize({ width, height: 900 });
    // Each view with what shows once it rendered (a list: its "Loading…" gone).
    const views: { name: string; hash: string; ready: string; state?: 'hidden' }[] = [
      { name: 'events', hash: '#/', ready: `#events tr[data-id="${webhookId}"]` },
      { name: 'event', hash: `#/events/${webhookId}`, ready: '#event-emails .email' },
      { name: 'event-not-found', hash: '#/events/evt_nonexistent', ready: '#event-missing' },
      { name: 'dead-letters', hash: '#/dead-letters', ready: '#dlq-loading', state: 'hidden' },
      { name: 'suppressions', hash: '#/suppressions', ready: '#suppressions-loading', state: 'hidden' },
      { name: 'customers', hash: '#/customers', ready: '#customers-loading', state: 'hidden' },
      { name: 'customer', hash: '#/customers/cus_states_unknown', ready: '#customer-missing' },
      { name: 'deliveries', hash: '#/deliveries', ready: `#deliveries li.delivery[data-event-id="${webhookId}"]` },
      { name: 'alerts', hash: '#/alerts', ready: `#alerts li[data-event-id="${alertEventId}"]` },
    ];
    for (const view of views) {
      await page.goto(`${pipeline.url}/${view.hash}`);
      const section = page.locator(`#view-${view.name.startsWith('event-') ? 'event' : view.name}`);
      await section.waitFor();
      await page.locator(view.ready).waitFor({ state: view.state ?? 'visible', timeout: 20_000 });
      await page.screenshot({ path: screenshotPath(`console-${view.name}-${width}`), fullPage: true });
      // Rendered: its "Loading…" gone, as it is once the view's first answer came.
      const loading = await section.locator('.loading').isVisible();
      expect({ view: view.name, loading }).toEqual({ view: view.name, loading: false });
      const fits = (await contentWidthOf(page)) <= width;
      expect({ view: view.name, fits }).toEqual({ view: view.name, fits: true });
    }
  });
});
