import type Stripe from 'stripe';
import type { AcceptedLivemode } from '../../config/settings';
import type { HandlerContext } from './consume-event';
import { renderCheckoutConfirmation, renderInvoiceReceipt } from './emails/templates';
import { type EventFilter, EventRegistry } from './event-registry';

/**
 * The one place that says which Stripe events this deployment acts on. The types registered here are
 * the ones to enable on the Stripe endpoint.
 */
export function createSubscriptions(
  options: { readonly acceptedLivemode?: AcceptedLivemode } = {},
): EventRegistry<HandlerContext> {
  return new EventRegistry<HandlerContext>()
    .filter(livemodeFilter(options.acceptedLivemode ?? 'any'))
    .on('invoice.paid', sendInvoiceReceipt)
    .on('checkout.session.completed', sendCheckoutConfirmation);
}

/** Skips events of the other Stripe mode: a test event reaching a live stage must not email a customer. */
export function livemodeFilter(accepted: AcceptedLivemode): EventFilter {
  return (event) => {
    if (accepted === 'any' || event.livemode === undefined || event.livemode === (accepted === 'live'))
      return undefined;
    return `${event.livemode ? 'live' : 'test'}-mode event on a stage that handles ${accepted} events only`;
  };
}

export async function sendInvoiceReceipt(event: Stripe.InvoicePaidEvent, context: HandlerContext): Promise<void> {
  const invoice = event.data.object;
  if (!invoice.customer_email) {
    context.logger.warn('Invoice has no customer email; no receipt sent', {
      eventId: event.id,
      outcome: 'skipped_no_email',
    });
    return;
  }
  await context.sendEmail({ to: invoice.customer_email, ...renderInvoiceReceipt(invoice) });
}

export async function sendCheckoutConfirmation(
  event: Stripe.CheckoutSessionCompletedEvent,
  context: HandlerContext,
): Promise<void> {
  const session = event.data.object;
  const to = session.customer_details?.email;
  if (!to) {
    context.logger.warn('Checkout session has no customer email; no confirmation sent', {
      eventId: event.id,
      outcome: 'skipped_no_email',
    });
    return;
  }
  await context.sendEmail({ to, ...renderCheckoutConfirmation(session) });
}
