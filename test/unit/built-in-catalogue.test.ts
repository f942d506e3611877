import type Stripe from 'stripe';
import { resolveEmailSettings } from '../../config/email-settings';
import { consumeEvent } from '../../functions/consumer/consume-event';
import { buildRegistry, subscribedTypesOf } from '../../functions/consumer/define-subscriptions';
import {
  type BuiltInEmailsOptions,
  builtInEmails,
  enabledBuiltInEmailTypes,
  UnknownBuiltInEmailError,
} from '../../functions/consumer/emails/built-in-emails';
import {
  type StripeApi,
  StripeApiError,
  StripeObjectNotFoundError,
  unconfiguredStripeApi,
} from '../../functions/shared/stripe-api/port';
import { buildStripeEvent, type SupportedEventType } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';

const customerId = 'cus_test_catalogue';

function customer(overrides: Partial<Stripe.Customer> = {}): Stripe.Customer {
  const base = buildStripeEvent('customer.created').data.object;
  return { ...base, id: customerId, email: 'claire.dubois@example.com', preferred_locales: ['fr'], ...overrides };
}

/** A Stripe API port that answers from a map and counts its calls. */
function fakeStripe(customers: Record<string, Stripe.Customer | Stripe.DeletedCustomer | Error>) {
  const calls: string[] = [];
  const api: StripeApi = {
    ...unconfiguredStripeApi,
    async retrieveCustomer(id) {
      calls.push(id);
      const found = customers[id];
      if (found === undefined) throw new StripeObjectNotFoundError(`No such customer: '${id}'`);
      if (found instanceof Error) throw found;
      return found;
    },
    async retrieveSubscription(id) {
      throw new StripeObjectNotFoundError(`No such subscription: '${id}'`);
    },
  };
  return { api, calls };
}

function consumerWith(stripe: StripeApi, options: BuiltInEmailsOptions = {}) {
  const mailer = new RecordingMailer();
  const counted: string[] = [];
  const logger = new RecordingLogger();
  const deps = {
    registry: buildRegistry(builtInEmails(options)),
    store: new InMemoryIdempotencyStore(),
    mailer,
    logger,
    metrics: { count: (name: string) => counted.push(name) },
    now: () => new Date('2026-12-01T10:00:00Z'),
    inProgressExpirySeconds: 60,
    retentionDays: 30,
    stripe,
    emailSettings: resolveEmailSettings({ emailBusinessName: 'Acme Test Shop', emailDefaultLocale: 'de' }),
  };
  return { mailer, counted, logger, consume: (event: unknown) => consumeEvent(JSON.stringify(event), deps) };
}

const onCustomer = { customer: customerId };

describe('the built-in email catalogue', () => {
  it('sends exactly one email for each catalogue event, to the address the event or the customer gives', async () => {
    // Prepare
    const { api } = fakeStripe({ [customerId]: customer() });
    const { mailer, consume } = consumerWith(api, { on: ['invoice.upcoming'] });
    const events: Array<[SupportedEventType, object]> = [
      ['invoice.paid', { customer_email: 'paid@example.com', ...onCustomer }],
      ['checkout.session.completed', { mode: 'payment', customer_details: { email: 'order@example.com' } }],
      ['invoice.payment_failed', { customer_email: 'failed@example.com', ...onCustomer }],
      ['invoice.payment_action_required', { customer_email: 'action@example.com', ...onCustomer }],
      ['charge.refunded', { receipt_email: 'refund@example.com' }],
      ['customer.subscription.trial_will_end', onCustomer],
      ['customer.subscription.deleted', onCustomer],
      ['invoice.upcoming', { customer_email: 'renewal@example.com', ...onCustomer }],
    ];
    // Act
    for (const [type, object] of events) {
      const outcome = await consume(buildStripeEvent(type, { object } as never));
      expect(outcome.status).toBe('processed');
    }
    // Assess
    expect(mailer.sent.map((email) => email.to)).toEqual([
      'paid@example.com',
      'order@example.com',
      'failed@example.com',
      'action@example.com',
      'refund@example.com',
      'claire.dubois@example.com',
      'claire.dubois@example.com',
      'renewal@example.com',
    ]);
    expect(new Set(mailer.sent.map((email) => email.subject)).size).toBe(events.length);
  });

  it("writes in the customer's preferred language, else the Checkout's locale, else the configured default", async () => {
    // Prepare
    const { api } = fakeStripe({ [customerId]: customer({ preferred_locales: ['ja', 'en'] }) });
    const { mailer, consume } = consumerWith(api);
    // Act
    await consume(buildStripeEvent('customer.subscription.trial_will_end', { object: onCustomer }));
    await consume(
      buildStripeEvent('checkout.session.completed', {
        object: { mode: 'payment', locale: 'es', customer_details: { email: 'es@example.com' } },
      }),
    );
    await consume(buildStripeEvent('invoice.paid', { object: { customer_email: 'nobody-known@example.com' } }));
    // Assess
    expect(mailer.sent.map((email) => /<html lang="([^"]+)"/.exec(email.html)?.[1])).toEqual(['ja', 'es', 'de']);
  });

  it('skips, warns and counts (never fails) an email that needs the customer when no Stripe API key is configured', async () => {
    // Prepare
    const { mailer, counted, logger, consume } = consumerWith(unconfiguredStripeApi);
    // Act
    const outcome = await consume(buildStripeEvent('customer.subscription.deleted', { object: onCustomer }));
    const receipt = await consume(
      buildStripeEvent('invoice.paid', { object: { customer_email: 'still@example.com' } }),
    );
    // Assess
    expect([outcome.status, receipt.status]).toEqual(['processed', 'processed']);
    expect(mailer.sent.map((email) => email.to)).toEqual(['still@example.com']);
    expect(counted).toEqual(expect.arrayContaining(['EmailsSkipped', 'StripeApiNotConfigured']));
    expect(logger.lines.find((line) => line.level === 'warn')?.message).toMatch(/stripeApiKeySecretName/);
  });

  it('sends nothing to a customer deleted in Stripe, and retries the event when Stripe fails', async () => {
    // Prepare
    const { api } = fakeStripe({
      [customerId]: { id: customerId, object: 'customer', deleted: true },
      cus_test_outage: new StripeApiError('Stripe answered 500 api_error after 4 attempts'),
    });
    const { mailer, consume } = consumerWith(api);
    // Act
    const deleted = await consume(buildStripeEvent('customer.subscription.deleted', { object: onCustomer }));
    const outage = consume(
      buildStripeEvent('customer.subscription.trial_will_end', { object: { customer: 'cus_test_outage' } }),
    );
    // Assess
    expect(deleted.status).toBe('processed');
    // Named after the email that failed (HandlerFailedError), the outage itself its cause.
    await expect(outage).rejects.toMatchObject({ handler: 'trial-ending', cause: expect.any(StripeApiError) });
    expect(mailer.sent).toEqual([]);
  });

  it('keeps the renewal reminder off unless switched on, and refuses unknown types', () => {
    // Act / Assess
    expect(enabledBuiltInEmailTypes()).not.toContain('invoice.upcoming');
    expect(subscribedTypesOf(builtInEmails({ on: ['invoice.upcoming'] }))).toContain('invoice.upcoming');
    expect(subscribedTypesOf(builtInEmails({ off: ['charge.refunded'] }))).not.toContain('charge.refunded');
    expect(() => enabledBuiltInEmailTypes({ on: ['invoice.created' as never] })).toThrow(UnknownBuiltInEmailError);
  });
});
