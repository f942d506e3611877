/**
 * Realistic Stripe webhook events for tests and local tools, built from Stripe's own example objects
 * (`events/stripe-fixtures/fixtures.json`) rather than payloads invented by hand, and signed with the
 * `stripe` package's own test signer. Test data only: every id says `test` and every address is on
 * example.com.
 */
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import fixturesFile from '../events/stripe-fixtures/fixtures.json';

export const supportedEventTypes = [
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.payment_action_required',
  'invoice.upcoming',
  'checkout.session.completed',
  'charge.refunded',
  'payment_intent.succeeded',
  'customer.created',
  'customer.subscription.trial_will_end',
  'customer.subscription.deleted',
  // The types the billing state syncs from (functions/billing-state/billing-sync-types.ts).
  'customer.updated',
  'customer.deleted',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'invoice.payment_succeeded',
  'invoice.marked_uncollectible',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'entitlements.active_entitlement_summary.updated',
] as const satisfies readonly Stripe.Event.Type[];

export type SupportedEventType = (typeof supportedEventTypes)[number];

/** The `Stripe.Event` variant for `type`, e.g. `Stripe.InvoicePaidEvent` for `'invoice.paid'`. */
export type StripeEventOf<T extends Stripe.Event.Type> = Extract<Stripe.Event, { type: T }>;

/** The resource in `data.object` for events of `type`. */
export type StripeEventObject<T extends Stripe.Event.Type> = StripeEventOf<T>['data']['object'];

/** Like `Partial`, at every depth; arrays are replaced whole rather than merged. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export interface BuildStripeEventOptions<TObject = unknown> {
  /** Event id. @default `evt_test_` followed by random characters */
  id?: string;
  /** Event creation time in seconds since the epoch; also used for the object's timestamps. @default now */
  created?: number;
  /** @default false */
  livemode?: boolean;
  /** Amount in the currency's minor unit, applied to every amount field that the type sets. @default 2000 */
  amount?: number;
  /** Three-letter currency code (lower-cased, as Stripe writes it), applied to every currency field that the type sets. @default 'usd' */
  currency?: string;
  /** Customer email address. @default 'jenny.rosen@example.com' */
  email?: string;
  /**
   * Merged into `data.object` last, at any depth (arrays and `null` replace, `undefined` is skipped),
   * e.g. `{ currency: 'jpy', amount_paid: 1500 }` or `{ customer_email: null }`.
   */
  object?: DeepPartial<TObject>;
}

export const defaultCustomerEmail = 'jenny.rosen@example.com';
export const defaultCustomerName = 'Jenny Rosen';
export const defaultAmount = 2000;
export const defaultCurrency = 'usd';

export class UnsupportedEventTypeError extends Error {
  constructor(type: string) {
    super(
      `Cannot build a "${type}" event. Supported types: ${supportedEventTypes.join(', ')}. ` +
        'To add one, add a builder to tools/stripe-events.ts (and its resource to tools/update-stripe-fixtures.ts if missing).',
    );
    this.name = 'UnsupportedEventTypeError';
  }
}

export class InvalidEventOptionError extends Error {
  constructor(option: string, value: unknown, rule: string) {
    super(`Option "${option}" is ${JSON.stringify(value)}, but it must be ${rule}.`);
    this.name = 'InvalidEventOptionError';
  }
}

export class MissingStripeFixtureError extends Error {
  constructor(path: string) {
    super(
      `events/stripe-fixtures/fixtures.json has no ${path}. Regenerate it with tools/update-stripe-fixtures.ts ` +
        "from Stripe's openapi/fixtures3.json (see events/stripe-fixtures/README.md).",
    );
    this.name = 'MissingStripeFixtureError';
  }
}

export class InvalidSignatureInputError extends Error {
  constructor(problem: string) {
    super(`Cannot sign the payload: ${problem}.`);
    this.name = 'InvalidSignatureInputError';
  }
}

export function isSupportedEventType(type: string): type is SupportedEventType {
  return (supportedEventTypes as readonly string[]).includes(type);
}

const fixtureResources: Readonly<Record<string, unknown>> = fixturesFile.resources;

/**
 * A deep copy of Stripe's example object. The cast is the one unchecked step: the fixtures are
 * Stripe's examples of these very resources, but they come from JSON and carry placeholder values
 * (e.g. `customer_shipping: {}`), which the builders below overwrite where a consumer reads them.
 */
export function fixture<T>(resource: string): T {
  const value = fixtureResources[resource];
  if (value === undefined) throw new MissingStripeFixtureError(`resources["${resource}"]`);
  return structuredClone(value) as T;
}

const idAlphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomSuffix(length: number): string {
  let suffix = '';
  for (const byte of randomBytes(length)) suffix += idAlphabet.charAt(byte % idAlphabet.length);
  return suffix;
}

/** An id in Stripe's `prefix_...` shape that nobody can mistake for a real one. */
export function testObjectId(prefix: string): string {
  return `${prefix}_test_${randomSuffix(16)}`;
}

interface BuildContext {
  readonly created: number;
  readonly livemode: boolean;
  readonly amount: number;
  readonly currency: string;
  readonly email: string;
  readonly name: string;
}

const day = 24 * 60 * 60;

function invoiceBase(ctx: BuildContext): Stripe.Invoice {
  const base = fixture<Stripe.Invoice>('invoice');
  const id = testObjectId('in');
  const [line] = base.lines.data;
  if (!line) throw new MissingStripeFixtureError('resources.invoice.lines.data[0]');
  return {
    ...base,
    id,
    livemode: ctx.livemode,
    created: ctx.created,
    currency: ctx.currency,
    customer: testObjectId('cus'),
    customer_email: ctx.email,
    customer_name: ctx.name,
    number: 'INV-0001',
    hosted_invoice_url: `https://example.com/invoices/${id}`,
    invoice_pdf: `https://example.com/invoices/${id}.pdf`,
    amount_due: ctx.amount,
    amount_overpaid: 0,
    subtotal: ctx.amount,
    subtotal_excluding_tax: ctx.amount,
    total: ctx.amount,
    total_excluding_tax: ctx.amount,
    attempted: true,
    attempt_count: 1,
    due_date: null,
    effective_at: ctx.created,
    period_start: ctx.created,
    period_end: ctx.created,
    webhooks_delivered_at: ctx.created,
    // Placeholders in Stripe's example that no real finalized invoice carries.
    last_finalization_error: null,
    from_invoice: null,
    parent: null,
    shipping_cost: null,
    shipping_details: null,
    customer_shipping: null,
    lines: {
      ...base.lines,
      url: `/v1/invoices/${id}/lines`,
      data: [
        {
          ...line,
          id: testObjectId('il'),
          invoice: id,
          livemode: ctx.livemode,
          amount: ctx.amount,
          subtotal: ctx.amount,
          currency: ctx.currency,
          description: 'Pro plan (monthly)',
          period: { start: ctx.created, end: ctx.created + 30 * day },
        },
      ],
    },
  };
}

function paidInvoice(ctx: BuildContext): Stripe.Invoice {
  const invoice = invoiceBase(ctx);
  return {
    ...invoice,
    status: 'paid',
    amount_paid: ctx.amount,
    amount_remaining: 0,
    next_payment_attempt: null,
    status_transitions: {
      finalized_at: ctx.created,
      marked_uncollectible_at: null,
      paid_at: ctx.created,
      voided_at: null,
    },
  };
}

function failedInvoice(ctx: BuildContext): Stripe.Invoice {
  const invoice = invoiceBase(ctx);
  return {
    ...invoice,
    status: 'open',
    amount_paid: 0,
    amount_remaining: ctx.amount,
    // Stripe retries a failed automatic collection; days later is typical of Smart Retries.
    next_payment_attempt: ctx.created + 3 * day,
    status_transitions: { finalized_at: ctx.created, marked_uncollectible_at: null, paid_at: null, voided_at: null },
  };
}

function actionRequiredInvoice(ctx: BuildContext): Stripe.Invoice {
  // The payment needs the customer (3-D Secure): Stripe waits for them instead of retrying on its own.
  return { ...failedInvoice(ctx), next_payment_attempt: null };
}

function uncollectibleInvoice(ctx: BuildContext): Stripe.Invoice {
  // Collection failed and the invoice was written off (by hand, or by the retry settings): nothing more is attempted.
  const invoice = failedInvoice(ctx);
  return {
    ...invoice,
    status: 'uncollectible',
    next_payment_attempt: null,
    status_transitions: { ...invoice.status_transitions, marked_uncollectible_at: ctx.created },
  };
}

function upcomingInvoice(ctx: BuildContext): Stripe.Invoice {
  const invoice = invoiceBase(ctx);
  const renewsAt = ctx.created + 7 * day;
  return {
    ...invoice,
    status: 'draft',
    number: null,
    // A preview: not finalized, so nothing to view or download yet.
    hosted_invoice_url: null,
    invoice_pdf: null,
    attempted: false,
    attempt_count: 0,
    amount_paid: 0,
    amount_remaining: ctx.amount,
    next_payment_attempt: renewsAt,
    period_start: ctx.created,
    period_end: renewsAt,
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
  };
}

function subscriptionBase(ctx: BuildContext): Stripe.Subscription {
  const base = fixture<Stripe.Subscription>('subscription');
  const id = testObjectId('sub');
  const [item] = base.items.data;
  if (!item) throw new MissingStripeFixtureError('resources.subscription.items.data[0]');
  return {
    ...base,
    id,
    livemode: ctx.livemode,
    created: ctx.created,
    start_date: ctx.created,
    billing_cycle_anchor: ctx.created,
    currency: ctx.currency,
    customer: testObjectId('cus'),
    description: 'Pro plan',
    latest_invoice: null,
    next_pending_invoice_item_invoice: null,
    // Placeholders in Stripe's example that no plain monthly subscription carries.
    pending_update: null,
    pause_collection: null,
    transfer_data: null,
    schedule: null,
    items: {
      ...base.items,
      url: `/v1/subscription_items?subscription=${id}`,
      data: [
        {
          ...item,
          id: testObjectId('si'),
          subscription: id,
          created: ctx.created,
          quantity: 1,
          current_period_start: ctx.created,
          current_period_end: ctx.created + 30 * day,
          price: {
            ...item.price,
            currency: ctx.currency,
            unit_amount: ctx.amount,
            nickname: 'Pro (monthly)',
            // A placeholder in Stripe's example (per ~1.6 billion units) that would bill nothing.
            transform_quantity: null,
          },
        },
      ],
    },
  };
}

function trialEndingSubscription(ctx: BuildContext): Stripe.Subscription {
  const subscription = subscriptionBase(ctx);
  // Stripe sends trial_will_end three days before the trial ends.
  const trialEnd = ctx.created + 3 * day;
  return {
    ...subscription,
    status: 'trialing',
    trial_start: ctx.created - 11 * day,
    trial_end: trialEnd,
    cancel_at: null,
    canceled_at: null,
    cancel_at_period_end: false,
    ended_at: null,
  };
}

function deletedSubscription(ctx: BuildContext): Stripe.Subscription {
  const subscription = subscriptionBase(ctx);
  return {
    ...subscription,
    status: 'canceled',
    trial_start: null,
    trial_end: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: ctx.created,
    ended_at: ctx.created,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' },
  };
}

/** A subscription nobody has canceled or scheduled to cancel, without a trial. */
function runningSubscription(ctx: BuildContext): Stripe.Subscription {
  const subscription = subscriptionBase(ctx);
  return {
    ...subscription,
    status: 'active',
    default_payment_method: testObjectId('pm'),
    latest_invoice: testObjectId('in'),
    trial_start: null,
    trial_end: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    ended_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
  };
}

/** `subscription` with its item billed for `start` to `end`. */
function withPeriod(subscription: Stripe.Subscription, start: number, end: number): Stripe.Subscription {
  return {
    ...subscription,
    items: {
      ...subscription.items,
      data: subscription.items.data.map((item) => ({ ...item, current_period_start: start, current_period_end: end })),
    },
  };
}

function createdSubscription(ctx: BuildContext): Stripe.Subscription {
  // Created with a payment method that paid the first invoice at once, so already active.
  return runningSubscription(ctx);
}

function updatedSubscription(ctx: BuildContext): Stripe.Subscription {
  // Back to active: a retry paid the invoice that had made it past_due (see previousAttributes).
  return runningSubscription(ctx);
}

/** Started `created - 14 days` with a 14-day trial and no payment method, set to pause when the trial ends. */
function trialWithoutPaymentMethod(ctx: BuildContext): Stripe.Subscription {
  const trialStart = ctx.created - 14 * day;
  const subscription = runningSubscription(ctx);
  return {
    ...subscription,
    created: trialStart,
    start_date: trialStart,
    billing_cycle_anchor: trialStart,
    default_payment_method: null,
    trial_start: trialStart,
    trial_end: ctx.created,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'pause' } },
  };
}

function pausedSubscription(ctx: BuildContext): Stripe.Subscription {
  // The trial ended without a payment method: Stripe pauses the subscription and creates no invoice.
  // (This is status `paused`, not `pause_collection`, which keeps a subscription active.)
  const subscription = trialWithoutPaymentMethod(ctx);
  return {
    ...withPeriod(subscription, subscription.start_date, ctx.created),
    status: 'paused',
    latest_invoice: null,
  };
}

function resumedSubscription(ctx: BuildContext): Stripe.Subscription {
  // Resumed with a payment method now on file: a new period starts, billed at once.
  const subscription = trialWithoutPaymentMethod(ctx);
  return {
    ...withPeriod(subscription, ctx.created, ctx.created + 30 * day),
    status: 'active',
    billing_cycle_anchor: ctx.created,
    default_payment_method: testObjectId('pm'),
    latest_invoice: testObjectId('in'),
  };
}

function completedCheckoutSession(ctx: BuildContext): Stripe.Checkout.Session {
  const base = fixture<Stripe.Checkout.Session>('checkout.session');
  return {
    ...base,
    id: testObjectId('cs'),
    livemode: ctx.livemode,
    created: ctx.created,
    expires_at: ctx.created + day,
    amount_subtotal: ctx.amount,
    amount_total: ctx.amount,
    currency: ctx.currency,
    customer_details: {
      address: null,
      business_name: null,
      email: ctx.email,
      individual_name: null,
      name: ctx.name,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    },
    payment_intent: testObjectId('pi'),
    payment_status: 'paid',
    status: 'complete',
    // A completed session has no URL left to visit.
    url: null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    // Placeholders in Stripe's example that contradict the amounts above.
    shipping_cost: null,
    currency_conversion: null,
    collected_information: null,
    shipping_address_collection: null,
  };
}

/**
 * A session paid by a delayed method (a US bank debit here): complete when the customer finished, then
 * `async_payment_succeeded` or `_failed` days later with the payment's outcome.
 */
function asyncPaymentSession(ctx: BuildContext, paymentStatus: 'paid' | 'unpaid'): Stripe.Checkout.Session {
  const session = completedCheckoutSession(ctx);
  return {
    ...session,
    created: ctx.created - 4 * day,
    expires_at: ctx.created - 3 * day,
    customer: testObjectId('cus'),
    payment_method_types: ['us_bank_account'],
    payment_status: paymentStatus,
  };
}

function asyncPaidCheckoutSession(ctx: BuildContext): Stripe.Checkout.Session {
  return asyncPaymentSession(ctx, 'paid');
}

function asyncFailedCheckoutSession(ctx: BuildContext): Stripe.Checkout.Session {
  return asyncPaymentSession(ctx, 'unpaid');
}

function refundedCharge(ctx: BuildContext): Stripe.Charge {
  const base = fixture<Stripe.Charge>('charge');
  const id = testObjectId('ch');
  const paymentIntent = testObjectId('pi');
  const refund: Stripe.Refund = {
    ...fixture<Stripe.Refund>('refund'),
    id: testObjectId('re'),
    amount: ctx.amount,
    charge: id,
    created: ctx.created,
    currency: ctx.currency,
    payment_intent: paymentIntent,
    reason: 'requested_by_customer',
    status: 'succeeded',
  };
  return {
    ...base,
    id,
    livemode: ctx.livemode,
    created: ctx.created,
    amount: ctx.amount,
    amount_captured: ctx.amount,
    amount_refunded: ctx.amount,
    captured: true,
    paid: true,
    refunded: true,
    status: 'succeeded',
    currency: ctx.currency,
    description: 'Pro plan (monthly)',
    billing_details: { ...base.billing_details, email: ctx.email, name: ctx.name },
    receipt_email: ctx.email,
    receipt_url: `https://example.com/receipts/${id}`,
    payment_intent: paymentIntent,
    refunds: { object: 'list', data: [refund], has_more: false, url: `/v1/charges/${id}/refunds` },
    // Placeholders in Stripe's example: a card charge has no source object and no transfer.
    source: null,
    transfer_data: null,
  };
}

function succeededPaymentIntent(ctx: BuildContext): Stripe.PaymentIntent {
  const base = fixture<Stripe.PaymentIntent>('payment_intent');
  const id = testObjectId('pi');
  return {
    ...base,
    id,
    livemode: ctx.livemode,
    created: ctx.created,
    amount: ctx.amount,
    amount_received: ctx.amount,
    amount_capturable: 0,
    currency: ctx.currency,
    status: 'succeeded',
    description: 'Pro plan (monthly)',
    receipt_email: ctx.email,
    latest_charge: testObjectId('ch'),
    payment_method: testObjectId('pm'),
    client_secret: `${id}_secret_${randomSuffix(24)}`,
    // Placeholders in Stripe's example that a succeeded intent does not have.
    canceled_at: null,
    last_payment_error: null,
    next_action: null,
    processing: null,
    transfer_data: null,
    shipping: null,
  };
}

function createdCustomer(ctx: BuildContext): Stripe.Customer {
  const base = fixture<Stripe.Customer>('customer');
  return {
    ...base,
    id: testObjectId('cus'),
    livemode: ctx.livemode,
    created: ctx.created,
    email: ctx.email,
    name: ctx.name,
    // A new customer has not been billed yet, so Stripe has not fixed a currency for them.
    currency: null,
    discount: null,
    shipping: null,
  };
}

function updatedCustomer(ctx: BuildContext): Stripe.Customer {
  // The customer saved a card as their default (see previousAttributes); billed before, so a currency.
  const customer = createdCustomer(ctx);
  return {
    ...customer,
    currency: ctx.currency,
    invoice_settings: { ...customer.invoice_settings, default_payment_method: testObjectId('pm') },
  };
}

function deletedCustomer(ctx: BuildContext): Stripe.Customer {
  // Stripe sends the customer's last full state; only the API's answer for it afterwards is the
  // `{ id, object, deleted: true }` stub.
  return { ...createdCustomer(ctx), currency: ctx.currency };
}

function updatedEntitlementSummary(ctx: BuildContext): Stripe.Entitlements.ActiveEntitlementSummary {
  const base = fixture<Stripe.Entitlements.ActiveEntitlementSummary>('entitlements.active_entitlement_summary');
  const [example] = base.entitlements.data;
  if (!example)
    throw new MissingStripeFixtureError('resources["entitlements.active_entitlement_summary"].entitlements.data[0]');
  const customer = testObjectId('cus');
  // Events carry the feature as an id: Stripe expands nothing in a webhook payload.
  const entitlement = (lookupKey: string): Stripe.Entitlements.ActiveEntitlement => ({
    ...example,
    id: testObjectId('ent'),
    livemode: ctx.livemode,
    feature: testObjectId('feat'),
    lookup_key: lookupKey,
  });
  return {
    ...base,
    customer,
    livemode: ctx.livemode,
    entitlements: {
      ...base.entitlements,
      data: [entitlement('pro-reports'), entitlement('priority-support')],
      has_more: false,
      url: `/v1/entitlements/active_entitlements?customer=${customer}`,
    },
  };
}

const builders: { readonly [T in SupportedEventType]: (ctx: BuildContext) => StripeEventObject<T> } = {
  'invoice.paid': paidInvoice,
  'invoice.payment_failed': failedInvoice,
  'invoice.payment_action_required': actionRequiredInvoice,
  'invoice.upcoming': upcomingInvoice,
  'checkout.session.completed': completedCheckoutSession,
  'charge.refunded': refundedCharge,
  'payment_intent.succeeded': succeededPaymentIntent,
  'customer.created': createdCustomer,
  'customer.subscription.trial_will_end': trialEndingSubscription,
  'customer.subscription.deleted': deletedSubscription,
  'customer.updated': updatedCustomer,
  'customer.deleted': deletedCustomer,
  'customer.subscription.created': createdSubscription,
  'customer.subscription.updated': updatedSubscription,
  'customer.subscription.paused': pausedSubscription,
  'customer.subscription.resumed': resumedSubscription,
  // Stripe sends payment_succeeded beside paid for the same paid invoice.
  'invoice.payment_succeeded': paidInvoice,
  'invoice.marked_uncollectible': uncollectibleInvoice,
  'checkout.session.async_payment_succeeded': asyncPaidCheckoutSession,
  'checkout.session.async_payment_failed': asyncFailedCheckoutSession,
  'entitlements.active_entitlement_summary.updated': updatedEntitlementSummary,
};

/**
 * `data.previous_attributes` of the `*.updated` types: the changed fields' values before the event,
 * derived from the built object (nested objects hold only their changed fields, as Stripe sends them).
 */
const previousAttributes: {
  readonly [T in SupportedEventType]?: (object: StripeEventObject<T>) => DeepPartial<StripeEventObject<T>>;
} = {
  'customer.updated': () => ({ invoice_settings: { default_payment_method: null } }),
  'customer.subscription.updated': () => ({ status: 'past_due' }),
  // The summary before the last entitlement was granted.
  'entitlements.active_entitlement_summary.updated': (summary) => ({
    entitlements: { ...summary.entitlements, data: summary.entitlements.data.slice(0, -1) },
  }),
};

/** Whether an override set the field at `path` (dotted, from `data.object`): itself, or an object holding it. */
type Overridden = (path: string) => boolean;

function safeAmount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

/**
 * What follows an overridden amount in each type's object, so an override cannot leave it saying two
 * things (a charge `refunded: true` with a partial `amount_refunded`). A field an override set itself
 * is never changed.
 */
const derivedFromAmounts: {
  readonly [T in SupportedEventType]?: (object: Record<string, unknown>, overridden: Overridden) => void;
} = {
  'charge.refunded': (charge, overridden) => {
    const amount = safeAmount(charge.amount);
    if (amount !== undefined && overridden('amount') && !overridden('amount_captured') && 'amount_captured' in charge) {
      charge.amount_captured = amount;
    }
    const list = isPlainObject(charge.refunds) && Array.isArray(charge.refunds.data) ? charge.refunds : undefined;
    const refunds = list?.data as unknown[] | undefined;
    const latest = refunds?.[0];
    const earlier = (refunds ?? [])
      .slice(1)
      .map((refund) => (isPlainObject(refund) ? safeAmount(refund.amount) : undefined));
    const earlierTotal = earlier.every((value) => value !== undefined)
      ? earlier.reduce((sum: number, value) => sum + (value ?? 0), 0)
      : undefined;
    const amountRefunded = safeAmount(charge.amount_refunded);
    if (overridden('amount_refunded')) {
      // The latest refund (Stripe lists the newest first) is what the total adds over the earlier ones.
      const latestAmount =
        amountRefunded === undefined || earlierTotal === undefined ? undefined : amountRefunded - earlierTotal;
      if (
        isPlainObject(latest) &&
        latestAmount !== undefined &&
        latestAmount > 0 &&
        !overridden('refunds.data.0.amount')
      ) {
        latest.amount = latestAmount;
      }
    } else if (
      overridden('refunds') &&
      list?.has_more === false &&
      isPlainObject(latest) &&
      earlierTotal !== undefined
    ) {
      // A refund's amount was set instead: the total is the complete list's sum.
      const latestAmount = safeAmount(latest.amount);
      if (latestAmount !== undefined) charge.amount_refunded = latestAmount + earlierTotal;
    }
    const total = safeAmount(charge.amount_refunded);
    if (!overridden('refunded') && amount !== undefined && total !== undefined) charge.refunded = total >= amount;
  },
};

/**
 * Keeps the fields derived from an amount coherent after overrides of a built event (`--override` of
 * `npm run trigger`, the console's overrides, `buildStripeEvent`'s `object`): for `charge.refunded`,
 * `refunded` is true exactly when `amount_refunded >= amount`, and the latest refund in
 * `refunds.data[0].amount` follows `amount_refunded`. `overriddenPaths` are the overrides' paths from
 * the event's root (`['data', 'object', 'amount_refunded']`). Other types are left as they are.
 */
export function keepAmountsCoherent(
  event: Record<string, unknown>,
  overriddenPaths: readonly (readonly string[])[],
): void {
  const derive =
    typeof event.type === 'string' && isSupportedEventType(event.type) ? derivedFromAmounts[event.type] : undefined;
  const object = isPlainObject(event.data) ? event.data.object : undefined;
  if (derive === undefined || !isPlainObject(object)) return;
  // Paths inside data.object; an override of `data` or `data.object` as a whole set every field.
  const inside = overriddenPaths.flatMap((path) => {
    const root = ['data', 'object'];
    if (path.length <= root.length) return path.every((key, i) => key === root[i]) ? [[]] : [];
    return path[0] === 'data' && path[1] === 'object' ? [path.slice(2)] : [];
  });
  const overridden: Overridden = (dotted) => {
    const field = dotted.split('.');
    return inside.some((path) => {
      const common = Math.min(path.length, field.length);
      return path.slice(0, common).every((key, i) => key === field[i]);
    });
  };
  derive(object, overridden);
}

/** The paths `deepMerge` sets: into plain objects, and whole at anything else (arrays are replaced whole). */
function mergedPaths(patch: Record<string, unknown>, prefix: readonly string[]): string[][] {
  return Object.entries(patch).flatMap(([key, value]) => {
    if (value === undefined || unsafeKeys.has(key)) return [];
    const path = [...prefix, key];
    return isPlainObject(value) && Object.keys(value).length > 0 ? mergedPaths(value, path) : [path];
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const unsafeKeys = new Set(['__proto__', 'constructor', 'prototype']);

function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || unsafeKeys.has(key)) continue;
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) deepMerge(current, value);
    else target[key] = structuredClone(value);
  }
}

function resolveContext(options: BuildStripeEventOptions<unknown>): BuildContext {
  const created = options.created ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(created) || created <= 0 || created >= 1e11) {
    throw new InvalidEventOptionError('created', created, 'a positive whole number of seconds since the epoch');
  }
  const amount = options.amount ?? defaultAmount;
  if (!Number.isSafeInteger(amount)) {
    throw new InvalidEventOptionError('amount', amount, "an integer in the currency's minor unit (2000 = USD 20.00)");
  }
  const currency = options.currency ?? defaultCurrency;
  if (!/^[a-zA-Z]{3}$/.test(currency)) {
    throw new InvalidEventOptionError('currency', currency, "a three-letter ISO currency code such as 'usd'");
  }
  return {
    created,
    livemode: options.livemode ?? false,
    amount,
    currency: currency.toLowerCase(),
    email: options.email ?? defaultCustomerEmail,
    name: defaultCustomerName,
  };
}

/**
 * Builds a realistic event of `type`: a deep copy of Stripe's example object with the fields a
 * consumer reads set to coherent values, wrapped in the envelope Stripe posts to webhook endpoints.
 * Throws {@link UnsupportedEventTypeError} for a type without a builder.
 */
export function buildStripeEvent<T extends SupportedEventType>(
  type: T,
  // NoInfer: T comes from `type` alone, so an override cannot widen it.
  options: BuildStripeEventOptions<StripeEventObject<NoInfer<T>>> = {},
): StripeEventOf<T> {
  // Callers without types (JSON, casts) can still pass any string.
  if (!isSupportedEventType(type)) throw new UnsupportedEventTypeError(type);
  const ctx = resolveContext(options);
  const build: (ctx: BuildContext) => object = builders[type];
  const built = build(ctx);
  // Derived before the override, which changes the object now, not what it was.
  const previous = (previousAttributes[type] as ((object: object) => object) | undefined)?.(built);
  const object: Record<string, unknown> = { ...built };
  if (options.object !== undefined) {
    if (!isPlainObject(options.object)) {
      throw new InvalidEventOptionError('object', options.object, 'an object of fields to merge into data.object');
    }
    deepMerge(object, options.object);
  }
  const event = {
    id: options.id ?? testObjectId('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: ctx.created,
    data: previous === undefined ? { object } : { object, previous_attributes: structuredClone(previous) },
    livemode: ctx.livemode,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
  if (options.object !== undefined) keepAmountsCoherent(event, mergedPaths(options.object, ['data', 'object']));
  // TypeScript cannot relate `type` to the builder's result through the lookup; the signature says what it is.
  return event as unknown as StripeEventOf<T>;
}

/** Headers Stripe sends with every webhook delivery, besides `stripe-signature` (names in lower case). */
export const stripeDeliveryHeaders = {
  'content-type': 'application/json; charset=utf-8',
  'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
  accept: '*/*; q=0.5, application/xml',
  'cache-control': 'no-cache',
} as const;

/** The body Stripe posts: the event as pretty-printed JSON (2 spaces), which is what gets signed. */
export function toStripeWebhookBody(event: Stripe.Event): string {
  return JSON.stringify(event, null, 2);
}

/**
 * The `Stripe-Signature` header for `payload`, computed by the `stripe` package's own test signer.
 * `timestamp` is in seconds (default now); Stripe refuses signatures older than 300 s.
 */
export function signStripePayload(payload: string, secret: string, timestamp?: number): string {
  if (secret.trim() === '') {
    throw new InvalidSignatureInputError('the signing secret is empty; pass the endpoint secret (whsec_...)');
  }
  if (timestamp !== undefined && (!Number.isSafeInteger(timestamp) || timestamp <= 0 || timestamp >= 1e11)) {
    throw new InvalidSignatureInputError(
      `timestamp ${String(timestamp)} is not whole seconds since the epoch; use Math.floor(Date.now() / 1000)`,
    );
  }
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestamp === undefined ? {} : { timestamp }),
  });
}
