import Stripe from 'stripe';
import { billingSyncEventTypes } from '../../functions/billing-state/billing-sync-types';
import {
  buildStripeEvent,
  InvalidEventOptionError,
  InvalidSignatureInputError,
  type SupportedEventType,
  signStripePayload,
  supportedEventTypes,
  toStripeWebhookBody,
  UnsupportedEventTypeError,
} from '../../tools/stripe-events';

const secret = 'whsec_unit_test_secret';

const expectedResource: Record<SupportedEventType, string> = {
  'invoice.paid': 'invoice',
  'invoice.payment_failed': 'invoice',
  'invoice.payment_action_required': 'invoice',
  'invoice.upcoming': 'invoice',
  'customer.subscription.trial_will_end': 'subscription',
  'customer.subscription.deleted': 'subscription',
  'checkout.session.completed': 'checkout.session',
  'charge.refunded': 'charge',
  'payment_intent.succeeded': 'payment_intent',
  'customer.created': 'customer',
  'customer.updated': 'customer',
  'customer.deleted': 'customer',
  'customer.subscription.created': 'subscription',
  'customer.subscription.updated': 'subscription',
  'customer.subscription.paused': 'subscription',
  'customer.subscription.resumed': 'subscription',
  'invoice.payment_succeeded': 'invoice',
  'invoice.marked_uncollectible': 'invoice',
  'checkout.session.async_payment_succeeded': 'checkout.session',
  'checkout.session.async_payment_failed': 'checkout.session',
  'entitlements.active_entitlement_summary.updated': 'entitlements.active_entitlement_summary',
};

/**
 * The built types the billing sync listens to, less checkout.session.completed: that one is a guest
 * Checkout (`customer: null`), which the sync skips.
 */
const billingSyncTypes = supportedEventTypes.filter(
  (type) =>
    type !== 'checkout.session.completed' &&
    billingSyncEventTypes.some((synced) => (synced.endsWith('.') ? type.startsWith(synced) : type === synced)),
);

/** Types whose object names its customer by id only, so it carries no email address. */
const namesCustomerByIdOnly = (type: SupportedEventType) =>
  type.startsWith('customer.subscription.') || type.startsWith('entitlements.');

/** The customer id an event is about: the customer itself for `customer.*`, else the object's `customer`. */
function customerOf(type: SupportedEventType, object: { object: string; id?: string; customer?: unknown }): unknown {
  return type.startsWith('customer.') && object.object === 'customer' ? object.id : object.customer;
}

describe('buildStripeEvent', () => {
  it.each(supportedEventTypes)('builds a %s event around the right resource', (type) => {
    // Prepare
    const before = Math.floor(Date.now() / 1000);

    // Act
    const event = buildStripeEvent(type);

    // Assess
    expect(event.type).toBe(type);
    expect(event.object).toBe('event');
    expect(event.id).toMatch(/^evt_test_[A-Za-z0-9]{16}$/);
    expect(event.api_version).toBe(Stripe.API_VERSION);
    expect(event.livemode).toBe(false);
    expect(event.pending_webhooks).toBe(1);
    expect(event.request).toEqual({ id: null, idempotency_key: null });
    expect(event.created).toBeGreaterThanOrEqual(before);
    expect(event.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    const object: { object: string; id?: string } = event.data.object;
    expect(object.object).toBe(expectedResource[type]);
    // A summary has no id of its own: it is the customer's.
    if (type === 'entitlements.active_entitlement_summary.updated') expect(object.id).toBeUndefined();
    else expect(object.id).toMatch(/^[a-z]+_test_/);
  });

  it.each(billingSyncTypes)('names a test customer in %s, as the billing sync needs', (type) => {
    // Act
    const event = buildStripeEvent(type);

    // Assess
    expect(customerOf(type, event.data.object)).toMatch(/^cus_test_[A-Za-z0-9]{16}$/);
  });

  it.each(supportedEventTypes.filter((type) => !type.endsWith('.updated')))(
    'sends previous_attributes only with an update, not with %s',
    (type) => {
      // Act
      const event = buildStripeEvent(type);

      // Assess
      expect(event.data).not.toHaveProperty('previous_attributes');
    },
  );

  it.each(supportedEventTypes)('uses only example.com addresses and links in %s', (type) => {
    // Prepare
    const event = buildStripeEvent(type);

    // Act
    const json = JSON.stringify(event);
    const emails = json.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) ?? [];
    const hosts = [...json.matchAll(/https?:\/\/([^/"]+)/g)].map((match) => match[1]);

    // Assess
    // A subscription or an entitlement summary names its customer by id only: no address to check, but then none at all.
    if (namesCustomerByIdOnly(type)) expect(emails).toEqual([]);
    else expect(emails.length).toBeGreaterThan(0);
    expect(emails.filter((email) => !email.endsWith('@example.com'))).toEqual([]);
    expect(hosts.filter((host) => host !== 'example.com')).toEqual([]);
  });

  it('fills an invoice.paid event with a coherent paid invoice', () => {
    // Prepare
    const created = 1_795_000_000;

    // Act
    const invoice = buildStripeEvent('invoice.paid', { created }).data.object;

    // Assess
    expect(invoice).toMatchObject({
      status: 'paid',
      customer_email: 'jenny.rosen@example.com',
      customer_name: 'Jenny Rosen',
      amount_due: 2000,
      amount_paid: 2000,
      amount_remaining: 0,
      total: 2000,
      currency: 'usd',
      number: 'INV-0001',
      hosted_invoice_url: `https://example.com/invoices/${invoice.id}`,
      status_transitions: { paid_at: created },
    });
    expect(invoice.lines.data).toHaveLength(1);
    expect(invoice.lines.data[0]).toMatchObject({ amount: 2000, currency: 'usd', invoice: invoice.id });
    expect(invoice.lines.data[0]?.description).toEqual(expect.any(String));
  });

  it('fills a checkout.session.completed event with a paid, complete session', () => {
    // Prepare
    const type = 'checkout.session.completed';

    // Act
    const session = buildStripeEvent(type).data.object;

    // Assess
    expect(session).toMatchObject({
      customer_details: { email: 'jenny.rosen@example.com', name: 'Jenny Rosen' },
      amount_total: 2000,
      currency: 'usd',
      payment_status: 'paid',
      status: 'complete',
    });
  });

  it.each([
    ['customer.subscription.created', 'active'],
    ['customer.subscription.updated', 'active'],
    ['customer.subscription.paused', 'paused'],
    ['customer.subscription.resumed', 'active'],
  ] as const)('fills a %s event with a %s, uncanceled subscription', (type, status) => {
    // Act
    const subscription = buildStripeEvent(type).data.object;

    // Assess
    expect(subscription).toMatchObject({
      status,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      ended_at: null,
      pause_collection: null,
    });
    expect(subscription.items.data).toHaveLength(1);
    expect(subscription.items.data[0]?.subscription).toBe(subscription.id);
  });

  it('shows the old status of an updated subscription in previous_attributes', () => {
    // Act
    const { data } = buildStripeEvent('customer.subscription.updated');

    // Assess
    expect(data.object.status).toBe('active');
    expect(data.previous_attributes).toEqual({ status: 'past_due' });
  });

  it('pauses a subscription whose trial ended without a payment method, and resumes it with one', () => {
    // Prepare
    const created = 1_795_000_000;

    // Act
    const paused = buildStripeEvent('customer.subscription.paused', { created }).data.object;
    const resumed = buildStripeEvent('customer.subscription.resumed', { created }).data.object;

    // Assess
    expect(paused).toMatchObject({
      trial_end: created,
      default_payment_method: null,
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
    });
    expect(resumed.default_payment_method).toMatch(/^pm_test_/);
    expect(resumed.items.data[0]).toMatchObject({ current_period_start: created });
    expect(resumed.items.data[0]?.current_period_end).toBeGreaterThan(created);
  });

  it('shows the default payment method a customer.updated event changed', () => {
    // Act
    const { data } = buildStripeEvent('customer.updated');

    // Assess
    expect(data.object.invoice_settings.default_payment_method).toMatch(/^pm_test_/);
    expect(data.previous_attributes).toEqual({ invoice_settings: { default_payment_method: null } });
  });

  it("sends the deleted customer's last full state in customer.deleted, as Stripe does", () => {
    // Act
    const customer = buildStripeEvent('customer.deleted').data.object;

    // Assess
    expect(customer).toMatchObject({ object: 'customer', email: 'jenny.rosen@example.com', name: 'Jenny Rosen' });
    expect(customer).not.toHaveProperty('deleted');
  });

  it.each([
    ['invoice.payment_succeeded', 'paid', 2000, 0],
    ['invoice.marked_uncollectible', 'uncollectible', 0, 2000],
  ] as const)('fills an %s event with an invoice that is %s', (type, status, paid, remaining) => {
    // Prepare
    const created = 1_795_000_000;

    // Act
    const invoice = buildStripeEvent(type, { created }).data.object;

    // Assess
    expect(invoice).toMatchObject({ status, amount_due: 2000, amount_paid: paid, amount_remaining: remaining });
    expect(invoice.next_payment_attempt).toBeNull();
    const transitions = invoice.status_transitions;
    expect([transitions.paid_at, transitions.marked_uncollectible_at]).toEqual(
      status === 'paid' ? [created, null] : [null, created],
    );
  });

  it.each([
    ['checkout.session.async_payment_succeeded', 'paid'],
    ['checkout.session.async_payment_failed', 'unpaid'],
  ] as const)('fills a %s event with a complete session whose payment is %s', (type, paymentStatus) => {
    // Act
    const session = buildStripeEvent(type).data.object;

    // Assess
    expect(session).toMatchObject({ status: 'complete', payment_status: paymentStatus, amount_total: 2000 });
    expect(session.payment_method_types).not.toContain('card');
  });

  it('fills an entitlement summary with features and lookup keys, the last one new', () => {
    // Act
    const { data } = buildStripeEvent('entitlements.active_entitlement_summary.updated');

    // Assess
    const { entitlements } = data.object;
    expect(entitlements).toMatchObject({ object: 'list', has_more: false });
    expect(entitlements.url).toContain(data.object.customer);
    expect(entitlements.data.length).toBeGreaterThanOrEqual(2);
    for (const entitlement of entitlements.data) {
      expect(entitlement).toMatchObject({ object: 'entitlements.active_entitlement', livemode: false });
      expect(entitlement.feature).toMatch(/^feat_test_/);
      expect(entitlement.lookup_key).toEqual(expect.any(String));
    }
    expect(data.previous_attributes?.entitlements?.data).toEqual(entitlements.data.slice(0, -1));
  });

  it('applies id, created and livemode to the envelope and the object', () => {
    // Prepare
    const options = { id: 'evt_test_fixed', created: 1_700_000_000, livemode: true };

    // Act
    const event = buildStripeEvent('invoice.paid', options);

    // Assess
    expect(event).toMatchObject({ id: 'evt_test_fixed', created: 1_700_000_000, livemode: true });
    expect(event.data.object).toMatchObject({ created: 1_700_000_000, livemode: true });
  });

  it('merges an object override at any depth, replacing arrays and keeping null', () => {
    // Prepare
    const object = {
      currency: 'jpy',
      amount_paid: 1500,
      customer_email: null,
      status_transitions: { paid_at: 42 },
      lines: { data: [] },
    };

    // Act
    const invoice = buildStripeEvent('invoice.paid', { object }).data.object;

    // Assess
    expect(invoice.currency).toBe('jpy');
    expect(invoice.amount_paid).toBe(1500);
    expect(invoice.customer_email).toBeNull();
    expect(invoice.status_transitions.paid_at).toBe(42);
    expect(invoice.status_transitions.finalized_at).toBe(invoice.created);
    expect(invoice.lines.data).toEqual([]);
    expect(invoice.lines.object).toBe('list');
  });

  it('applies amount, currency and email to every field that carries them', () => {
    // Prepare
    const options = { amount: 1500, currency: 'JPY', email: 'yen@example.com' };

    // Act
    const invoice = buildStripeEvent('invoice.paid', options).data.object;
    const charge = buildStripeEvent('charge.refunded', options).data.object;

    // Assess
    expect(invoice).toMatchObject({
      amount_paid: 1500,
      total: 1500,
      currency: 'jpy',
      customer_email: 'yen@example.com',
    });
    expect(invoice.lines.data[0]).toMatchObject({ amount: 1500, currency: 'jpy' });
    expect(charge).toMatchObject({
      amount: 1500,
      amount_refunded: 1500,
      currency: 'jpy',
      receipt_email: 'yen@example.com',
    });
    expect(charge.refunds?.data[0]).toMatchObject({ amount: 1500, currency: 'jpy', charge: charge.id });
  });

  it('gives every event its own deep copy of the fixture', () => {
    // Prepare
    const first = buildStripeEvent('invoice.paid');
    const firstLine = first.data.object.lines.data[0];
    if (firstLine) firstLine.description = 'changed by a test';

    // Act
    const second = buildStripeEvent('invoice.paid');

    // Assess
    expect(second.id).not.toBe(first.id);
    expect(second.data.object.id).not.toBe(first.data.object.id);
    expect(second.data.object.lines.data[0]?.description).not.toBe('changed by a test');
  });

  it('refuses an unsupported type, naming the supported ones', () => {
    // Prepare: the cast stands for a caller without types, such as one reading the type from JSON
    const type = 'plan.created' as SupportedEventType;

    // Act
    const build = () => buildStripeEvent(type);

    // Assess
    expect(build).toThrow(UnsupportedEventTypeError);
    expect(build).toThrow(`Supported types: ${supportedEventTypes.join(', ')}`);
  });

  it.each([
    [{ amount: 20.5 }, /"amount" is 20.5/],
    [{ currency: 'dollars' }, /"currency" is "dollars"/],
    [{ created: Date.now() }, /"created" is \d+, but it must be a positive whole number of seconds/],
  ])('refuses the invalid option %j', (options, message) => {
    // Prepare
    const type = 'invoice.paid';

    // Act
    const build = () => buildStripeEvent(type, options);

    // Assess
    expect(build).toThrow(InvalidEventOptionError);
    expect(build).toThrow(message);
  });
});

describe('signStripePayload', () => {
  it('makes a signature that stripe.webhooks.constructEvent accepts', () => {
    // Prepare
    const event = buildStripeEvent('invoice.paid');
    const body = toStripeWebhookBody(event);

    // Act
    const header = signStripePayload(body, secret);

    // Assess
    expect(Stripe.webhooks.constructEvent(body, header, secret).id).toBe(event.id);
    expect(Stripe.webhooks.constructEvent(Buffer.from(body, 'utf8'), header, secret).id).toBe(event.id);
  });

  it('signs at the given timestamp', () => {
    // Prepare
    const timestamp = Math.floor(Date.now() / 1000) - 60;
    const body = toStripeWebhookBody(buildStripeEvent('customer.created'));

    // Act
    const header = signStripePayload(body, secret, timestamp);

    // Assess
    expect(header).toMatch(new RegExp(`^t=${timestamp},v1=[0-9a-f]{64}$`));
    expect(() => Stripe.webhooks.constructEvent(body, header, secret)).not.toThrow();
  });

  it('makes a signature that fails for another secret, another body or an old timestamp', () => {
    // Prepare
    const body = toStripeWebhookBody(buildStripeEvent('invoice.paid'));
    const header = signStripePayload(body, secret);
    const oldHeader = signStripePayload(body, secret, Math.floor(Date.now() / 1000) - 301);

    // Act
    const withOtherSecret = () => Stripe.webhooks.constructEvent(body, header, 'whsec_other');
    const withOtherBody = () => Stripe.webhooks.constructEvent(body.replace('2000', '2001'), header, secret);
    const tooOld = () => Stripe.webhooks.constructEvent(body, oldHeader, secret);

    // Assess
    expect(withOtherSecret).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(withOtherBody).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(tooOld).toThrow(/Timestamp outside the tolerance zone/);
  });

  it.each([
    ['', undefined, /signing secret is empty/],
    [secret, Date.now(), /not whole seconds since the epoch/],
    [secret, 0, /not whole seconds since the epoch/],
  ])('refuses secret %j with timestamp %p', (signingSecret, timestamp, message) => {
    // Prepare
    const body = '{}';

    // Act
    const sign = () => signStripePayload(body, signingSecret, timestamp);

    // Assess
    expect(sign).toThrow(InvalidSignatureInputError);
    expect(sign).toThrow(message);
  });
});
