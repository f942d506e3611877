/**
 * The console's Deliveries view and an event's deliveries in a real headless Chromium: every request to the
 * endpoint, the newest first, refused ones highlighted with their error and what to fix, at 420 px as at 1400 px.
 */
import type { Page } from 'playwright-core';
import type { LocalPipeline } from '../../tools/local/pipeline';
import { buildStripeEvent, signStripePayload } from '../../tools/stripe-events';
import {
  contentWidthOf,
  dateAndTime,
  holdAnswers,
  screenshotPath,
  useConsoleInChromium,
} from '../support/console-in-chromium';

jest.setTimeout(90_000);

const signingSecret = 'whsec_deliveries_browser_test_secret_not_real';

let pipeline: LocalPipeline;
let page: Page;

const opened = useConsoleInChromium({
  signingSecret,
  resourceNameSuffix: 'deliveries-browser',
});

beforeAll(() => {
  ({ pipeline, page } = opened());
});

/** Each item's `data-status`, in the order shown. */
async function statusesShown(items: ReturnType<Page['locator']>): Promise<(string | null)[]> {
  const statuses: (string | null)[] = [];
  for (let i = 0; i < (await items.count()); i += 1) statuses.push(await items.nth(i).getAttribute('data-status'));
  return statuses;
}

/** POSTs `body` to the webhook, signed as given (by default with the pipeline's own secret). */
async function deliver(body: string | Buffer, signature = signStripePayload(body.toString(), signingSecret)) {
  return (
    await fetch(pipeline.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body,
    })
  ).status;
}

const accepted = buildStripeEvent('invoice.paid');
const retried = buildStripeEvent('invoice.payment_failed');
const neverAccepted = buildStripeEvent('customer.created');

describe('the Deliveries view', () => {
  it('says Loading… until the deliveries answer, and only then that there are none yet', async () => {
    // Prepare: the first answer about the deliveries waits until the test lets it go
    const held = await holdAnswers(page, '/_local/deliveries');

    // Act
    await page.goto(`${pipeline.url}/#/deliveries`);

    // Assess
    const loading = page.locator('#deliveries-loading');
    await loading.waitFor();
    expect(await loading.textContent()).toBe('Loading…');
    expect(await page.locator('#deliveries-empty').isVisible()).toBe(false);
    held.release();
    await page.locator('#deliveries-empty').waitFor();
    expect(await page.locator('#deliveries-empty').textContent()).toContain('No delivery yet');
    expect(await loading.isVisible()).toBe(false);
    await held.stop();
  });

  it('lists every delivery newest first, a refused one highlighted with its error and the hint', async () => {
    // Prepare: accepted; a wrong secret then right (as after fixing STRIPE_WEBHOOK_SECRET); a GET; too large; never accepted
    const acceptedBody = JSON.stringify(accepted);
    const retriedBody = JSON.stringify(retried);
    const neverBody = JSON.stringify(neverAccepted);
    const statuses = [
      await deliver(acceptedBody),
      await deliver(retriedBody, signStripePayload(retriedBody, 'whsec_the_stripe_cli_secret_not_given')),
      await deliver(retriedBody),
      (await fetch(pipeline.webhookUrl)).status,
      await deliver('x'.repeat(5 * 1024 * 1024 + 1), 't=1,v1=00'),
      await deliver(JSON.stringify(neverAccepted, null, 2), signStripePayload(neverBody, signingSecret)),
    ];
    expect(statuses).toEqual([200, 400, 200, 405, 413, 400]);

    // Act
    await page.goto(`${pipeline.url}/#/deliveries`);
    const items = page.locator('#deliveries li.delivery');
    await items.nth(5).waitFor();

    // Assess: the newest first, each with its date and time
    expect(await statusesShown(items)).toEqual(['400', '413', '405', '200', '400', '200']);
    for (const time of await items.locator('time').allTextContents()) expect(time).toMatch(dateAndTime);
    // Refused ones highlighted, with the receiver's message and what to fix
    expect(await page.locator('#deliveries li.delivery.refused').count()).toBe(4);
    const mismatch = page.locator(`#deliveries li[data-code="signature_mismatch"][data-event-id="${retried.id}"]`);
    expect(await mismatch.locator('.delivery-message').textContent()).toContain('No v1 signature');
    const hint = (await mismatch.locator('.delivery-hint').textContent()) ?? '';
    expect(hint).toContain('whsec_…real, from STRIPE_WEBHOOK_SECRET');
    expect(hint).toContain('raw body');
    expect(hint).not.toContain(signingSecret);
    expect(await page.locator('#deliveries li[data-code="method_not_allowed"] .delivery-hint').textContent()).toContain(
      'POST /webhook',
    );
    expect(await page.locator('#deliveries li[data-code="payload_too_large"] .delivery-numbers').textContent()).toMatch(
      /ms · 5\.0 MB$/,
    );
    const highlight = await page.evaluate(
      "getComputedStyle(document.querySelector('#deliveries li.delivery.refused')).borderLeftColor",
    );
    expect(highlight).toBe('rgb(223, 27, 65)');
    // An accepted one: no message, no hint; the count in the navigation
    const ok = page.locator(`#deliveries li[data-status="200"][data-event-id="${accepted.id}"]`);
    expect(await ok.locator('.delivery-message, .delivery-hint').count()).toBe(0);
    expect(await page.locator('#deliveries-count').textContent()).toBe('6');

    // The filter shows the refused ones only
    await page.selectOption('#deliveries-filter', 'problem');
    expect(await items.count()).toBe(4);
    await page.selectOption('#deliveries-filter', '');
  });

  it.each([1400, 420])('fits %i px, and each delivery of an event links to its page', async (width) => {
    // Prepare
    await page.setViewportSize({ width, height: 900 });

    // Act
    await page.goto(`${pipeline.url}/#/deliveries`);
    await page.locator('#deliveries li.delivery').nth(5).waitFor();
    await page.screenshot({ path: screenshotPath(`console-deliveries-${width}`), fullPage: true });

    // Assess: nothing wider than the window
    expect(await contentWidthOf(page)).toBeLessThanOrEqual(width);
    const links = page.locator('#deliveries li.delivery a.id');
    expect(await links.count()).toBe(4); // the GET and the 413 carry no event
    await page.locator(`#deliveries li[data-event-id="${accepted.id}"] a.id`).click();
    await page.locator('#event-deliveries li.delivery').waitFor();
    expect(page.url()).toContain(`#/events/${accepted.id}`);
  });
});

describe("an event's page", () => {
  it('shows each delivery of the event with its status and latency, the refused one with its hint', async () => {
    // Prepare
    await page.setViewportSize({ width: 1400, height: 1000 });

    // Act
    await page.goto(`${pipeline.url}/#/events/${retried.id}`);
    const items = page.locator('#event-deliveries li.delivery');
    await items.nth(1).waitFor();

    // Assess: the retry accepted after the refusal, newest first, each with its status and latency
    expect(await statusesShown(items)).toEqual(['200', '400']);
    for (const numbers of await items.locator('.delivery-numbers').allTextContents()) {
      expect(numbers).toMatch(/^\d+(\.\d)? ms · \d+(\.\d)? KB$/);
    }
    expect(await items.nth(1).locator('.delivery-hint').textContent()).toContain('whsec_…real');
    expect(await page.locator('#event-deliveries a.id').count()).toBe(0); // already on its page
    await page.screenshot({ path: screenshotPath('console-event-deliveries-1400'), fullPage: true });
  });

  it('shows the refusals of an event never accepted instead of "No event", and "No event" for an id never delivered', async () => {
    // Act
    await page.goto(`${pipeline.url}/#/events/${neverAccepted.id}`);
    const refused = page.locator('#event-refused');
    await refused.waitFor();

    // Assess
    expect(await refused.locator('h2').textContent()).toBe(`Event ${neverAccepted.id}: every delivery refused`);
    expect(await refused.locator('li.delivery[data-code="signature_mismatch"] .delivery-hint').textContent()).toContain(
      're-serialized',
    );
    expect(await page.locator('#event-missing').isVisible()).toBe(false);
    expect(await page.locator('#event-resend').isVisible()).toBe(false);
    await page.screenshot({ path: screenshotPath('console-event-refused-1400'), fullPage: true });
    await page.goto(`${pipeline.url}/#/events/evt_never_delivered_here`);
    await page.locator('#event-missing').waitFor();
    expect(await refused.isVisible()).toBe(false);
  });
});
