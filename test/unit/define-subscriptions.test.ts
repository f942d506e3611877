import type Stripe from 'stripe';
import { consumeEvent } from '../../functions/consumer/consume-event';
import { readConsumerConfig } from '../../functions/consumer/consumer-config';
import {
  buildRegistry,
  InvalidSubscriptionsError,
  subscribedTypesOf,
  subscriptionsOfModule,
} from '../../functions/consumer/define-subscriptions';
import { UnknownBuiltInEmailError } from '../../functions/consumer/emails/built-in-emails';
import { builtInEmails, defineSubscriptions, type HandlerContext } from '../../functions/handlers';
import { buildStripeEvent } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';

function consumerWith(subscriptions: ReturnType<typeof defineSubscriptions>) {
  const mailer = new RecordingMailer();
  const counted: [string, number | undefined][] = [];
  const deps = {
    registry: buildRegistry(subscriptions),
    store: new InMemoryIdempotencyStore(),
    mailer,
    logger: new RecordingLogger(),
    metrics: { count: (name: string, value?: number) => counted.push([name, value]) },
    now: () => new Date('2026-12-01T10:00:00Z'),
    inProgressExpirySeconds: 60,
    retentionDays: 30,
  };
  return { mailer, counted, consume: (body: string) => consumeEvent(body, deps) };
}

describe('defineSubscriptions', () => {
  it('registers exact types, prefixes, catch-alls, filters and included sets, and lists what the receiver must queue', () => {
    // Prepare
    const subscriptions = defineSubscriptions((on, { onAny, filter, include }) => {
      include(builtInEmails({ off: ['checkout.session.completed'] }));
      on('charge.refunded', () => undefined);
      on('charge.dispute.', () => undefined);
      onAny(() => undefined);
      filter(() => undefined);
    });
    // Act / Assess
    expect(subscribedTypesOf(subscriptions)).toEqual([
      'invoice.paid',
      'invoice.payment_failed',
      'invoice.payment_action_required',
      'charge.refunded',
      'customer.subscription.trial_will_end',
      'customer.subscription.deleted',
      'charge.dispute.*',
      '*',
    ]);
  });

  it("gives a team's handler the typed event and the context the built-ins use", async () => {
    // Prepare
    const seen: string[] = [];
    const { mailer, counted, consume } = consumerWith(
      defineSubscriptions((on) => {
        on(
          'customer.subscription.deleted',
          async (event: Stripe.CustomerSubscriptionDeletedEvent, ctx: HandlerContext) => {
            seen.push(`${ctx.eventId}:${ctx.eventType}:${event.data.object.object}`);
            await ctx.sendEmail({ to: 'ops@example.org', subject: 'Churn', text: 't', html: 'h' }, { step: 'ops' });
            ctx.metrics.count('Churned');
          },
        );
      }),
    );
    const event = {
      id: 'evt_test_churn',
      object: 'event',
      type: 'customer.subscription.deleted',
      created: 1,
      data: { object: { object: 'subscription' } },
    };
    // Act
    const first = await consume(JSON.stringify(event));
    const again = await consume(JSON.stringify(event));
    // Assess
    expect([first.status, again.status]).toEqual(['processed', 'duplicate']);
    expect(seen).toEqual(['evt_test_churn:customer.subscription.deleted:subscription']);
    expect(mailer.sent.map((email) => email.to)).toEqual(['ops@example.org']);
    expect(counted).toEqual([['Churned', undefined]]);
  });

  it('switches a built-in email off, or replaces it with the team’s own handler', async () => {
    // Prepare
    const replaced: string[] = [];
    const off = consumerWith(
      defineSubscriptions((_on, { include }) => include(builtInEmails({ off: ['invoice.paid'] }))),
    );
    const replacedSet = consumerWith(
      defineSubscriptions((_on, { include }) =>
        include(builtInEmails({ replace: { 'invoice.paid': (event) => void replaced.push(event.data.object.id) } })),
      ),
    );
    const invoicePaid = JSON.stringify(buildStripeEvent('invoice.paid'));
    // Act
    const offOutcome = await off.consume(invoicePaid);
    const replacedOutcome = await replacedSet.consume(invoicePaid);
    // Assess: no receipt either way; the replacement ran instead
    expect(offOutcome.status).toBe('unhandled');
    expect(replacedOutcome.status).toBe('processed');
    expect(off.mailer.sent).toHaveLength(0);
    expect(replacedSet.mailer.sent).toHaveLength(0);
    expect(replaced).toHaveLength(1);
  });

  it('refuses what is not a set of subscriptions, and built-in emails that do not exist, saying what to write', () => {
    // Act / Assess
    expect(() => subscriptionsOfModule({ default: { 'invoice.paid': () => undefined } }, 'The module')).toThrow(
      InvalidSubscriptionsError,
    );
    expect(() => subscriptionsOfModule({}, 'The module')).toThrow(/export default defineSubscriptions/);
    expect(() => builtInEmails({ off: ['invoice.created' as never] })).toThrow(UnknownBuiltInEmailError);
    expect(() => builtInEmails({ off: ['invoice.created' as never] })).toThrow(
      /built-in emails are invoice.paid, checkout.session.completed/,
    );
  });
});

describe('the consumer’s configuration', () => {
  const env = {
    IDEMPOTENCY_TABLE_NAME: 'table',
    SENDER_ADDRESS: 'receipts@example.org',
    LARGE_EVENT_BUCKET_NAME: 'bucket',
    EVENT_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/events',
  };

  it('resolves the settings with the function’s real timeout, so a claim outlives the attempt', () => {
    // Act
    const config = readConsumerConfig({ ...env, CONSUMER_TIMEOUT_SECONDS: '120', EMAIL_SEND_INTERVAL_MS: '500' });
    // Assess
    expect(config.settings).toMatchObject({ consumerTimeoutSeconds: 120, inProgressExpirySeconds: 150 });
    expect(config.emailSendIntervalMs).toBe(500);
  });

  it('says which variable to set, and refuses a value that is not a number', () => {
    // Act / Assess
    expect(() => readConsumerConfig({ ...env, SENDER_ADDRESS: '' })).toThrow(/SENDER_ADDRESS is not set/);
    expect(() => readConsumerConfig({ ...env, CONSUMER_TIMEOUT_SECONDS: 'thirty' })).toThrow(
      /CONSUMER_TIMEOUT_SECONDS is "thirty", but it must be a whole number/,
    );
  });
});

describe('built-in email rules', () => {
  const projectSet = () => defineSubscriptions((_on, { include }) => include(builtInEmails()));

  it('sends no "$0.00" receipt for an invoice of amount 0 (a trial start), unless asked to', async () => {
    // Prepare
    const body = JSON.stringify(buildStripeEvent('invoice.paid', { object: { amount_paid: 0 } }));
    const byDefault = consumerWith(projectSet());
    const asked = consumerWith(
      defineSubscriptions((_on, { include }) => include(builtInEmails({ zeroAmountReceipts: true }))),
    );
    // Act
    await byDefault.consume(body);
    await asked.consume(body);
    // Assess
    expect(byDefault.mailer.sent).toHaveLength(0);
    expect(byDefault.counted).toEqual([['EmailsSkipped', undefined]]);
    expect(asked.mailer.sent).toHaveLength(1);
  });

  it("sends no confirmation for a subscription-mode Checkout: its first invoice's receipt is the one email", async () => {
    // Prepare
    const subscriptionCheckout = JSON.stringify(
      buildStripeEvent('checkout.session.completed', { object: { mode: 'subscription' } }),
    );
    const paymentCheckout = JSON.stringify(buildStripeEvent('checkout.session.completed'));
    const firstInvoice = JSON.stringify(buildStripeEvent('invoice.paid'));
    const { mailer, consume } = consumerWith(projectSet());
    const asked = consumerWith(
      defineSubscriptions((_on, { include }) => include(builtInEmails({ subscriptionCheckoutConfirmation: true }))),
    );
    // Act
    await consume(subscriptionCheckout);
    await consume(firstInvoice);
    await consume(paymentCheckout);
    await asked.consume(subscriptionCheckout);
    // Assess: the receipt, then the payment-mode confirmation; the subscription checkout itself sent nothing
    expect(mailer.sent.map((email) => email.subject)).toEqual([
      expect.stringMatching(/^Receipt for invoice/),
      expect.stringMatching(/^Order confirmation/),
    ]);
    expect(asked.mailer.sent).toHaveLength(1);
  });
});
