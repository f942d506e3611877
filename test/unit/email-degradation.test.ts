import type Stripe from 'stripe';
import { resolveEmailSettings } from '../../config/email-settings';
import { consumeEvent } from '../../functions/consumer/consume-event';
import { buildRegistry } from '../../functions/consumer/define-subscriptions';
import { builtInEmails } from '../../functions/consumer/emails/built-in-emails';
import { MissingEmailFactError, renderInvoiceReceipt } from '../../functions/consumer/emails/templates';
import {
  type StripeApi,
  StripeObjectNotFoundError,
  unconfiguredStripeApi,
} from '../../functions/shared/stripe-api/port';
import { buildStripeEvent, type SupportedEventType } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';

// 22 November 2026, 10:00:00 UTC
const created = Date.UTC(2026, 10, 22, 10, 0, 0) / 1000;
const customerId = 'cus_test_degradation';

const stripe: StripeApi = {
  ...unconfiguredStripeApi,
  async retrieveCustomer(id) {
    if (id !== customerId) throw new StripeObjectNotFoundError(`No such customer: '${id}'`);
    return { id, object: 'customer', email: 'claire@example.com' } as Stripe.Customer;
  },
};

function consumer() {
  const mailer = new RecordingMailer();
  const logger = new RecordingLogger();
  const counted: Array<[string, Readonly<Record<string, string>> | undefined]> = [];
  const deps = {
    registry: buildRegistry(builtInEmails({ on: ['invoice.upcoming'] })),
    store: new InMemoryIdempotencyStore(),
    mailer,
    logger,
    metrics: {
      count: (name: string, _value?: number, dimensions?: Readonly<Record<string, string>>) =>
        counted.push([name, dimensions]),
    },
    now: () => new Date('2026-12-01T10:00:00Z'),
    inProgressExpirySeconds: 60,
    retentionDays: 30,
    stripe,
    emailSettings: resolveEmailSettings({}),
  };
  return { mailer, logger, counted, consume: (event: unknown) => consumeEvent(JSON.stringify(event), deps) };
}

/** The event with `data.object` cut down to `keep` (its other fields, optional or not, absent) or with them all null. */
function stripped(type: SupportedEventType, keep: Record<string, unknown>, how: 'absent' | 'null') {
  const event = buildStripeEvent(type, { created, id: `evt_test_${type}_${how}` }) as unknown as {
    data: { object: Record<string, unknown> };
  };
  const object =
    how === 'absent' ? {} : Object.fromEntries(Object.keys(event.data.object).map((key) => [key, null] as const));
  return { ...event, data: { object: { ...object, object: event.data.object.object, ...keep } } };
}

/** Per built-in email: the fields it cannot do without, and what the email must still show. */
const cases: Array<[SupportedEventType, Record<string, unknown>, string, string[]]> = [
  [
    'invoice.paid',
    { amount_paid: 2000, currency: 'usd', customer_email: 'a@example.com' },
    'a@example.com',
    ['$20.00', 'Date paid: November 22, 2026'],
  ],
  [
    'invoice.payment_failed',
    { amount_due: 1500, currency: 'jpy', customer_email: 'b@example.com' },
    'b@example.com',
    ['¥1,500'],
  ],
  [
    'invoice.payment_action_required',
    { amount_due: 5124, currency: 'kwd', customer_email: 'c@example.com' },
    'c@example.com',
    ['KWD', '5.124'],
  ],
  [
    'invoice.upcoming',
    { amount_due: 990, currency: 'eur', customer_email: 'd@example.com' },
    'd@example.com',
    ['€9.90'],
  ],
  [
    'charge.refunded',
    { amount_refunded: 500, currency: 'usd', receipt_email: 'e@example.com' },
    'e@example.com',
    ['$5.00', 'Payment date: November 22, 2026'],
  ],
  [
    'checkout.session.completed',
    { customer_details: { email: 'f@example.com' } },
    'f@example.com',
    ['Order date: November 22, 2026'],
  ],
  [
    'customer.subscription.trial_will_end',
    { customer: customerId },
    'claire@example.com',
    ['Your free trial is ending soon.'],
  ],
  [
    'customer.subscription.deleted',
    { customer: customerId },
    'claire@example.com',
    ['Your subscription ended on November 22, 2026'],
  ],
];

describe('built-in emails with every other field absent or null', () => {
  it.each(
    cases.flatMap(([type, keep, to, shows]) =>
      (['absent', 'null'] as const).map((how) => [type, how, keep, to, shows] as const),
    ),
  )('%s with its other fields %s: sent, with its key facts', async (type, how, keep, to, shows) => {
    // Prepare
    const { mailer, consume } = consumer();
    // Act
    const outcome = await consume(stripped(type, keep, how));
    // Assess
    expect(outcome.status).toBe('processed');
    expect(mailer.sent.map((email) => email.to)).toEqual([to]);
    const [email] = mailer.sent;
    for (const fact of shows) {
      expect(email?.text).toContain(fact);
      // The HTML shows a row's label and value in cells of their own.
      expect(email?.html).toContain(fact.split(': ').at(-1));
    }
    expect(email?.text).toMatch(/^Hello,/);
  });

  it('sends the receipt of an invoice without created on the first attempt (issue 21), dated by the event', async () => {
    // Prepare
    const { mailer, consume } = consumer();
    const event = buildStripeEvent('invoice.paid', {
      created,
      object: { customer_email: 'jenny@example.com', status_transitions: null as never },
    }) as unknown as { data: { object: Record<string, unknown> } };
    delete event.data.object.created;
    // Act
    const outcome = await consume(event);
    // Assess
    expect(outcome.status).toBe('processed');
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.text).toContain('Date paid: November 22, 2026');
    expect(mailer.sent[0]?.text).toContain('Amount paid: $20.00');
  });

  it('leaves the date out when neither the object nor the event has one', async () => {
    // Prepare
    const { mailer, consume } = consumer();
    const event = stripped(
      'invoice.paid',
      { amount_paid: 2000, currency: 'usd', customer_email: 'a@example.com' },
      'absent',
    ) as Record<string, unknown>;
    event.created = 'yesterday';
    // Act
    await consume(event);
    // Assess
    expect(mailer.sent[0]?.text).not.toContain('Date paid');
    expect(mailer.sent[0]?.subject).toBe('Receipt — $20.00');
  });

  it.each<[string, SupportedEventType, Record<string, unknown>, string, string | undefined]>([
    [
      'no amount',
      'invoice.paid',
      { currency: 'usd', customer_email: 'a@example.com' },
      'no_amount',
      'invoice.amount_paid',
    ],
    [
      'a string amount',
      'invoice.payment_failed',
      { amount_due: '20.00', currency: 'usd', customer_email: 'a@example.com' },
      'no_amount',
      'invoice.amount_due',
    ],
    [
      'no currency',
      'charge.refunded',
      { amount_refunded: 500, receipt_email: 'a@example.com' },
      'no_currency',
      'charge.currency',
    ],
    [
      'a malformed currency',
      'invoice.upcoming',
      { amount_due: 500, currency: 'dollars', customer_email: 'a@example.com' },
      'no_currency',
      'invoice.currency',
    ],
    ['no recipient', 'invoice.payment_action_required', { amount_due: 500, currency: 'usd' }, 'no_email', undefined],
    [
      'a recipient of another type',
      'checkout.session.completed',
      { customer_details: { email: 42 } },
      'no_email',
      undefined,
    ],
  ])('skips an email with %s, logged and counted with the reason', async (_case, type, keep, reason, field) => {
    // Prepare
    const { mailer, logger, counted, consume } = consumer();
    // Act
    const outcome = await consume(stripped(type, keep, 'absent'));
    // Assess
    expect(outcome.status).toBe('processed');
    expect(mailer.sent).toHaveLength(0);
    expect(counted).toContainEqual(['EmailsSkipped', { reason }]);
    const line = logger.lines.find((entry) => entry.details.outcome === `skipped_${reason}`);
    expect(line?.details).toMatchObject({ reason, ...(field === undefined ? {} : { field }) });
    if (field !== undefined) expect(line?.message).toContain(field);
  });

  it('names the missing field when a template is called without its key fact', () => {
    // Prepare
    const invoice = { id: 'in_1', currency: 'usd' } as unknown as Stripe.Invoice;
    // Act
    const render = () => renderInvoiceReceipt(invoice);
    // Assess
    expect(render).toThrow(MissingEmailFactError);
    expect(render).toThrow(/invoice\.amount_paid/);
  });
});
