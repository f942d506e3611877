import type Stripe from 'stripe';
import { defineSubscriptions, type Subscriptions } from '../define-subscriptions';
import type { EventHandler, EventOfType } from '../event-registry';
import type { HandlerContext } from '../handler-context';
import { findRecipient, type RecipientHints, reportNoRecipient } from './recipient';
import {
  type EmailContent,
  type RenderOptions,
  renderCheckoutConfirmation,
  renderInvoiceReceipt,
  renderPaymentActionRequired,
  renderPaymentFailed,
  renderRefundNotice,
  renderRenewalReminder,
  renderSubscriptionEnded,
  renderTrialEnding,
} from './templates';

/** Whether a built-in email goes out in the cases a business often does not want one. */
export interface BuiltInEmailRules {
  /**
   * Send a receipt for an invoice of amount 0 (a trial start, a fully discounted month).
   * @default false
   */
  readonly zeroAmountReceipts?: boolean;
  /**
   * Send the checkout confirmation for a subscription-mode Checkout too. Off by default: its first
   * invoice's receipt (`invoice.paid`) is then the one email the customer gets.
   * @default false
   */
  readonly subscriptionCheckoutConfirmation?: boolean;
}

function skipped(context: HandlerContext, message: string, outcome: string): void {
  context.logger.info(message, { eventId: context.eventId, outcome });
  context.metrics.count('EmailsSkipped');
}

/** Finds the recipient, renders in their language with the business's layout, and sends once. */
async function sendCustomerEmail(
  context: HandlerContext,
  hints: RecipientHints,
  render: (options: RenderOptions) => EmailContent,
): Promise<void> {
  const recipient = await findRecipient(hints, context);
  if ('skipped' in recipient) return reportNoRecipient(context, recipient.skipped);
  const { businessName, supportAddress, logoUrl } = context.emailSettings;
  const content = render({ locale: recipient.locale, brand: { businessName, supportAddress, logoUrl } });
  await context.sendEmail({ to: recipient.to, ...content });
}

function invoiceHints(invoice: Stripe.Invoice): RecipientHints {
  return { email: invoice.customer_email, customer: invoice.customer };
}

/** `invoice.paid`: the receipt. */
export function invoiceReceipt(rules: BuiltInEmailRules = {}) {
  return async (event: Stripe.InvoicePaidEvent, context: HandlerContext): Promise<void> => {
    const invoice = event.data.object;
    if (invoice.amount_paid === 0 && !rules.zeroAmountReceipts) {
      return skipped(
        context,
        'Invoice of amount 0; no receipt sent (zeroAmountReceipts is off)',
        'skipped_zero_amount',
      );
    }
    await sendCustomerEmail(context, invoiceHints(invoice), (options) => renderInvoiceReceipt(invoice, options));
  };
}

/** `checkout.session.completed`: the order confirmation of a payment-mode Checkout. */
export function checkoutConfirmation(rules: BuiltInEmailRules = {}) {
  return async (event: Stripe.CheckoutSessionCompletedEvent, context: HandlerContext): Promise<void> => {
    const session = event.data.object;
    if (session.mode === 'subscription' && !rules.subscriptionCheckoutConfirmation) {
      return skipped(
        context,
        "Subscription checkout; its first invoice's receipt is the one email (subscriptionCheckoutConfirmation is off)",
        'skipped_subscription_checkout',
      );
    }
    await sendCustomerEmail(
      context,
      { email: session.customer_details?.email, customer: session.customer, locale: session.locale },
      (options) => renderCheckoutConfirmation(session, options),
    );
  };
}

/** `invoice.payment_failed`: what is due, which attempt failed, when Stripe tries again, and a link to pay. */
export async function paymentFailedNotice(event: Stripe.InvoicePaymentFailedEvent, context: HandlerContext) {
  const invoice = event.data.object;
  await sendCustomerEmail(context, invoiceHints(invoice), (options) => renderPaymentFailed(invoice, options));
}

/** `invoice.payment_action_required`: the customer must complete the payment (3-D Secure, say). */
export async function paymentActionRequiredNotice(
  event: Stripe.InvoicePaymentActionRequiredEvent,
  context: HandlerContext,
) {
  const invoice = event.data.object;
  await sendCustomerEmail(context, invoiceHints(invoice), (options) => renderPaymentActionRequired(invoice, options));
}

/** `charge.refunded`: how much of the charge went back, with the receipt link. */
export async function refundNotice(event: Stripe.ChargeRefundedEvent, context: HandlerContext) {
  const charge = event.data.object;
  await sendCustomerEmail(
    context,
    { email: charge.receipt_email ?? charge.billing_details?.email, customer: charge.customer },
    (options) => renderRefundNotice(charge, options),
  );
}

/** `customer.subscription.trial_will_end`: when the trial ends and what is charged after it. */
export async function trialEndingNotice(event: Stripe.CustomerSubscriptionTrialWillEndEvent, context: HandlerContext) {
  const subscription = event.data.object;
  await sendCustomerEmail(context, { customer: subscription.customer }, (options) =>
    renderTrialEnding(subscription, options),
  );
}

/** `customer.subscription.deleted`: the subscription has ended. */
export async function subscriptionEndedNotice(event: Stripe.CustomerSubscriptionDeletedEvent, context: HandlerContext) {
  const subscription = event.data.object;
  await sendCustomerEmail(context, { customer: subscription.customer }, (options) =>
    renderSubscriptionEnded(subscription, options),
  );
}

/** `invoice.upcoming`: a renewal reminder (off by default: many businesses let renewals pass quietly). */
export async function renewalReminder(event: Stripe.InvoiceUpcomingEvent, context: HandlerContext) {
  const invoice = event.data.object;
  await sendCustomerEmail(context, invoiceHints(invoice), (options) => renderRenewalReminder(invoice, options));
}

/** The receipt with the default rules. */
export const sendInvoiceReceipt = invoiceReceipt();
/** The checkout confirmation with the default rules. */
export const sendCheckoutConfirmation = checkoutConfirmation();

/** The customer emails this package sends, by the event type that triggers each. */
const builtInHandlers = {
  'invoice.paid': (rules: BuiltInEmailRules) => invoiceReceipt(rules),
  'checkout.session.completed': (rules: BuiltInEmailRules) => checkoutConfirmation(rules),
  'invoice.payment_failed': () => paymentFailedNotice,
  'invoice.payment_action_required': () => paymentActionRequiredNotice,
  'charge.refunded': () => refundNotice,
  'customer.subscription.trial_will_end': () => trialEndingNotice,
  'customer.subscription.deleted': () => subscriptionEndedNotice,
  'invoice.upcoming': () => renewalReminder,
} as const satisfies {
  readonly [T in Stripe.Event.Type]?: (rules: BuiltInEmailRules) => EventHandler<EventOfType<T>, HandlerContext>;
};

export type BuiltInEmailType = keyof typeof builtInHandlers;

/** The event types of the built-in emails. */
export const builtInEmailTypes = Object.keys(builtInHandlers) as BuiltInEmailType[];

/** Built-in emails that are off unless switched on with `on`. */
export const builtInEmailTypesOffByDefault: readonly BuiltInEmailType[] = ['invoice.upcoming'];

export interface BuiltInEmailsOptions extends BuiltInEmailRules {
  /** Email types to switch off: nothing is sent for them (and the receiver stops queueing them). @default none */
  readonly off?: readonly BuiltInEmailType[];
  /** Email types that are off by default to switch on (`invoice.upcoming`, the renewal reminder). @default none */
  readonly on?: readonly BuiltInEmailType[];
  /** A team's own handler in place of a built-in email, per event type. @default none */
  readonly replace?: { readonly [T in BuiltInEmailType]?: EventHandler<EventOfType<T>, HandlerContext> };
}

export class UnknownBuiltInEmailError extends Error {
  constructor(type: string) {
    super(
      `There is no built-in email for ${JSON.stringify(type)}; the built-in emails are ${builtInEmailTypes.join(', ')}.`,
    );
    this.name = 'UnknownBuiltInEmailError';
  }
}

/** The types `builtInEmails(options)` subscribes to. */
export function enabledBuiltInEmailTypes(options: BuiltInEmailsOptions = {}): BuiltInEmailType[] {
  const off = new Set<string>(options.off ?? []);
  const on = new Set<string>(options.on ?? []);
  for (const type of [...off, ...on, ...Object.keys(options.replace ?? {})]) {
    if (!(type in builtInHandlers)) throw new UnknownBuiltInEmailError(type);
  }
  return builtInEmailTypes.filter(
    (type) => !off.has(type) && (!builtInEmailTypesOffByDefault.includes(type) || on.has(type)),
  );
}

/**
 * The built-in customer emails as one set of subscriptions to include, each switchable off or
 * replaceable: `include(builtInEmails({ off: ['checkout.session.completed'] }))`.
 */
export function builtInEmails(options: BuiltInEmailsOptions = {}): Subscriptions {
  const types = enabledBuiltInEmailTypes(options);
  return defineSubscriptions((on) => {
    for (const type of types) {
      const handler = options.replace?.[type] ?? builtInHandlers[type](options);
      // One registration per type; the union of handler types is what `on` cannot narrow by itself.
      (on as (type: string, handler: EventHandler<never, HandlerContext>) => void)(
        type,
        handler as EventHandler<never, HandlerContext>,
      );
    }
  });
}
