import type Stripe from 'stripe';
import { defineSubscriptions, type Subscriptions } from '../define-subscriptions';
import type { EventHandler, EventOfType } from '../event-registry';
import type { HandlerContext } from '../handler-context';
import { renderCheckoutConfirmation, renderInvoiceReceipt } from './templates';

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

export function invoiceReceipt(rules: BuiltInEmailRules = {}) {
  return async (event: Stripe.InvoicePaidEvent, context: HandlerContext): Promise<void> => {
    const invoice = event.data.object;
    if (!invoice.customer_email) {
      context.logger.warn('Invoice has no customer email; no receipt sent', {
        eventId: event.id,
        outcome: 'skipped_no_email',
      });
      return;
    }
    if (invoice.amount_paid === 0 && !rules.zeroAmountReceipts) {
      return skipped(
        context,
        'Invoice of amount 0; no receipt sent (zeroAmountReceipts is off)',
        'skipped_zero_amount',
      );
    }
    await context.sendEmail({ to: invoice.customer_email, ...renderInvoiceReceipt(invoice) });
  };
}

export function checkoutConfirmation(rules: BuiltInEmailRules = {}) {
  return async (event: Stripe.CheckoutSessionCompletedEvent, context: HandlerContext): Promise<void> => {
    const session = event.data.object;
    const to = session.customer_details?.email;
    if (!to) {
      context.logger.warn('Checkout session has no customer email; no confirmation sent', {
        eventId: event.id,
        outcome: 'skipped_no_email',
      });
      return;
    }
    if (session.mode === 'subscription' && !rules.subscriptionCheckoutConfirmation) {
      return skipped(
        context,
        "Subscription checkout; its first invoice's receipt is the one email (subscriptionCheckoutConfirmation is off)",
        'skipped_subscription_checkout',
      );
    }
    await context.sendEmail({ to, ...renderCheckoutConfirmation(session) });
  };
}

/** The receipt with the default rules. */
export const sendInvoiceReceipt = invoiceReceipt();
/** The checkout confirmation with the default rules. */
export const sendCheckoutConfirmation = checkoutConfirmation();

/** The customer emails this package sends, by the event type that triggers each. */
const builtInHandlers = {
  'invoice.paid': invoiceReceipt,
  'checkout.session.completed': checkoutConfirmation,
} as const;

export type BuiltInEmailType = keyof typeof builtInHandlers;

/** The event types of the built-in emails. */
export const builtInEmailTypes = Object.keys(builtInHandlers) as BuiltInEmailType[];

export interface BuiltInEmailsOptions extends BuiltInEmailRules {
  /** Email types to switch off: nothing is sent for them (and the receiver stops queueing them). @default none */
  readonly off?: readonly BuiltInEmailType[];
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

/**
 * The built-in customer emails as one set of subscriptions to include, each switchable off or
 * replaceable: `include(builtInEmails({ off: ['checkout.session.completed'] }))`.
 */
export function builtInEmails(options: BuiltInEmailsOptions = {}): Subscriptions {
  const off = new Set<string>(options.off ?? []);
  for (const type of [...off, ...Object.keys(options.replace ?? {})]) {
    if (!(type in builtInHandlers)) throw new UnknownBuiltInEmailError(type);
  }
  return defineSubscriptions((on) => {
    if (!off.has('invoice.paid')) {
      on('invoice.paid', options.replace?.['invoice.paid'] ?? builtInHandlers['invoice.paid'](options));
    }
    if (!off.has('checkout.session.completed')) {
      on(
        'checkout.session.completed',
        options.replace?.['checkout.session.completed'] ?? builtInHandlers['checkout.session.completed'](options),
      );
    }
  });
}
