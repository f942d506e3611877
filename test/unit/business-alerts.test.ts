/**
 * The built-in business alerts through the real consumer core (consumeEvent, the step ledger in memory):
 * each alert's content, once per event and destination across a retry, switched off, and payloads that
 * lack what they should have. Events are built around Stripe's own example objects (the vendored
 * fixtures, MIT). The destinations and the webhook's HTTP are fakes here; test/integration/business-alerts
 * runs them on moto and a real HTTP server.
 */
import type { Context, SQSRecord } from 'aws-lambda';
import { envVarNames } from '../../config/contract';
import {
  businessAlertEventTypes,
  businessAlertKinds,
  businessAlertSubscribedTypes,
  enabledBusinessAlertKinds,
  UnknownBusinessAlertKindError,
} from '../../functions/alerts/alert-kinds';
import type { AlertDestination, BusinessAlert, DisputeReminderInput } from '../../functions/alerts/alert-ports';
import { dashboardUrl } from '../../functions/alerts/alert-text';
import { builtInBusinessAlerts } from '../../functions/alerts/business-alert-handlers';
import { readBusinessAlertsConfig } from '../../functions/alerts/business-alerts-config';
import type { BusinessAlertsService } from '../../functions/alerts/business-alerts-service';
import { businessAlertsFromEnvironment } from '../../functions/alerts/from-environment';
import { snsSubject } from '../../functions/alerts/sns-destination';
import {
  AlertWebhookUnavailableError,
  InvalidAlertWebhookUrlError,
  parseAlertWebhookUrl,
  webhookAlertDestination,
  webhookText,
} from '../../functions/alerts/webhook-destination';
import { type ConsumerDependencies, consumeEvent } from '../../functions/consumer/consume-event';
import { type ConsumerHandlerOverrides, createConsumerHandler } from '../../functions/consumer/create-handler';
import { buildRegistry } from '../../functions/consumer/define-subscriptions';
import { InvalidEnvironmentVariableError } from '../../functions/shared/env';
import {
  type StripeApi,
  StripeApiError,
  type StripeRequestScope,
  unconfiguredStripeApi,
} from '../../functions/shared/stripe-api/port';
import projectSubscriptions from '../../functions/subscriptions';
import { buildConsumerSqsEvent } from '../../tools/receiver-events';
import { fixture } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';
import { captureStdio } from '../support/receiver-fakes';

type Loose = Record<string, unknown>;

const nowMs = Date.parse('2026-12-01T10:00:00Z');
const nowSeconds = nowMs / 1000;
let sequence = 0;

function event(type: string, object: Loose, extra: { account?: string; livemode?: boolean; previous?: Loose } = {}) {
  sequence += 1;
  return {
    id: `evt_test_alerts_${sequence}`,
    object: 'event',
    api_version: '2025-03-31.basil',
    created: nowSeconds,
    livemode: extra.livemode ?? false,
    type,
    data: { object, ...(extra.previous === undefined ? {} : { previous_attributes: extra.previous }) },
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    ...(extra.account === undefined ? {} : { account: extra.account }),
  };
}

const dispute = (overrides: Loose = {}): Loose => ({
  ...fixture<Loose>('dispute'),
  id: 'dp_test_alerts1',
  amount: 12_500,
  currency: 'usd',
  reason: 'product_not_received',
  status: 'needs_response',
  charge: 'ch_test_alerts1',
  evidence_details: { due_by: Date.parse('2026-12-08T23:59:59Z') / 1000, has_evidence: false, past_due: false },
  ...overrides,
});

/** A destination keeping what it was sent, failing the next `failNext` sends. */
function recordingDestination(name: string) {
  const sent: BusinessAlert[] = [];
  const destination = {
    name,
    sent,
    failNext: 0,
    async send(alert: BusinessAlert) {
      if (destination.failNext > 0) {
        destination.failNext -= 1;
        throw new Error(`${name} is unavailable (injected)`);
      }
      sent.push(alert);
    },
  };
  return destination;
}

function stripeWithCharges(charges: Record<string, Loose>) {
  const calls: Array<{ id: string; scope?: StripeRequestScope }> = [];
  const api: StripeApi = {
    ...unconfiguredStripeApi,
    retrieveCharge: async (id, scope) => {
      calls.push({ id, ...(scope === undefined ? {} : { scope }) });
      const charge = charges[id];
      if (charge === undefined) throw new StripeApiError('Stripe answered 500 api_error (injected)', { status: 500 });
      return charge as never;
    },
  };
  return { api, calls };
}

interface Counted {
  readonly name: string;
  readonly dimensions?: Readonly<Record<string, string>>;
}

function harness(options: { off?: BusinessAlertsService['off']; stripe?: StripeApi; service?: 'off' } = {}) {
  const sns = recordingDestination('sns');
  const webhook = recordingDestination('webhook');
  const counted: Counted[] = [];
  const logger = new RecordingLogger();
  const scheduled: Array<{ disputeId: string; at: string }> = [];
  const service: BusinessAlertsService = {
    destinations: [sns, webhook],
    reminders: {
      schedule: async (input, at) => void scheduled.push({ disputeId: input.disputeId, at: at.toISOString() }),
      cancel: async () => undefined,
    },
    reminderLeadHours: 72,
    off: options.off ?? [],
    now: () => new Date(nowMs),
  };
  const deps: ConsumerDependencies = {
    registry: buildRegistry(builtInBusinessAlerts({ off: options.off ?? [] })),
    store: new InMemoryIdempotencyStore(),
    mailer: new RecordingMailer(),
    logger,
    now: () => new Date(nowMs),
    inProgressExpirySeconds: 60,
    retentionDays: 30,
    metrics: {
      count: (name, _value, dimensions) =>
        void counted.push({ name, ...(dimensions === undefined ? {} : { dimensions }) }),
    },
    stripe: options.stripe ?? unconfiguredStripeApi,
    ...(options.service === 'off' ? {} : { businessAlerts: service }),
  };
  const consume = (built: ReturnType<typeof event>) => consumeEvent(JSON.stringify(built), deps);
  const only = () => {
    expect(sns.sent).toHaveLength(1);
    const [alert] = sns.sent;
    if (alert === undefined) throw new Error('no alert');
    return alert;
  };
  return { sns, webhook, counted, logger, scheduled, consume, only };
}

describe('dispute alerts', () => {
  it('says what was disputed, why, and until when, with a link to the dispute in the Dashboard', async () => {
    // Prepare
    const { consume, only, webhook, counted } = harness();
    const built = event('charge.dispute.created', dispute());
    // Act
    const outcome = await consume(built);
    // Assess
    expect(outcome.status).toBe('processed');
    const alert = only();
    expect(alert).toMatchObject({
      kind: 'dispute_created',
      eventId: built.id,
      subject: 'Dispute opened: $125.00, product not received, respond by December 8, 2026',
      dashboardUrl: 'https://dashboard.stripe.com/test/disputes/dp_test_alerts1',
    });
    expect(alert.text).toContain('A customer disputed a payment of $125.00.');
    expect(alert.text).toContain('Reason: product not received');
    expect(alert.text).toContain('Evidence due by: December 8, 2026 at 23:59 UTC (7 days left)');
    expect(alert.text).toContain(
      'Respond in the Dashboard: https://dashboard.stripe.com/test/disputes/dp_test_alerts1',
    );
    expect(webhook.sent).toEqual([alert]);
    expect(counted).toContainEqual({ name: 'AlertsSent', dimensions: { kind: 'dispute_created' } });
  });

  it("links a connected account's dispute as that account, live mode without /test/", async () => {
    // Prepare
    const { consume, only } = harness();
    // Act
    await consume(
      event('charge.dispute.created', dispute({ livemode: true }), { account: 'acct_1Connected', livemode: true }),
    );
    // Assess
    expect(only().dashboardUrl).toBe('https://dashboard.stripe.com/acct_1Connected/disputes/dp_test_alerts1');
    expect(only().text).toContain('Connected account: acct_1Connected');
    expect(dashboardUrl('payouts/po_1', { livemode: false, account: 'acct_1' })).toBe(
      'https://dashboard.stripe.com/acct_1/test/payouts/po_1',
    );
  });

  it('formats amounts like the customer emails (currency sign, decimals of the currency)', async () => {
    // Prepare
    const { consume, sns } = harness();
    // Act
    await consume(event('charge.dispute.created', dispute({ amount: 123_456, currency: 'eur' })));
    await consume(event('charge.dispute.created', dispute({ id: 'dp_test_yen', amount: 1500, currency: 'jpy' })));
    // Assess
    expect(sns.sent.map((alert) => /^Dispute opened: [^ ]+\d/.exec(alert.subject)?.[0])).toEqual([
      'Dispute opened: €1,234.56',
      'Dispute opened: ¥1,500',
    ]);
  });

  it('calls an inquiry (warning_needs_response) an inquiry', async () => {
    // Prepare
    const { consume, only } = harness();
    // Act
    await consume(event('charge.dispute.created', dispute({ status: 'warning_needs_response' })));
    // Assess
    expect(only().subject).toMatch(/^Inquiry opened: \$125\.00/);
    expect(only().text).toContain('answering it may prevent a chargeback');
  });

  it.each([
    ['won', 'Dispute won: $125.00', 'decided in your favour'],
    ['lost', 'Dispute lost: $125.00', 'not returned'],
    ['warning_closed', 'Inquiry closed: $125.00', 'without becoming a chargeback'],
    ['charge_refunded', 'Dispute closed (charge refunded): $125.00', 'See the Dashboard'],
  ])('says a closed dispute was %s', async (status, subject, meaning) => {
    // Prepare
    const { consume, only } = harness();
    // Act
    await consume(event('charge.dispute.closed', dispute({ status })));
    // Assess
    expect(only()).toMatchObject({ kind: 'dispute_closed', subject });
    expect(only().text).toContain(meaning);
  });
});

describe('early fraud warning alert', () => {
  const warning = (overrides: Loose = {}): Loose => ({
    ...fixture<Loose>('radar.early_fraud_warning'),
    id: 'issfr_test_alerts1',
    charge: 'ch_test_efw1',
    actionable: true,
    fraud_type: 'made_with_stolen_card',
    ...overrides,
  });
  const charge = (overrides: Loose = {}): Loose => ({
    ...fixture<Loose>('charge'),
    id: 'ch_test_efw1',
    amount: 4200,
    currency: 'gbp',
    refunded: false,
    amount_refunded: 0,
    disputed: false,
    ...overrides,
  });

  it("reads the charge as the event's account and says it is still refundable", async () => {
    // Prepare
    const stripe = stripeWithCharges({ ch_test_efw1: charge() });
    const { consume, only } = harness({ stripe: stripe.api });
    const built = event('radar.early_fraud_warning.created', warning(), { account: 'acct_1Efw' });
    // Act
    await consume(built);
    // Assess
    expect(stripe.calls).toEqual([{ id: 'ch_test_efw1', scope: { account: 'acct_1Efw', eventId: built.id } }]);
    expect(only().subject).toBe('Early fraud warning: £42.00, still refundable');
    expect(only().text).toContain('reported a payment of £42.00 as fraudulent (made with stolen card)');
    expect(only().text).toContain('refunding it now avoids a likely dispute and its fee');
    expect(only().dashboardUrl).toBe('https://dashboard.stripe.com/acct_1Efw/test/payments/ch_test_efw1');
  });

  it('says a refunded charge is no longer refundable, whatever the warning says', async () => {
    // Prepare
    const stripe = stripeWithCharges({ ch_test_efw1: charge({ refunded: true, amount_refunded: 4200 }) });
    const { consume, only } = harness({ stripe: stripe.api });
    // Act
    await consume(event('radar.early_fraud_warning.created', warning()));
    // Assess
    expect(only().subject).toBe('Early fraud warning: £42.00, not refundable');
    expect(only().text).toContain('Already refunded in full.');
  });

  it('uses a charge the event carries expanded, without calling Stripe', async () => {
    // Prepare
    const stripe = stripeWithCharges({});
    const { consume, only } = harness({ stripe: stripe.api });
    // Act
    await consume(
      event('radar.early_fraud_warning.created', warning({ charge: charge({ amount: 999, currency: 'usd' }) })),
    );
    // Assess
    expect(stripe.calls).toEqual([]);
    expect(only().subject).toBe('Early fraud warning: $9.99, still refundable');
  });

  it.each([
    [
      'no Stripe API key',
      unconfiguredStripeApi,
      'stripe_api_not_configured',
      'no Stripe API key is configured to read the charge',
    ],
    ['a Stripe failure', stripeWithCharges({}).api, 'stripe_api_error', "Stripe's API did not answer"],
  ])('still alerts, without the amount, on %s', async (_case, api, reason, words) => {
    // Prepare
    const { consume, only, counted } = harness({ stripe: api });
    // Act
    const outcome = await consume(event('radar.early_fraud_warning.created', warning()));
    // Assess
    expect(outcome.status).toBe('processed');
    expect(only().subject).toBe('Early fraud warning: a payment, still refundable');
    expect(only().text).toContain(`The amount could not be read: ${words}.`);
    expect(counted).toContainEqual({ name: 'AlertsDegraded', dimensions: { kind: 'early_fraud_warning', reason } });
  });
});

describe('payout, account, invoice and subscription alerts', () => {
  it('says a payout failed: amount, failure code and message', async () => {
    // Prepare
    const { consume, only } = harness();
    const payout = {
      ...fixture<Loose>('payout'),
      id: 'po_test_alerts1',
      amount: 250_000,
      currency: 'usd',
      status: 'failed',
      failure_code: 'account_closed',
      failure_message: 'The bank account has been closed.',
    };
    // Act
    await consume(event('payout.failed', payout));
    // Assess
    expect(only().subject).toBe('Payout failed: $2,500.00 (account_closed)');
    expect(only().text).toContain('A payout of $2,500.00 failed (account_closed).');
    expect(only().text).toContain('Stripe says: The bank account has been closed.');
    expect(only().dashboardUrl).toBe('https://dashboard.stripe.com/test/payouts/po_test_alerts1');
  });

  const account = (overrides: Loose = {}): Loose => {
    const example = fixture<Loose>('account');
    return {
      ...example,
      id: 'acct_1Alerts',
      charges_enabled: true,
      payouts_enabled: true,
      requirements: { ...(example.requirements as Loose), past_due: [], disabled_reason: null },
      ...overrides,
    };
  };

  it('alerts when a connected account has requirements newly past due, listing them', async () => {
    // Prepare
    const { consume, only } = harness();
    const now = account({
      payouts_enabled: false,
      requirements: { past_due: ['external_account', 'tos_acceptance.date'], disabled_reason: 'requirements.past_due' },
    });
    // Act
    await consume(
      event('account.updated', now, {
        account: 'acct_1Alerts',
        previous: { payouts_enabled: true, requirements: { past_due: [] } },
      }),
    );
    // Assess
    expect(only().subject).toBe('Connected account acct_1Alerts: payouts disabled');
    expect(only().text).toContain('can no longer take payouts');
    expect(only().text).toContain('  - external_account\n  - tos_acceptance.date');
    expect(only().text).toContain('Disabled reason: requirements.past due');
    expect(only().dashboardUrl).toBe('https://dashboard.stripe.com/test/connect/accounts/acct_1Alerts');
  });

  it.each([
    ["the platform's own account", undefined, { past_due: ['external_account'] }, undefined, 'not_connected_account'],
    [
      'the same items still past due',
      'acct_1Alerts',
      { past_due: ['external_account'] },
      { metadata: {} },
      'nothing_due',
    ],
    ['nothing past due', 'acct_1Alerts', { past_due: [] }, { requirements: { past_due: ['x'] } }, 'nothing_due'],
  ])('does not alert for %s', async (_case, connected, requirements, previous, reason) => {
    // Prepare
    const { consume, sns, counted } = harness();
    // Act
    await consume(
      event('account.updated', account({ requirements }), {
        ...(connected === undefined ? {} : { account: connected }),
        ...(previous === undefined ? {} : { previous }),
      }),
    );
    // Assess
    expect(sns.sent).toEqual([]);
    expect(counted).toContainEqual({ name: 'AlertsSkipped', dimensions: { kind: 'account_requirements', reason } });
  });

  it('alerts when charges become disabled even with nothing past due', async () => {
    // Prepare
    const { consume, only } = harness();
    // Act
    await consume(
      event('account.updated', account({ charges_enabled: false }), {
        account: 'acct_1Alerts',
        previous: { charges_enabled: true },
      }),
    );
    // Assess
    expect(only().subject).toBe('Connected account acct_1Alerts: charges disabled');
  });

  it('says an invoice was marked uncollectible: what is lost, the invoice, the customer', async () => {
    // Prepare
    const { consume, only } = harness();
    const invoice = {
      ...fixture<Loose>('invoice'),
      id: 'in_test_alerts1',
      number: 'ABC-0042',
      currency: 'usd',
      amount_due: 5000,
      amount_remaining: 4000,
      customer: 'cus_test_alerts1',
      customer_email: 'jenny.rosen@example.com',
      customer_name: 'Jenny Rosen',
      status: 'uncollectible',
    };
    // Act
    await consume(event('invoice.marked_uncollectible', invoice));
    // Assess
    expect(only().subject).toBe('Invoice uncollectible: $40.00 (ABC-0042)');
    expect(only().text).toContain('Customer: Jenny Rosen, jenny.rosen@example.com (cus_test_alerts1)');
    expect(only().dashboardUrl).toBe('https://dashboard.stripe.com/test/invoices/in_test_alerts1');
  });

  const subscription = (overrides: Loose = {}): Loose => ({
    ...fixture<Loose>('subscription'),
    id: 'sub_test_alerts1',
    customer: 'cus_test_alerts1',
    status: 'canceled',
    ended_at: nowSeconds,
    ...overrides,
  });

  it.each([
    [
      'cancellation_details.reason is payment_failed',
      { cancellation_details: { reason: 'payment_failed' } },
      undefined,
      'its payments failed',
    ],
    [
      'no cancellation_details, past_due before',
      { cancellation_details: undefined },
      { status: 'past_due' },
      'it was past due',
    ],
  ])('alerts on a subscription that ended unpaid (%s)', async (_case, overrides, previous, because) => {
    // Prepare
    const { consume, only } = harness();
    // Act
    await consume(
      event('customer.subscription.deleted', subscription(overrides), previous === undefined ? {} : { previous }),
    );
    // Assess
    expect(only().subject).toBe('Subscription ended unpaid: sub_test_alerts1');
    expect(only().text).toContain(`Stripe canceled it because ${because}.`);
  });

  it('does not alert on a subscription canceled on request', async () => {
    // Prepare
    const { consume, sns, counted } = harness();
    // Act
    await consume(
      event(
        'customer.subscription.deleted',
        subscription({ cancellation_details: { reason: 'cancellation_requested' } }),
      ),
    );
    // Assess
    expect(sns.sent).toEqual([]);
    expect(counted).toContainEqual({
      name: 'AlertsSkipped',
      dimensions: { kind: 'subscription_ended_unpaid', reason: 'not_ended_unpaid' },
    });
  });
});

describe('once per event and destination', () => {
  it('after the webhook failed, a retry posts to the webhook only; a redelivery sends nothing', async () => {
    // Prepare
    const { consume, sns, webhook, counted } = harness();
    const built = event('payout.failed', {
      ...fixture<Loose>('payout'),
      id: 'po_test_once',
      failure_code: 'no_account',
    });
    webhook.failNext = 1;
    // Act
    const first = consume(built);
    await expect(first).rejects.toThrow(/could not be sent to webhook/);
    const second = await consume(built);
    const third = await consume(built);
    // Assess
    expect(sns.sent).toHaveLength(1);
    expect(webhook.sent).toHaveLength(1);
    expect(second).toMatchObject({ status: 'processed', skippedSteps: ['alert:payout_failed:sns'] });
    expect(third.status).toBe('duplicate');
    expect(counted.filter((entry) => entry.name === 'AlertsSent')).toHaveLength(1);
  });

  it('tries every destination before failing the event', async () => {
    // Prepare
    const { consume, sns, webhook } = harness();
    sns.failNext = 1;
    // Act
    await expect(consume(event('charge.dispute.closed', dispute({ status: 'won' })))).rejects.toThrow(
      /could not be sent to sns/,
    );
    // Assess
    expect(webhook.sent).toHaveLength(1);
  });
});

describe('switched off', () => {
  it('sends no alert of a kind switched off, and still schedules the reminder', async () => {
    // Prepare
    const { consume, sns, scheduled } = harness({ off: ['dispute_created'] });
    // Act
    await consume(event('charge.dispute.created', dispute()));
    // Assess
    expect(sns.sent).toEqual([]);
    expect(scheduled).toHaveLength(1);
  });

  it('schedules no reminder with dispute_deadline off', async () => {
    // Prepare
    const { consume, sns, scheduled } = harness({ off: ['dispute_deadline'] });
    // Act
    await consume(event('charge.dispute.created', dispute()));
    // Assess
    expect(sns.sent).toHaveLength(1);
    expect(scheduled).toEqual([]);
  });

  it('queues only the types the kinds left on need; a kind that does not exist is an error', () => {
    // Act
    const withoutDisputeAlerts = businessAlertSubscribedTypes(['dispute_created', 'dispute_closed']);
    const withoutDisputes = businessAlertSubscribedTypes(['dispute_created', 'dispute_closed', 'dispute_deadline']);
    // Assess: the reminder still needs both dispute types.
    expect(withoutDisputeAlerts).toContain('charge.dispute.created');
    expect(withoutDisputeAlerts).toContain('charge.dispute.closed');
    expect(withoutDisputes).not.toContain('charge.dispute.created');
    expect(withoutDisputes).not.toContain('charge.dispute.closed');
    expect(enabledBusinessAlertKinds()).toEqual(businessAlertKinds);
    expect(() => builtInBusinessAlerts({ off: ['disputes' as never] })).toThrow(UnknownBusinessAlertKindError);
  });

  it('skips, counted, when the built-in alerts are included but the feature is off', async () => {
    // Prepare
    const { consume, counted } = harness({ service: 'off' });
    // Act
    const outcome = await consume(event('payout.failed', fixture<Loose>('payout')));
    // Assess
    expect(outcome.status).toBe('processed');
    expect(counted).toContainEqual({
      name: 'AlertsSkipped',
      dimensions: { kind: 'payout_failed', reason: 'alerts_not_configured' },
    });
  });
});

describe('payloads that lack what they should have', () => {
  // Every type an alert listens to, so that a new one is tested with the odd payloads too.
  const types = [...businessAlertEventTypes];
  const odd: Loose[] = [
    {},
    { id: 42, amount: '12.50', currency: 'dollars', status: null, reason: ['x'] },
    { id: 'dp_x', amount: 1.5, currency: 'usd', evidence_details: { due_by: -1 }, charge: { id: null } },
    { requirements: { past_due: 'external_account' }, cancellation_details: 'payment_failed', items: { data: [null] } },
    { amount: Number.MAX_SAFE_INTEGER + 2, currency: 'usd', failure_message: 'a\nb'.repeat(500), number: '<b>' },
  ];

  it.each(types)('%s: never throws, alerts with what there is or skips counted', async (type) => {
    for (const object of odd) {
      // Prepare
      const { consume, counted } = harness();
      // Act
      const outcome = await consume(event(type, object, { account: 'acct_1Odd', previous: { status: 'unpaid' } }));
      // Assess
      expect(outcome.status).toBe('processed');
      expect(counted.some((entry) => entry.name === 'AlertsSent' || entry.name === 'AlertsSkipped')).toBe(true);
    }
  });

  it('skips an event without data.object, counted as no_object', async () => {
    // Prepare
    const { consume, counted, sns } = harness();
    const built = { ...event('payout.failed', {}), data: {} };
    // Act
    await consume(built as ReturnType<typeof event>);
    // Assess
    expect(sns.sent).toEqual([]);
    expect(counted).toContainEqual({
      name: 'AlertsSkipped',
      dimensions: { kind: 'payout_failed', reason: 'no_object' },
    });
  });

  it('says "an unknown amount" rather than a wrong one', async () => {
    // Prepare
    const { consume, only } = harness();
    // Act
    await consume(event('charge.dispute.created', dispute({ amount: '125.00' })));
    // Assess
    expect(only().subject).toMatch(/^Dispute opened: an unknown amount,/);
  });
});

describe('SNS subject', () => {
  it.each([
    ['Dispute opened: €1,234.56, fraudulent', 'Dispute opened: EUR 1,234.56, fraudulent'],
    ['Early fraud warning: ¥1,500, still refundable', 'Early fraud warning: JPY 1,500, still refundable'],
    ['Invoice uncollectible: $40.00 (Café Crème)', 'Invoice uncollectible: $40.00 (Cafe Creme)'],
    ['  line\nbreak\tand  spaces ', 'line break and spaces'],
    ['', 'Stripe business alert'],
  ])('%j becomes %j', (subject, expected) => {
    expect(snsSubject(subject)).toBe(expected);
  });

  it('is at most 100 ASCII characters', () => {
    // Act
    const subject = snsSubject(`Connected account acct_1: ${'é'.repeat(50)} ${'x'.repeat(200)}`);
    // Assess
    expect(subject.length).toBe(100);
    expect(subject).toMatch(/^[\x20-\x7e]+\.\.\.$/);
  });
});

describe('webhook destination', () => {
  const alert: BusinessAlert = {
    kind: 'payout_failed',
    eventId: 'evt_test_webhook',
    subject: 'Payout failed: $1.00 (R&D <ops>)',
    text: 'A payout of $1.00 failed.',
  };
  const secretUrl = 'https://hooks.example.com/services/T000/B000/not-a-real-token';

  function posting(statuses: Array<number | 'network' | { status: number; retryAfter: string }>) {
    const requests: Array<{ url: string; body: string }> = [];
    const waits: number[] = [];
    const counted: Counted[] = [];
    const logger = new RecordingLogger();
    const fakeFetch = (async (url: string, init: RequestInit) => {
      requests.push({ url, body: String(init.body) });
      const next = statuses.shift() ?? 200;
      if (next === 'network') throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      const status = typeof next === 'number' ? next : next.status;
      const headers: Record<string, string> = typeof next === 'number' ? {} : { 'retry-after': next.retryAfter };
      return new Response(status === 204 ? null : 'no_service', { status, headers });
    }) as unknown as typeof fetch;
    const destination: AlertDestination = webhookAlertDestination({
      url: async () => secretUrl,
      logger,
      metrics: {
        count: (name, _value, dimensions) => void counted.push({ name, ...(dimensions ? { dimensions } : {}) }),
      },
      fetch: fakeFetch,
      sleep: async (ms) => void waits.push(ms),
      random: () => 0.5,
    });
    return { destination, requests, waits, counted, logger };
  }

  it('posts {"text"} with the subject and text, escaped for Slack', async () => {
    // Prepare
    const { destination, requests } = posting([200]);
    // Act
    await destination.send(alert);
    // Assess
    expect(requests).toEqual([{ url: secretUrl, body: JSON.stringify({ text: webhookText(alert) }) }]);
    expect(webhookText(alert)).toBe('Payout failed: $1.00 (R&amp;D &lt;ops&gt;)\n\nA payout of $1.00 failed.');
  });

  it('retries a 5xx, a 429 (after its Retry-After) and a network error, then delivers once', async () => {
    // Prepare
    const { destination, requests, waits } = posting([503, { status: 429, retryAfter: '2' }, 'network', 204]);
    // Act
    await destination.send(alert);
    // Assess
    expect(requests).toHaveLength(4);
    expect(waits).toEqual([375, 2000, 1500]);
  });

  it('records a 4xx and does not retry it', async () => {
    // Prepare
    const { destination, requests, counted, logger } = posting([404]);
    // Act
    await destination.send(alert);
    // Assess
    expect(requests).toHaveLength(1);
    expect(counted).toEqual([{ name: 'AlertWebhookRejected', dimensions: { status: '404' } }]);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        details: expect.objectContaining({ status: 404, answer: 'no_service' }),
      }),
    );
  });

  it('gives up after its attempts with an error that names no URL', async () => {
    // Prepare
    const { destination, requests, logger } = posting([500, 500, 500, 500, 500]);
    // Act
    const sent = destination.send(alert);
    // Assess
    await expect(sent).rejects.toThrow(AlertWebhookUnavailableError);
    await expect(sent).rejects.toThrow(/after 4 attempts \(HTTP 500\)/);
    expect(requests).toHaveLength(4);
    expect(JSON.stringify(logger.lines)).not.toContain('hooks.example.com');
  });

  it('does not wait out a Retry-After longer than its longest wait', async () => {
    // Prepare
    const { destination, requests } = posting([{ status: 429, retryAfter: '3600' }]);
    // Act & Assess
    await expect(destination.send(alert)).rejects.toThrow(/HTTP 429/);
    expect(requests).toHaveLength(1);
  });

  it.each([
    ['http://hooks.example.com/x', /holds a http URL, not https/],
    ['{"url":"https://hooks.example.com"}', /holds JSON/],
    ['not a url', /does not hold a URL/],
    ['', /is empty/],
    ['https://user:pass@hooks.example.com/x', /credentials/],
  ])('refuses %j as the webhook secret, without repeating it', (value, problem) => {
    // Act
    const parse = () => parseAlertWebhookUrl('alerts/webhook', value);
    // Assess
    expect(parse).toThrow(InvalidAlertWebhookUrlError);
    expect(parse).toThrow(problem);
    try {
      parse();
    } catch (error) {
      if (value !== '') expect((error as Error).message).not.toContain(value);
    }
  });

  it('takes https, and http on localhost only', () => {
    expect(parseAlertWebhookUrl('s', ' https://hooks.example.com/a ')).toBe('https://hooks.example.com/a');
    expect(parseAlertWebhookUrl('s', 'http://127.0.0.1:4741/hook')).toBe('http://127.0.0.1:4741/hook');
  });
});

describe('configuration', () => {
  const topic = 'arn:aws:sns:us-east-1:123456789012:stripe-alerts';

  it('is off without ALERT_TOPIC_ARN, on with it or with destinations given', () => {
    // Prepare
    const deps = { logger: new RecordingLogger(), metrics: { count: () => undefined }, now: () => new Date(nowMs) };
    // Act
    const off = businessAlertsFromEnvironment({}, deps);
    const on = businessAlertsFromEnvironment({ ALERT_TOPIC_ARN: topic }, deps);
    const local = businessAlertsFromEnvironment({}, { ...deps, destinations: [recordingDestination('local')] });
    // Assess
    expect(off).toBeUndefined();
    expect(on?.service.destinations.map((destination) => destination.name)).toEqual(['sns']);
    expect(on?.service.reminders).toBeUndefined();
    expect(local?.service.destinations.map((destination) => destination.name)).toEqual(['local']);
  });

  it('reads every variable, with the webhook and the reminder target', () => {
    // Act
    const config = readBusinessAlertsConfig({
      ALERT_TOPIC_ARN: topic,
      ALERT_WEBHOOK_SECRET_ID: 'stripe-webhooks/alert-webhook',
      BUSINESS_ALERTS_OFF: 'payout_failed, invoice_uncollectible',
      DISPUTE_REMINDER_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:reminder',
      DISPUTE_REMINDER_ROLE_ARN: 'arn:aws:iam::123456789012:role/reminder-scheduler',
      DISPUTE_REMINDER_SCHEDULE_GROUP: 'stripe-dispute-reminders',
      DISPUTE_REMINDER_LEAD_HOURS: '48',
    });
    // Assess
    expect(config).toEqual({
      topicArn: topic,
      webhookSecretId: 'stripe-webhooks/alert-webhook',
      off: ['payout_failed', 'invoice_uncollectible'],
      reminderTarget: {
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:reminder',
        roleArn: 'arn:aws:iam::123456789012:role/reminder-scheduler',
        groupName: 'stripe-dispute-reminders',
      },
      reminderLeadHours: 48,
    });
  });

  it.each([
    [{ BUSINESS_ALERTS_OFF: 'payouts' }, /BUSINESS_ALERTS_OFF .*"payouts" is not a business alert kind/],
    [{ DISPUTE_REMINDER_LEAD_HOURS: '0' }, /DISPUTE_REMINDER_LEAD_HOURS .*from 1 to 720/],
    [
      { DISPUTE_REMINDER_ROLE_ARN: 'arn:aws:iam::123456789012:role/r' },
      /DISPUTE_REMINDER_FUNCTION_ARN, DISPUTE_REMINDER_SCHEDULE_GROUP/,
    ],
    [{ ALERT_TOPIC_ARN: 'stripe-alerts' }, /ALERT_TOPIC_ARN .*an SNS topic ARN/],
  ])('says what to fix in %j', (env, message) => {
    // Act
    const read = () => readBusinessAlertsConfig({ ALERT_TOPIC_ARN: topic, ...env });
    // Assess
    expect(read).toThrow(InvalidEnvironmentVariableError);
    expect(read).toThrow(message);
  });
});

describe('the consumer handler', () => {
  const env = {
    [envVarNames.idempotencyTableName]: 'idempotency',
    [envVarNames.senderAddress]: 'receipts@shop.example.org',
    [envVarNames.largeEventBucketName]: 'large-events',
    [envVarNames.queueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/events',
    [envVarNames.stage]: 'test',
    POWERTOOLS_SERVICE_NAME: 'stripe-webhook-consumer',
  };
  const context = { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'req-1' } as unknown as Context;

  async function run(body: string, overrides: Partial<ConsumerHandlerOverrides>) {
    const handler = createConsumerHandler(projectSubscriptions, env, {
      store: new InMemoryIdempotencyStore(),
      mailer: new RecordingMailer(),
      resolveBody: async (record: SQSRecord) => record.body,
      requeue: async () => undefined,
      now: () => new Date(nowMs),
      ...overrides,
    });
    const stdio = captureStdio();
    try {
      return { response: await handler(buildConsumerSqsEvent(body), context), output: stdio.output() };
    } finally {
      stdio.restore();
    }
  }

  it('includes the alerts when given destinations, with the reminders, and logs no customer data', async () => {
    // Prepare
    const local = recordingDestination('local');
    const scheduled: string[] = [];
    const invoice = {
      ...fixture<Loose>('invoice'),
      id: 'in_test_handler1',
      customer_email: 'claire.dubois@example.com',
      customer_name: 'Claire Dubois',
    };
    const disputes = {
      schedule: async (input: DisputeReminderInput) => void scheduled.push(input.disputeId),
      cancel: async () => undefined,
    };
    // Act
    const opened = await run(JSON.stringify(event('charge.dispute.created', dispute())), {
      alertDestinations: [local],
      disputeReminders: disputes,
    });
    const uncollectible = await run(JSON.stringify(event('invoice.marked_uncollectible', invoice)), {
      alertDestinations: [local],
      disputeReminders: disputes,
    });
    // Assess
    expect(opened.response.batchItemFailures).toEqual([]);
    expect(local.sent.map((alert) => alert.kind)).toEqual(['dispute_created', 'invoice_uncollectible']);
    expect(local.sent[1]?.text).toContain('claire.dubois@example.com');
    expect(scheduled).toEqual(['dp_test_alerts1']);
    expect(`${opened.output}${uncollectible.output}`).toContain('Business alert sent');
    expect(uncollectible.output).not.toContain('claire.dubois');
    expect(uncollectible.output).not.toContain('Claire');
  });

  it('leaves the alerts out without ALERT_TOPIC_ARN or destinations', async () => {
    // Act
    const { response, output } = await run(JSON.stringify(event('payout.failed', fixture<Loose>('payout'))), {});
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(output).not.toContain('Business alert sent');
    expect(output).toContain('"outcome":"unhandled"');
  });
});
