/**
 * Issue 21, item 3: an endpoint pinned to an older API version gets the same invoice, charge, subscription
 * and checkout session in an older shape. Each built-in email must give the same key facts whatever the
 * version. The older payloads are derived from the current one by the documented changes below, kept as
 * data with the changelog entry each comes from.
 */
import Stripe from 'stripe';
import { resolveEmailSettings } from '../../config/email-settings';
import { consumeEvent } from '../../functions/consumer/consume-event';
import { buildRegistry } from '../../functions/consumer/define-subscriptions';
import { builtInEmails } from '../../functions/consumer/emails/built-in-emails';
import { formatAmount } from '../../functions/consumer/emails/money';
import { invoiceSubscriptionId } from '../../functions/consumer/invoice-fields';
import {
  type StripeApi,
  StripeObjectNotFoundError,
  unconfiguredStripeApi,
} from '../../functions/shared/stripe-api/port';
import { buildStripeEvent, type SupportedEventType } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';

type Loose = Record<string, unknown>;

/** The versions an endpoint may be pinned to, oldest first; the last is the `stripe` package's. */
const versions = ['2020-08-27', '2024-06-20', '2025-03-31.basil', Stripe.API_VERSION] as const;
type ApiVersion = string;

/** The date part of a version (`2025-03-31.basil` → `2025-03-31`): versions order by it. */
const dateOf = (version: ApiVersion): string => version.slice(0, 10);

type ObjectType = 'invoice' | 'charge' | 'subscription' | 'checkout.session';

interface VersionDifference {
  /** The version that made the change: payloads of every older version carry the shape before it. */
  readonly version: ApiVersion;
  /** The object whose shape changed. */
  readonly type: ObjectType;
  readonly change: string;
  /** The changelog entry the change comes from. */
  readonly changelog: string;
  /** Turns an object of `version`'s shape into the shape before it, in place. */
  readonly toOlder: (object: Loose) => void;
}

const record = (value: unknown): Loose => (typeof value === 'object' && value !== null ? (value as Loose) : {});
const listData = (value: unknown): Loose[] => {
  const data = record(value).data;
  return Array.isArray(data) ? (data as Loose[]) : [];
};

/** The documented differences between the versions above that touch the objects the built-in emails read. */
const differences: readonly VersionDifference[] = [
  {
    version: '2025-03-31.basil',
    type: 'invoice',
    change:
      'invoice.parent.subscription_details.{subscription, metadata} was invoice.subscription and ' +
      'invoice.subscription_details; a line item’s parent.subscription_item_details was its type, subscription, ' +
      'subscription_item, proration and proration_details',
    changelog:
      'Invoicing resources now specify how they were generated: ' +
      'https://docs.stripe.com/changelog/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects',
    toOlder: (invoice) => {
      const details = record(record(invoice.parent).subscription_details);
      invoice.subscription = details.subscription ?? null;
      invoice.subscription_details = { metadata: details.metadata ?? null };
      invoice.quote = null;
      delete invoice.parent;
      for (const line of listData(invoice.lines)) {
        const item = record(record(line.parent).subscription_item_details);
        line.type = 'subscription';
        line.subscription = item.subscription ?? null;
        line.subscription_item = item.subscription_item ?? null;
        line.invoice_item = null;
        line.proration = item.proration ?? false;
        line.proration_details = item.proration_details ?? { credited_items: null };
        delete line.parent;
      }
    },
  },
  {
    version: '2025-03-31.basil',
    type: 'invoice',
    change:
      'invoice.payments (left out of webhooks unless expanded) was invoice.payment_intent, invoice.charge, ' +
      'invoice.paid and invoice.paid_out_of_band; invoice.amount_overpaid is new',
    changelog:
      'Adds support for multiple (partial) payments on invoices: ' +
      'https://docs.stripe.com/changelog/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices',
    toOlder: (invoice) => {
      invoice.payment_intent = 'pi_test_versions';
      invoice.charge = 'ch_test_versions';
      invoice.paid = invoice.status === 'paid';
      invoice.paid_out_of_band = false;
      delete invoice.payments;
      delete invoice.amount_overpaid;
      delete invoice.confirmation_secret;
    },
  },
  {
    version: '2025-03-31.basil',
    type: 'invoice',
    change: 'a line item’s pricing.{price_details.price, unit_amount_decimal} was its price and plan objects',
    changelog:
      'Replaces top-level price fields with improved price modeling on Invoice Items and Invoice Line Items: ' +
      'https://docs.stripe.com/changelog/basil/2025-03-31/invoice-pricing-configurations',
    toOlder: (invoice) => {
      for (const line of listData(invoice.lines)) {
        const pricing = record(line.pricing);
        const id = record(pricing.price_details).price ?? 'price_test_versions';
        const unitAmount = Number(pricing.unit_amount_decimal ?? line.amount);
        const recurring = { interval: 'month', interval_count: 1, usage_type: 'licensed' };
        line.price = { id, object: 'price', currency: line.currency, unit_amount: unitAmount, recurring };
        line.plan = { id, object: 'plan', currency: line.currency, amount: unitAmount, interval: 'month' };
        delete line.pricing;
      }
    },
  },
  {
    version: '2025-03-31.basil',
    type: 'subscription',
    change: 'items.data[].current_period_start/_end were subscription.current_period_start/_end',
    changelog:
      'Adds subscription item-level billing periods and removes subscription-level periods: ' +
      'https://docs.stripe.com/changelog/basil/2025-03-31/deprecate-subscription-current-period-start-and-end',
    toOlder: (subscription) => {
      const [first] = listData(subscription.items);
      subscription.current_period_start = first?.current_period_start ?? null;
      subscription.current_period_end = first?.current_period_end ?? null;
      for (const item of listData(subscription.items)) {
        delete item.current_period_start;
        delete item.current_period_end;
      }
    },
  },
  {
    version: '2025-03-31.basil',
    type: 'charge',
    change: 'charge.invoice is removed (it named the invoice a charge paid)',
    changelog:
      'Adds support for multiple (partial) payments on invoices: ' +
      'https://docs.stripe.com/changelog/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices',
    toOlder: (charge) => {
      charge.invoice = 'in_test_versions';
    },
  },
  {
    version: '2022-11-15',
    type: 'charge',
    change: 'charge.refunds is no longer in the payload unless expanded; before, the list of refunds was',
    changelog:
      'The Charges object no longer auto-expands refunds by default: ' +
      'https://docs.stripe.com/changelog/2022-11-15/deprecates-charges-auto-expand',
    toOlder: (charge) => {
      charge.refunds = {
        object: 'list',
        data: [
          {
            id: 're_test_versions',
            object: 'refund',
            amount: charge.amount_refunded,
            charge: charge.id,
            currency: charge.currency,
            created: charge.created,
            status: 'succeeded',
          },
        ],
        has_more: false,
        url: `/v1/charges/${String(charge.id)}/refunds`,
      };
    },
  },
  {
    version: '2022-08-01',
    type: 'checkout.session',
    change:
      'a payment-mode session creates a Customer only if required (customer null, customer_creation ' +
      '"if_required"); before, it always did',
    changelog:
      'Default customer creation in Checkout Session payment mode changed to if_required: ' +
      'https://docs.stripe.com/changelog/2022-08-01/default-customer-creation-checkout-session',
    toOlder: (session) => {
      session.customer = 'cus_test_versions_checkout';
      delete session.customer_creation;
    },
  },
];

/** `object` (of the current version's shape) as `version` sends it: every change newer than `version` undone, newest first. */
function asVersion(object: Loose, type: ObjectType, version: ApiVersion): Loose {
  const older = structuredClone(object);
  const undone = differences
    .filter((difference) => difference.type === type && dateOf(version) < dateOf(difference.version))
    .sort((a, b) => dateOf(b.version).localeCompare(dateOf(a.version)));
  for (const difference of undone) difference.toOlder(older);
  return older;
}

// 22 November 2026, 10:00:00 UTC
const created = Date.UTC(2026, 10, 22, 10, 0, 0) / 1000;
const customerId = 'cus_test_versions';
const subscriptionId = 'sub_test_versions';
const customerEmail = 'claire@example.com';

const stripe: StripeApi = {
  ...unconfiguredStripeApi,
  async retrieveCustomer(id) {
    if (id !== customerId && id !== 'cus_test_versions_checkout') {
      throw new StripeObjectNotFoundError(`No such customer: '${id}'`);
    }
    return { id, object: 'customer', email: customerEmail } as Stripe.Customer;
  },
};

function consumer() {
  const mailer = new RecordingMailer();
  const deps = {
    registry: buildRegistry(builtInEmails()),
    store: new InMemoryIdempotencyStore(),
    mailer,
    logger: new RecordingLogger(),
    metrics: { count: () => undefined },
    now: () => new Date('2026-12-01T10:00:00Z'),
    inProgressExpirySeconds: 60,
    retentionDays: 30,
    stripe,
    emailSettings: resolveEmailSettings({}),
  };
  return { mailer, consume: (event: unknown) => consumeEvent(JSON.stringify(event), deps) };
}

/** The object type of each event type's `data.object`. */
const objectTypes: Readonly<Partial<Record<SupportedEventType, ObjectType>>> = {
  'invoice.paid': 'invoice',
  'invoice.payment_failed': 'invoice',
  'charge.refunded': 'charge',
  'checkout.session.completed': 'checkout.session',
  'customer.subscription.trial_will_end': 'subscription',
  'customer.subscription.deleted': 'subscription',
};

/** The current version's event as Stripe sends it to an endpoint of that version. */
function currentEvent(type: SupportedEventType, amount: number, currency: string) {
  const event = buildStripeEvent(type, {
    created,
    amount,
    currency,
    id: `evt_test_versions_${type}`,
  }) as unknown as Loose & { data: { object: Loose } };
  const object = event.data.object;
  if (objectTypes[type] === 'invoice') {
    // A subscription's invoice, as basil and later say so.
    object.parent = {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { metadata: {}, subscription: subscriptionId, subscription_proration_date: null },
    };
    delete object.subscription;
    for (const line of listData(object.lines)) {
      line.parent = {
        type: 'subscription_item_details',
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: null,
          proration: false,
          proration_details: { credited_items: null },
          subscription: subscriptionId,
          subscription_item: 'si_test_versions',
        },
      };
      line.pricing = {
        type: 'price_details',
        price_details: { price: 'price_test_versions', product: 'prod_test_versions' },
        unit_amount_decimal: String(amount),
      };
      delete line.subscription;
    }
  }
  // Since 2022-11-15, webhooks leave the refunds out unless the endpoint expands them.
  if (objectTypes[type] === 'charge') delete object.refunds;
  // A guest checkout: since 2022-08-01, no Customer unless required.
  if (objectTypes[type] === 'checkout.session') {
    object.customer = null;
    object.customer_creation = 'if_required';
  }
  // The subscription emails find the recipient on the customer.
  if (objectTypes[type] === 'subscription') object.customer = customerId;
  return event;
}

/** `event` (the current version's, built once so ids and links are the same) as an endpoint pinned to `version` gets it. */
function eventAs(event: ReturnType<typeof currentEvent>, type: SupportedEventType, version: ApiVersion) {
  const objectType = objectTypes[type] as ObjectType;
  return {
    ...event,
    id: `${String(event.id)}_${dateOf(version)}`,
    api_version: version,
    data: { ...event.data, object: asVersion(event.data.object, objectType, version) },
  };
}

/** What each email must show, whatever the version: the amount as formatAmount writes it, the invoice number, dates. */
function keyFacts(type: SupportedEventType, amount: number, currency: string): { to: string; shows: string[] } {
  const money = formatAmount(amount, currency);
  switch (type) {
    case 'invoice.paid':
      return { to: 'jenny.rosen@example.com', shows: [money, 'INV-0001', 'Date paid: November 22, 2026'] };
    case 'invoice.payment_failed':
      return { to: 'jenny.rosen@example.com', shows: [money, 'INV-0001', 'November 25, 2026'] };
    case 'charge.refunded':
      return { to: 'jenny.rosen@example.com', shows: [money, 'Payment date: November 22, 2026'] };
    case 'checkout.session.completed':
      return { to: 'jenny.rosen@example.com', shows: [money, 'Order date: November 22, 2026'] };
    case 'customer.subscription.trial_will_end':
      return { to: customerEmail, shows: [money, 'November 25, 2026', 'Pro plan'] };
    case 'customer.subscription.deleted':
      return { to: customerEmail, shows: ['November 22, 2026', 'Pro plan'] };
    default:
      throw new Error(`No key facts for ${type}`);
  }
}

const eventTypes = Object.keys(objectTypes) as SupportedEventType[];
const moneyCases: ReadonlyArray<readonly [number, string]> = [
  [2000, 'usd'],
  [1500, 'jpy'],
];

describe('built-in emails for every API version a pinned endpoint may send', () => {
  it('keeps every difference with the changelog entry it comes from', () => {
    for (const difference of differences) {
      expect(difference.changelog).toMatch(/^.+: https:\/\/docs\.stripe\.com\/changelog\/\S+$/);
      expect(versions.some((version) => dateOf(version) < dateOf(difference.version))).toBe(true);
    }
  });

  it('derives the older shapes from the table', () => {
    // Prepare
    const objectAs = (type: SupportedEventType, version: ApiVersion) =>
      eventAs(currentEvent(type, 2000, 'usd'), type, version).data.object;
    const [v2020, v2024, basil, current] = versions.map((version) => ({
      invoice: objectAs('invoice.paid', version),
      charge: objectAs('charge.refunded', version),
      subscription: objectAs('customer.subscription.deleted', version),
      session: objectAs('checkout.session.completed', version),
    }));
    // Assess
    for (const before of [v2020, v2024]) {
      expect(before?.invoice).toMatchObject({ subscription: subscriptionId, payment_intent: expect.any(String) });
      expect(before?.invoice).not.toHaveProperty('parent');
      expect(before?.subscription).toHaveProperty('current_period_end', created + 30 * 24 * 60 * 60);
    }
    for (const since of [basil, current]) {
      expect(since?.invoice).not.toHaveProperty('subscription');
      expect(since?.invoice).not.toHaveProperty('payment_intent');
      expect(since?.subscription).not.toHaveProperty('current_period_end');
    }
    expect(v2020?.charge).toHaveProperty('refunds.data.0.amount', 2000);
    expect(v2024?.charge).not.toHaveProperty('refunds');
    expect(v2020?.session).toHaveProperty('customer', 'cus_test_versions_checkout');
    expect(v2024?.session).toHaveProperty('customer', null);
    // The project reads the invoice's subscription from either shape.
    for (const shape of [v2020, v2024, basil, current]) {
      expect(invoiceSubscriptionId(shape?.invoice as unknown as Stripe.Invoice)).toBe(subscriptionId);
    }
  });

  it.each(eventTypes.flatMap((type) => moneyCases.map(([amount, currency]) => [type, amount, currency] as const)))(
    '%s (%d %s): the same key facts, and the same email, in every version',
    async (type, amount, currency) => {
      // Prepare
      const { to, shows } = keyFacts(type, amount, currency);
      const current = currentEvent(type, amount, currency);
      const emails = [];
      // Act
      for (const version of versions) {
        const { mailer, consume } = consumer();
        const outcome = await consume(eventAs(current, type, version));
        expect({ version, status: outcome.status }).toEqual({ version, status: 'processed' });
        expect(mailer.sent).toHaveLength(1);
        emails.push({ version, email: mailer.sent[0] });
      }
      // Assess
      for (const { version, email } of emails) {
        expect({ version, to: email?.to }).toEqual({ version, to });
        for (const fact of shows)
          expect({ version, fact, shown: email?.text.includes(fact) }).toMatchObject({ shown: true });
      }
      const [latest] = emails.slice(-1);
      for (const { email } of emails) {
        expect({ subject: email?.subject, text: email?.text, html: email?.html }).toEqual({
          subject: latest?.email?.subject,
          text: latest?.email?.text,
          html: latest?.email?.html,
        });
      }
    },
  );
});
