import type Stripe from 'stripe';
import { defineSubscriptions, type Subscriptions } from '../define-subscriptions';
import type { EventHandler, EventOfType } from '../event-registry';
import type { HandlerContext } from '../handler-context';
import { namedHandler } from '../handler-failure';
import { recordOf, textOf } from './fields';
import {
  findRecipient,
  type NoRecipient,
  type RecipientHints,
  reportNoRecipient,
  reportSkippedEmail,
} from './recipient';
import {
  type EmailContent,
  type MissingEmailFact,
  missingMoneyFact,
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

/**
 * Why a built-in email was not sent, as the `reason` dimension of `EmailsSkipped` and the log's
 * `outcome: skipped_<reason>`: no recipient (`no_email`, `customer_deleted`, `stripe_api_not_configured`),
 * a key fact missing or malformed in the payload (`no_amount`, `no_currency`, `no_object`), or a rule
 * (`zero_amount`, `subscription_checkout`).
 */
export type EmailSkipReason = NoRecipient | MissingEmailFact | 'no_object' | 'zero_amount' | 'subscription_checkout';

function skipped(
  context: HandlerContext,
  reason: EmailSkipReason,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): void {
  reportSkippedEmail(
    context,
    reason,
    message,
    reason === 'zero_amount' || reason === 'subscription_checkout' ? 'info' : 'warn',
    details,
  );
}

/** The event's `data.object` when it is an object (the receiver checks it is; a handler called directly may not). */
function objectOf<T>(
  event: { readonly data?: { readonly object?: T } } | undefined,
  context: HandlerContext,
): T | undefined {
  const object = recordOf(recordOf(event?.data)?.object);
  if (object === undefined) {
    skipped(context, 'no_object', 'The event has no data.object to write the email from; no email sent');
    return undefined;
  }
  return object as T;
}

/** Skips, logged and counted, an email whose amount or currency is missing or malformed in the payload. */
function lacksMoney(context: HandlerContext, object: unknown, amountField: string, objectName: string): boolean {
  const problem = missingMoneyFact(object, amountField, objectName);
  if (problem === undefined) return false;
  skipped(context, problem.reason, `${problem.field} is missing or malformed in the event; no email sent`, {
    field: problem.field,
  });
  return true;
}

/** Finds the recipient, renders in their language with the business's layout, and sends once. */
async function sendCustomerEmail(
  event: { readonly created?: unknown },
  context: HandlerContext,
  hints: RecipientHints,
  render: (options: RenderOptions) => EmailContent,
): Promise<void> {
  const recipient = await findRecipient(hints, context);
  if ('skipped' in recipient) return reportNoRecipient(context, recipient.skipped);
  const { businessName, supportAddress, logoUrl } = context.emailSettings;
  const eventCreated = typeof event.created === 'number' ? { eventCreated: event.created } : {};
  const content = render({
    locale: recipient.locale,
    brand: { businessName, supportAddress, logoUrl },
    ...eventCreated,
  });
  await context.sendEmail({ to: recipient.to, ...content });
}

function invoiceHints(invoice: Stripe.Invoice): RecipientHints {
  return { email: invoice.customer_email, customer: invoice.customer };
}

/** `invoice.paid`: the receipt. */
export function invoiceReceipt(rules: BuiltInEmailRules = {}) {
  return async (event: Stripe.InvoicePaidEvent, context: HandlerContext): Promise<void> => {
    const invoice = objectOf(event, context);
    if (invoice === undefined || lacksMoney(context, invoice, 'amount_paid', 'invoice')) return;
    if (invoice.amount_paid === 0 && !rules.zeroAmountReceipts) {
      return skipped(context, 'zero_amount', 'Invoice of amount 0; no receipt sent (zeroAmountReceipts is off)');
    }
    await sendCustomerEmail(event, context, invoiceHints(invoice), (options) => renderInvoiceReceipt(invoice, options));
  };
}

/** `checkout.session.completed`: the order confirmation of a payment-mode Checkout. */
export function checkoutConfirmation(rules: BuiltInEmailRules = {}) {
  return async (event: Stripe.CheckoutSessionCompletedEvent, context: HandlerContext): Promise<void> => {
    const session = objectOf(event, context);
    if (session === undefined) return;
    if (session.mode === 'subscription' && !rules.subscriptionCheckoutConfirmation) {
      return skipped(
        context,
        'subscription_checkout',
        "Subscription checkout; its first invoice's receipt is the one email (subscriptionCheckoutConfirmation is off)",
      );
    }
    // A session in setup mode has no amount; one in payment mode without it still confirms the order.
    await sendCustomerEmail(
      event,
      context,
      {
        email: recordOf(session.customer_details)?.email as string | undefined,
        customer: session.customer,
        locale: session.locale,
      },
      (options) => renderCheckoutConfirmation(session, options),
    );
  };
}

/** `invoice.payment_failed`: what is due, which attempt failed, when Stripe tries again, and a link to pay. */
export async function paymentFailedNotice(event: Stripe.InvoicePaymentFailedEvent, context: HandlerContext) {
  const invoice = objectOf(event, context);
  if (invoice === undefined || lacksMoney(context, invoice, 'amount_due', 'invoice')) return;
  await sendCustomerEmail(event, context, invoiceHints(invoice), (options) => renderPaymentFailed(invoice, options));
}

/** `invoice.payment_action_required`: the customer must complete the payment (3-D Secure, say). */
export async function paymentActionRequiredNotice(
  event: Stripe.InvoicePaymentActionRequiredEvent,
  context: HandlerContext,
) {
  const invoice = objectOf(event, context);
  if (invoice === undefined || lacksMoney(context, invoice, 'amount_due', 'invoice')) return;
  await sendCustomerEmail(event, context, invoiceHints(invoice), (options) =>
    renderPaymentActionRequired(invoice, options),
  );
}

/** `charge.refunded`: how much of the charge went back, with the receipt link. */
export async function refundNotice(event: Stripe.ChargeRefundedEvent, context: HandlerContext) {
  const charge = objectOf(event, context);
  if (charge === undefined || lacksMoney(context, charge, 'amount_refunded', 'charge')) return;
  await sendCustomerEmail(
    event,
    context,
    {
      email: textOf(charge.receipt_email) ?? textOf(recordOf(charge.billing_details)?.email),
      customer: charge.customer,
    },
    (options) => renderRefundNotice(charge, options),
  );
}

/** `customer.subscription.trial_will_end`: when the trial ends and what is charged after it. */
export async function trialEndingNotice(event: Stripe.CustomerSubscriptionTrialWillEndEvent, context: HandlerContext) {
  const subscription = objectOf(event, context);
  if (subscription === undefined) return;
  await sendCustomerEmail(event, context, { customer: subscription.customer }, (options) =>
    renderTrialEnding(subscription, options),
  );
}

/** `customer.subscription.deleted`: the subscription has ended. */
export async function subscriptionEndedNotice(event: Stripe.CustomerSubscriptionDeletedEvent, context: HandlerContext) {
  const subscription = objectOf(event, context);
  if (subscription === undefined) return;
  await sendCustomerEmail(event, context, { customer: subscription.customer }, (options) =>
    renderSubscriptionEnded(subscription, options),
  );
}

/** `invoice.upcoming`: a renewal reminder (off by default: many businesses let renewals pass quietly). */
export async function renewalReminder(event: Stripe.InvoiceUpcomingEvent, context: HandlerContext) {
  const invoice = objectOf(event, context);
  if (invoice === undefined || lacksMoney(context, invoice, 'amount_due', 'invoice')) return;
  await sendCustomerEmail(event, context, invoiceHints(invoice), (options) => renderRenewalReminder(invoice, options));
}

/** The receipt with the default rules. */
export const sendInvoiceReceipt = invoiceReceipt();
/** The checkout confirmation with the default rules. */
export const sendCheckoutConfirmation = checkoutConfirmation();

/** Each built-in email's name in a failure's message and on the dead-letter message (`receipt: ...`). */
const builtInEmailNames: { readonly [T in BuiltInEmailType]: string } = {
  'invoice.paid': 'receipt',
  'checkout.session.completed': 'checkout-confirmation',
  'invoice.payment_failed': 'payment-failed',
  'invoice.payment_action_required': 'payment-action-required',
  'charge.refunded': 'refund',
  'customer.subscription.trial_will_end': 'trial-ending',
  'customer.subscription.deleted': 'subscription-ended',
  'invoice.upcoming': 'renewal-reminder',
};

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
      // A team's replacement keeps its own name; a built-in gets the email's (see handler-failure.ts).
      const handler = options.replace?.[type] ?? namedHandler(builtInEmailNames[type], builtInHandlers[type](options));
      // One registration per type; the union of handler types is what `on` cannot narrow by itself.
      (on as (type: string, handler: EventHandler<never, HandlerContext>) => void)(
        type,
        handler as EventHandler<never, HandlerContext>,
      );
    }
  });
}
