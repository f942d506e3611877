/**
 * The console's Customers view in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * a billing event makes the pipeline sync its customer from the fake Stripe API after the sync queue's
 * delay, the view shows what was stored, and "Sync now" reads Stripe's truth again after it changed.
 */
import type { Page } from 'playwright-core';
import type { LocalPipeline } from '../../tools/local/pipeline';
import { buildStripeEvent, signStripePayload } from '../../tools/stripe-events';
import { screenshotPath, useConsoleInChromium } from '../support/console-in-chromium';
import { setInStripe as setStripeObject } from '../support/fake-stripe-control';

jest.setTimeout(90_000);

const signingSecret = 'whsec_billing_browser_test_secret_not_real';

const customerId = 'cus_browser_ada';
const subscriptionId = 'sub_browser_ada';

let pipeline: LocalPipeline;
let page: Page;

const setInStripe = (object: Record<string, unknown>) => setStripeObject(pipeline.stripeApiUrl, object);

async function deleteInStripe(type: string, id: string): Promise<void> {
  const response = await fetch(`${pipeline.stripeApiUrl}/_fake/objects/${type}/${id}`, { method: 'DELETE' });
  if (!response.ok) throw new Error(`the fake did not delete ${id}: ${await response.text()}`);
}

const opened = useConsoleInChromium({
  signingSecret,
  resourceNameSuffix: 'billing-browser',
  billingState: true,
  // The sync runs 1 s after the event instead of 5 s.
  billingSyncDelaySeconds: 1,
});

beforeAll(() => {
  ({ pipeline, page } = opened());
});

describe('the Customers view', () => {
  it('shows a customer synced after a subscription event, and Sync now reads the canceled subscription', async () => {
    // Prepare: Stripe's truth, a customer with a card, an active subscription of 2 seats and two entitlements
    const event = buildStripeEvent('customer.subscription.updated', {
      object: { id: subscriptionId, customer: customerId, status: 'active' },
    });
    const subscription = event.data.object as unknown as {
      items: { data: { quantity: number; price: { id: string; lookup_key: string | null; product: unknown } }[] };
    } & Record<string, unknown>;
    const [item] = subscription.items.data;
    if (!item) throw new Error('the built subscription has no item');
    item.quantity = 2;
    item.price.lookup_key = 'pro_monthly';
    await setInStripe({
      id: customerId,
      object: 'customer',
      created: event.created,
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      invoice_settings: { default_payment_method: 'pm_browser_ada' },
    });
    await setInStripe({ id: 'pm_browser_ada', object: 'payment_method', card: { brand: 'visa', last4: '4242' } });
    await setInStripe(subscription);
    for (const [feature, lookupKey] of [
      ['feat_browser_support', 'premium_support'],
      ['feat_browser_seats', 'extra_seats'],
    ] as const) {
      await setInStripe({
        id: `ent_${lookupKey}`,
        object: 'entitlements.active_entitlement',
        feature,
        lookup_key: lookupKey,
        livemode: false,
        customer: customerId,
      });
    }

    // Act: Stripe sends the event (whose payload matches the truth), and the view is open
    const body = JSON.stringify(event, null, 2);
    const delivered = await fetch(pipeline.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(body, signingSecret) },
      body,
    });
    expect(delivered.status).toBe(200);
    await page.goto(`${pipeline.url}/#/customers`);

    // Assess: the list shows it with access, once the delayed sync ran
    const row = page.locator(`#customers tr[data-id="${customerId}"]`);
    await row.locator('.access .status.yes').waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain('ada@example.com');
    expect(await row.locator('.subscriptions .status').allTextContents()).toEqual(['active']);
    expect(await row.locator('a').textContent()).toBe(event.id);
    await page.screenshot({ path: screenshotPath('console-customers') });

    // Its page: the facts, the subscription's item and both entitlements
    await row.click();
    const subscriptionRow = page.locator(`#customer-subscriptions tr[data-id="${subscriptionId}"]`);
    await subscriptionRow.waitFor();
    expect(await page.locator('#customer-title').textContent()).toContain(customerId);
    expect(await page.locator('#customer-meta').textContent()).toContain(`synced by ${event.id} at `);
    const facts = await page.locator('#customer-facts').textContent();
    expect(facts).toContain('Ada Lovelace');
    expect(facts).toContain('visa •••• 4242');
    const cells = await subscriptionRow.locator('td').allTextContents();
    expect(cells[1]).toBe('active');
    expect(cells.slice(5)).toEqual([item.price.id, 'pro_monthly', String(item.price.product), '2']);
    expect(await page.locator('#customer-entitlements td:nth-child(2)').allTextContents()).toEqual(
      expect.arrayContaining(['premium_support', 'extra_seats']),
    );
    await page.screenshot({ path: screenshotPath('console-customer'), fullPage: true });

    // Act: the subscription is canceled in Stripe (its entitlements end with it), and Sync now is pressed
    await setInStripe({ ...subscription, status: 'canceled', ended_at: Math.floor(Date.now() / 1000) });
    await deleteInStripe('entitlements.active_entitlement', 'ent_premium_support');
    await deleteInStripe('entitlements.active_entitlement', 'ent_extra_seats');
    await page.click('#customer-sync');

    // Assess: no access, the subscription canceled, no entitlement, stored by Sync now
    await page.locator('#customer-title .status.no').waitFor();
    expect(await page.locator('#customer-result').textContent()).toContain('access no');
    expect(await subscriptionRow.locator('.status').first().textContent()).toBe('canceled');
    expect(await page.locator('#customer-entitlements-empty').isVisible()).toBe(true);
    expect(await page.locator('#customer-meta').textContent()).toContain('synced by Sync now (no event)');
    await page.setViewportSize({ width: 420, height: 900 });
    await page.screenshot({ path: screenshotPath('console-customer-narrow'), fullPage: true });
    await page.setViewportSize({ width: 1400, height: 1000 });
  });

  it('says a customer that was never synced is not synced yet, with Sync now beside it', async () => {
    // Act
    await page.goto(`${pipeline.url}/#/customers/cus_browser_never_seen`);

    // Assess: a clear sentence, no empty sections
    const missing = page.locator('#customer-missing');
    await missing.waitFor();
    expect(await missing.textContent()).toContain('cus_browser_never_seen is not synced yet');
    expect(await page.locator('#customer-body').isHidden()).toBe(true);
    expect(await page.locator('#customer-sync').isEnabled()).toBe(true);
    await page.screenshot({ path: screenshotPath('console-customer-not-synced') });
  });
});
