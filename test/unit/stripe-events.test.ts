import Stripe from 'stripe';
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
};

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
    expect(event.data.object.object).toBe(expectedResource[type]);
    expect(event.data.object.id).toMatch(/^[a-z]+_test_/);
  });

  it.each(supportedEventTypes)('uses only example.com addresses and links in %s', (type) => {
    // Prepare
    const event = buildStripeEvent(type);

    // Act
    const json = JSON.stringify(event);
    const emails = json.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) ?? [];
    const hosts = [...json.matchAll(/https?:\/\/([^/"]+)/g)].map((match) => match[1]);

    // Assess
    // A subscription names its customer by id only: no address to check, but then none at all.
    if (type.startsWith('customer.subscription.')) expect(emails).toEqual([]);
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
