/**
 * Sample Stripe objects for every customer email, for the previews (`npm run emails:preview`) and
 * the template tests. Each is a deep copy of Stripe's own example object
 * (`events/stripe-fixtures/fixtures.json`) with the fields a real one of that event carries set to
 * coherent values, so the templates are tried on Stripe's real shapes rather than on objects typed
 * by hand. Deterministic (fixed ids and dates), so two preview runs give the same files. Test data
 * only: every id says `test` and every address is on example.com.
 */
import type Stripe from 'stripe';
import { minorUnitExponent } from '../functions/consumer/emails/money';
import type { EmailContent, RenderOptions } from '../functions/consumer/emails/templates';
import {
  renderCheckoutConfirmation,
  renderInvoiceReceipt,
  renderPaymentActionRequired,
  renderPaymentFailed,
  renderRefundNotice,
  renderRenewalReminder,
  renderSubscriptionEnded,
  renderTrialEnding,
} from '../functions/consumer/emails/templates';
import { fixture, MissingStripeFixtureError } from './stripe-events';

export interface SampleOptions {
  /** Three-letter currency code, as Stripe writes it. @default 'usd' */
  readonly currency?: string;
  /**
   * The plan's price in the currency's minor unit, as Stripe sends it; extra seats and totals are
   * derived from it. @default {@link defaultSampleAmount} for the currency
   */
  readonly amount?: number;
  /** When the event happened, in seconds since the epoch. @default 22 November 2026, 10:00 UTC */
  readonly created?: number;
  /** The customer's name; `null` for a customer without one. @default 'Jenny Rosen' */
  readonly customerName?: string | null;
  /** Extra seats billed beside the plan (a second line, a second subscription item). @default 2 */
  readonly extraSeats?: number;
}

export const sampleCustomerName = 'Jenny Rosen';
export const sampleCustomerEmail = 'jenny.rosen@example.com';
export const sampleCreated = Date.UTC(2026, 10, 22, 10, 0, 0) / 1000;

const day = 24 * 60 * 60;

export class InvalidSampleOptionError extends Error {
  constructor(option: string, value: unknown, rule: string) {
    super(`Sample option "${option}" is ${JSON.stringify(value)}, but it must be ${rule}.`);
    this.name = 'InvalidSampleOptionError';
  }
}

/** A price people would recognize in the currency: $20.00, ¥3,000, 6.500 KWD. */
export function defaultSampleAmount(currency: string): number {
  const amounts: Readonly<Record<string, number>> = { usd: 2000, eur: 2000, jpy: 3000, kwd: 6500 };
  return amounts[currency.toLowerCase()] ?? 20 * 10 ** minorUnitExponent(currency);
}

interface Resolved {
  readonly currency: string;
  readonly amount: number;
  readonly seatAmount: number;
  readonly seats: number;
  readonly created: number;
  readonly name: string | null;
}

function resolve(options: SampleOptions): Resolved {
  const currency = (options.currency ?? 'usd').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) {
    throw new InvalidSampleOptionError('currency', options.currency, "a three-letter currency code such as 'usd'");
  }
  const exponent = minorUnitExponent(currency);
  const amount = options.amount ?? defaultSampleAmount(currency);
  // Stripe refuses three-decimal amounts that do not end in 0.
  const step = exponent === 3 ? 10 : 1;
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount % step !== 0) {
    throw new InvalidSampleOptionError(
      'amount',
      options.amount,
      `a positive integer in the currency's minor unit${step > 1 ? ' ending in 0 (Stripe requires it for three-decimal currencies)' : ''}`,
    );
  }
  const seats = options.extraSeats ?? 2;
  if (!Number.isSafeInteger(seats) || seats < 0) {
    throw new InvalidSampleOptionError('extraSeats', options.extraSeats, 'a whole number, 0 or more');
  }
  // A seat costs about a quarter of the plan, rounded to what the currency can charge.
  const seatAmount = Math.max(step, Math.round(amount / 4 / step) * step);
  return {
    currency,
    amount,
    seatAmount,
    seats,
    created: options.created ?? sampleCreated,
    name: options.customerName === undefined ? sampleCustomerName : options.customerName,
  };
}

function total(r: Resolved): number {
  return r.amount + r.seats * r.seatAmount;
}

const ids = {
  invoice: 'in_test_sample0001',
  customer: 'cus_test_sample0001',
  subscription: 'sub_test_sample0001',
  charge: 'ch_test_sample0001',
  paymentIntent: 'pi_test_sample0001',
} as const;

function invoiceLine(
  base: Stripe.InvoiceLineItem,
  r: Resolved,
  id: string,
  description: string,
  quantity: number,
  amount: number,
): Stripe.InvoiceLineItem {
  return {
    ...structuredClone(base),
    id,
    invoice: ids.invoice,
    livemode: false,
    amount,
    subtotal: amount,
    currency: r.currency,
    description,
    quantity,
    period: { start: r.created, end: r.created + 30 * day },
    pretax_credit_amounts: [],
    taxes: [],
  };
}

function invoiceBase(r: Resolved): Stripe.Invoice {
  const base = fixture<Stripe.Invoice>('invoice');
  const line = fixture<Stripe.InvoiceLineItem>('line_item');
  const sum = total(r);
  const lines = [invoiceLine(line, r, 'il_test_sample0001', 'Pro plan (monthly)', 1, r.amount)];
  if (r.seats > 0) {
    lines.push(invoiceLine(line, r, 'il_test_sample0002', 'Extra seat', r.seats, r.seats * r.seatAmount));
  }
  return {
    ...base,
    id: ids.invoice,
    livemode: false,
    created: r.created,
    currency: r.currency,
    customer: ids.customer,
    customer_email: sampleCustomerEmail,
    customer_name: r.name,
    number: 'INV-TEST-0001',
    hosted_invoice_url: `https://example.com/invoices/${ids.invoice}`,
    invoice_pdf: `https://example.com/invoices/${ids.invoice}.pdf`,
    billing_reason: 'subscription_cycle',
    amount_due: sum,
    amount_overpaid: 0,
    subtotal: sum,
    subtotal_excluding_tax: sum,
    total: sum,
    total_excluding_tax: sum,
    attempted: true,
    attempt_count: 1,
    due_date: null,
    effective_at: r.created,
    period_start: r.created - 30 * day,
    period_end: r.created,
    webhooks_delivered_at: r.created,
    // Placeholders in Stripe's example that no real finalized invoice carries.
    last_finalization_error: null,
    from_invoice: null,
    parent: null,
    shipping_cost: null,
    shipping_details: null,
    customer_shipping: null,
    lines: { ...base.lines, url: `/v1/invoices/${ids.invoice}/lines`, data: lines, has_more: false },
  };
}

/** `invoice.paid`: a paid subscription invoice with two lines. */
export function samplePaidInvoice(options: SampleOptions = {}): Stripe.Invoice {
  const r = resolve(options);
  const invoice = invoiceBase(r);
  return {
    ...invoice,
    status: 'paid',
    amount_paid: invoice.amount_due,
    amount_remaining: 0,
    next_payment_attempt: null,
    status_transitions: { finalized_at: r.created, marked_uncollectible_at: null, paid_at: r.created, voided_at: null },
  };
}

/** `invoice.payment_failed`: the second attempt failed; Smart Retries tries again in 3 days. */
export function sampleFailedInvoice(options: SampleOptions = {}): Stripe.Invoice {
  const r = resolve(options);
  const invoice = invoiceBase(r);
  return {
    ...invoice,
    status: 'open',
    amount_paid: 0,
    amount_remaining: invoice.amount_due,
    attempt_count: 2,
    next_payment_attempt: r.created + 3 * day,
    status_transitions: { finalized_at: r.created, marked_uncollectible_at: null, paid_at: null, voided_at: null },
  };
}

/** `invoice.payment_failed` after the last retry: Stripe will not try again. */
export function sampleFinalFailedInvoice(options: SampleOptions = {}): Stripe.Invoice {
  return { ...sampleFailedInvoice(options), attempt_count: 4, next_payment_attempt: null };
}

/** `invoice.payment_action_required`: the bank asks for 3-D Secure; Stripe waits for the customer. */
export function sampleActionRequiredInvoice(options: SampleOptions = {}): Stripe.Invoice {
  return { ...sampleFailedInvoice(options), attempt_count: 1, next_payment_attempt: null };
}

/** `invoice.upcoming`: a preview of the next renewal, a week ahead; not finalized, so no number and no page. */
export function sampleUpcomingInvoice(options: SampleOptions = {}): Stripe.Invoice {
  const r = resolve(options);
  const invoice = invoiceBase(r);
  const renewsAt = r.created + 7 * day;
  return {
    ...invoice,
    status: 'draft',
    number: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    attempted: false,
    attempt_count: 0,
    amount_paid: 0,
    amount_remaining: invoice.amount_due,
    next_payment_attempt: renewsAt,
    period_start: renewsAt - 30 * day,
    period_end: renewsAt,
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
  };
}

function samplePrice(r: Resolved, id: string, nickname: string, unitAmount: number): Stripe.Price {
  const subscription = fixture<Stripe.Subscription>('subscription');
  const [item] = subscription.items.data;
  if (!item) throw new MissingStripeFixtureError('resources.subscription.items.data[0]');
  return {
    ...item.price,
    id,
    livemode: false,
    currency: r.currency,
    nickname,
    product: `prod_test_${id.slice('price_test_'.length)}`,
    unit_amount: unitAmount,
    // The SDK types this as its Decimal class, not the string the webhook JSON carries; no template reads it.
    unit_amount_decimal: null,
    recurring: { interval: 'month', interval_count: 1, meter: null, usage_type: 'licensed', trial_period_days: null },
    // A placeholder in Stripe's example; a per-seat price does not divide its quantity.
    transform_quantity: null,
  };
}

function checkoutItem(r: Resolved, id: string, price: Stripe.Price, description: string, quantity: number) {
  const amount = (price.unit_amount ?? 0) * quantity;
  const item: Stripe.LineItem = {
    id,
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: r.currency,
    description,
    metadata: {},
    price,
    quantity,
  };
  return item;
}

/** `checkout.session.completed`: a paid one-off order, with its `line_items` expanded. */
export function sampleCheckoutSession(options: SampleOptions = {}): Stripe.Checkout.Session {
  const r = resolve(options);
  const base = fixture<Stripe.Checkout.Session>('checkout.session');
  const id = 'cs_test_sample0001';
  const items = [
    checkoutItem(r, 'li_test_sample0001', samplePrice(r, 'price_test_pro', 'Pro', r.amount), 'Pro starter kit', 1),
  ];
  if (r.seats > 0) {
    const seat = samplePrice(r, 'price_test_seat', 'Seat', r.seatAmount);
    items.push(
      checkoutItem(r, 'li_test_sample0002', { ...seat, recurring: null, type: 'one_time' }, 'Extra seat', r.seats),
    );
  }
  const sum = total(r);
  return {
    ...base,
    id,
    livemode: false,
    created: r.created,
    expires_at: r.created + day,
    mode: 'payment',
    amount_subtotal: sum,
    amount_total: sum,
    currency: r.currency,
    customer: ids.customer,
    customer_details: {
      address: null,
      business_name: null,
      email: sampleCustomerEmail,
      individual_name: null,
      name: r.name,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    },
    payment_intent: ids.paymentIntent,
    payment_status: 'paid',
    status: 'complete',
    // A completed session has no URL left to visit.
    url: null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    line_items: { object: 'list', data: items, has_more: false, url: `/v1/checkout/sessions/${id}/line_items` },
    // Placeholders in Stripe's example that contradict the amounts above.
    shipping_cost: null,
    currency_conversion: null,
    collected_information: null,
    shipping_address_collection: null,
  };
}

export interface RefundSampleOptions extends SampleOptions {
  /** How much of the charge was refunded so far, in minor units. @default the whole charge */
  readonly refunded?: number;
}

/** `charge.refunded`: a card charge refunded in full, or in part with `refunded`. */
export function sampleRefundedCharge(options: RefundSampleOptions = {}): Stripe.Charge {
  const r = resolve(options);
  const base = fixture<Stripe.Charge>('charge');
  const amount = total(r);
  const refunded = options.refunded ?? amount;
  if (!Number.isSafeInteger(refunded) || refunded <= 0 || refunded > amount) {
    throw new InvalidSampleOptionError('refunded', options.refunded, `an integer from 1 to the charge's ${amount}`);
  }
  const refund: Stripe.Refund = {
    ...fixture<Stripe.Refund>('refund'),
    id: 're_test_sample0001',
    amount: refunded,
    charge: ids.charge,
    created: r.created,
    currency: r.currency,
    payment_intent: ids.paymentIntent,
    reason: 'requested_by_customer',
    status: 'succeeded',
  };
  return {
    ...base,
    id: ids.charge,
    livemode: false,
    created: r.created - 2 * day,
    amount,
    amount_captured: amount,
    amount_refunded: refunded,
    captured: true,
    paid: true,
    refunded: refunded === amount,
    status: 'succeeded',
    currency: r.currency,
    customer: ids.customer,
    description: 'Pro plan (monthly)',
    billing_details: { ...base.billing_details, email: sampleCustomerEmail, name: r.name },
    receipt_email: sampleCustomerEmail,
    receipt_url: `https://example.com/receipts/${ids.charge}`,
    payment_intent: ids.paymentIntent,
    refunds: { object: 'list', data: [refund], has_more: false, url: `/v1/charges/${ids.charge}/refunds` },
    // Placeholders in Stripe's example: a card charge has no source object and no transfer.
    source: null,
    transfer_data: null,
  };
}

function sampleCustomer(r: Resolved): Stripe.Customer {
  return {
    ...fixture<Stripe.Customer>('customer'),
    id: ids.customer,
    livemode: false,
    created: r.created - 60 * day,
    email: sampleCustomerEmail,
    name: r.name,
    currency: r.currency,
    discount: null,
    shipping: null,
  };
}

export interface SubscriptionSampleOptions extends SampleOptions {
  /**
   * `customer` as a webhook carries it (its id), or expanded as `stripe.subscriptions.retrieve(id,
   * { expand: ['customer'] })` returns it (then the email greets the customer by name). @default 'id'
   */
  readonly customer?: 'id' | 'expanded';
}

function subscriptionBase(r: Resolved, options: SubscriptionSampleOptions): Stripe.Subscription {
  const base = fixture<Stripe.Subscription>('subscription');
  const [item] = base.items.data;
  if (!item) throw new MissingStripeFixtureError('resources.subscription.items.data[0]');
  const subscriptionItem = (id: string, price: Stripe.Price, quantity: number): Stripe.SubscriptionItem => ({
    ...structuredClone(item),
    id,
    subscription: ids.subscription,
    created: r.created,
    quantity,
    price,
    current_period_start: r.created,
    current_period_end: r.created + 30 * day,
  });
  const items = [subscriptionItem('si_test_sample0001', samplePrice(r, 'price_test_pro', 'Pro', r.amount), 1)];
  if (r.seats > 0) {
    items.push(
      subscriptionItem('si_test_sample0002', samplePrice(r, 'price_test_seat', 'Extra seat', r.seatAmount), r.seats),
    );
  }
  return {
    ...base,
    id: ids.subscription,
    livemode: false,
    created: r.created - 11 * day,
    start_date: r.created - 11 * day,
    billing_cycle_anchor: r.created + 3 * day,
    currency: r.currency,
    customer: options.customer === 'expanded' ? sampleCustomer(r) : ids.customer,
    description: 'Pro plan',
    latest_invoice: null,
    next_pending_invoice_item_invoice: null,
    // Placeholders in Stripe's example that no plain monthly subscription carries.
    pending_update: null,
    pause_collection: null,
    transfer_data: null,
    schedule: null,
    items: { ...base.items, url: `/v1/subscription_items?subscription=${ids.subscription}`, data: items },
  };
}

/** `customer.subscription.trial_will_end`: Stripe sends it three days before the trial ends. */
export function sampleTrialingSubscription(options: SubscriptionSampleOptions = {}): Stripe.Subscription {
  const r = resolve(options);
  return {
    ...subscriptionBase(r, options),
    status: 'trialing',
    trial_start: r.created - 11 * day,
    trial_end: r.created + 3 * day,
    cancel_at: null,
    canceled_at: null,
    cancel_at_period_end: false,
    ended_at: null,
  };
}

/** `customer.subscription.deleted`: canceled by the customer, ended now. */
export function sampleEndedSubscription(options: SubscriptionSampleOptions = {}): Stripe.Subscription {
  const r = resolve(options);
  return {
    ...subscriptionBase(r, options),
    status: 'canceled',
    trial_start: null,
    trial_end: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: r.created - day,
    ended_at: r.created,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' },
  };
}

export interface EmailSample {
  /** Kebab-case, for file names: `invoice-receipt`. */
  readonly id: string;
  /** The Stripe event that sends it. */
  readonly eventType: Stripe.Event.Type;
  readonly title: string;
  readonly render: (sample: SampleOptions, options: RenderOptions) => EmailContent;
}

/** Every email the consumer can send, with a sample of the event's object, in the order the previews list them. */
export const emailSamples: readonly EmailSample[] = [
  {
    id: 'invoice-receipt',
    eventType: 'invoice.paid',
    title: 'Receipt',
    render: (sample, options) => renderInvoiceReceipt(samplePaidInvoice(sample), options),
  },
  {
    id: 'checkout-confirmation',
    eventType: 'checkout.session.completed',
    title: 'Order confirmation',
    render: (sample, options) => renderCheckoutConfirmation(sampleCheckoutSession(sample), options),
  },
  {
    id: 'payment-failed',
    eventType: 'invoice.payment_failed',
    title: 'Payment failed, retry scheduled',
    render: (sample, options) => renderPaymentFailed(sampleFailedInvoice(sample), options),
  },
  {
    id: 'payment-failed-final',
    eventType: 'invoice.payment_failed',
    title: 'Payment failed, no further attempt',
    render: (sample, options) => renderPaymentFailed(sampleFinalFailedInvoice(sample), options),
  },
  {
    id: 'payment-action-required',
    eventType: 'invoice.payment_action_required',
    title: 'Payment needs confirmation (3-D Secure)',
    render: (sample, options) => renderPaymentActionRequired(sampleActionRequiredInvoice(sample), options),
  },
  {
    id: 'refund-full',
    eventType: 'charge.refunded',
    title: 'Full refund',
    render: (sample, options) => renderRefundNotice(sampleRefundedCharge(sample), options),
  },
  {
    id: 'refund-partial',
    eventType: 'charge.refunded',
    title: 'Partial refund',
    render: (sample, options) => {
      const charge = sampleRefundedCharge(sample);
      return renderRefundNotice(sampleRefundedCharge({ ...sample, refunded: partOf(charge) }), options);
    },
  },
  {
    id: 'trial-ending',
    eventType: 'customer.subscription.trial_will_end',
    title: 'Trial ending',
    render: (sample, options) => renderTrialEnding(sampleTrialingSubscription(sample), options),
  },
  {
    id: 'subscription-ended',
    eventType: 'customer.subscription.deleted',
    title: 'Subscription ended',
    render: (sample, options) => renderSubscriptionEnded(sampleEndedSubscription(sample), options),
  },
  {
    id: 'renewal-reminder',
    eventType: 'invoice.upcoming',
    title: 'Renewal reminder',
    render: (sample, options) => renderRenewalReminder(sampleUpcomingInvoice(sample), options),
  },
];

/** About a third of a charge, in an amount the currency can refund (three-decimal amounts end in 0). */
export function partOf(charge: Stripe.Charge): number {
  const step = minorUnitExponent(charge.currency) === 3 ? 10 : 1;
  return Math.max(step, Math.round(charge.amount / 3 / step) * step);
}
