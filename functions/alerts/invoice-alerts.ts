/**
 * Money that will not come in: an invoice marked uncollectible (`invoice.marked_uncollectible`), and a
 * subscription that ended unpaid (`customer.subscription.deleted`).
 *
 * "Ended unpaid" (issue 24) is read from Stripe's own reason: `cancellation_details.reason` is
 * `payment_failed` when Stripe canceled the subscription because its payments failed (the Billing
 * settings' "cancel the subscription" after retries), as opposed to `cancellation_requested` (someone
 * canceled it) or `payment_disputed` (a dispute, which the dispute alerts cover); see
 * `Subscription.CancellationDetails.Reason` in the `stripe` package. For a payload without
 * `cancellation_details` (an endpoint pinned to an older API version, a trimmed event), the other signal
 * is the status before the deletion in `data.previous_attributes.status`, `past_due` or `unpaid`, when
 * the event carries it; with neither, no alert (a subscription canceled on request is not news).
 */
import type { AlertContent, AlertEventFacts } from './alert-content';
import { skip } from './alert-content';
import {
  dashboardUrl,
  dateText,
  eventObject,
  idOf,
  isLive,
  type Loose,
  lines,
  moneyText,
  previousAttributes,
  recordOf,
  shown,
  textOf,
} from './alert-text';
import { withUrl } from './dispute-alerts';

function customerLine(object: Loose, nameField: string, emailField: string): string | null {
  const customer = idOf(object.customer, 'cus_');
  const expanded = recordOf(object.customer);
  const name = textOf(object[nameField]) ?? textOf(expanded?.name);
  const email = textOf(object[emailField]) ?? textOf(expanded?.email);
  const who = [name === null ? null : shown(name, 80), email === null ? null : shown(email, 120)]
    .filter((part) => part !== null)
    .join(', ');
  if (who === '') return customer === undefined ? null : `Customer: ${customer}`;
  return `Customer: ${who}${customer === undefined ? '' : ` (${customer})`}`;
}

export function invoiceUncollectibleAlert(event: unknown, facts: AlertEventFacts): AlertContent {
  const invoice = eventObject(event);
  if (invoice === undefined)
    return skip('invoice_uncollectible', 'no_object', 'The event has no invoice in data.object');
  const id = idOf(invoice.id, 'in_');
  const number = textOf(invoice.number);
  // What is left to pay is what is lost; amount_due when a payload has no amount_remaining.
  const amount =
    moneyText(invoice.amount_remaining, invoice.currency) ??
    moneyText(invoice.amount_due, invoice.currency) ??
    'an unknown amount';
  const due = dateText(invoice.due_date);
  const url =
    id === undefined
      ? undefined
      : dashboardUrl(`invoices/${id}`, { livemode: isLive(event, invoice), account: facts.account });
  const text = lines(
    `An invoice${number === null ? '' : ` (${shown(number, 40)})`} was marked uncollectible: ${amount} is not expected to be paid.`,
    customerLine(invoice, 'customer_name', 'customer_email'),
    due === null ? null : `It was due on ${due}.`,
    'It can still be paid or voided; the revenue is counted as lost until then.',
    facts.account === undefined ? null : `Connected account: ${facts.account}`,
    url === undefined ? null : `Dashboard: ${url}`,
    id === undefined ? null : `Invoice: ${id}`,
    `Event: ${facts.eventId}`,
  );
  const subject = `Invoice uncollectible: ${amount}${number === null ? '' : ` (${shown(number, 40)})`}`;
  return { alert: withUrl({ kind: 'invoice_uncollectible', eventId: facts.eventId, subject, text }, url) };
}

/** Why the subscription ended, when it ended unpaid; null when it did not (by Stripe's own reason). */
export function endedUnpaidBecause(event: unknown): string | null {
  const subscription = eventObject(event);
  const reason = textOf(recordOf(subscription?.cancellation_details)?.reason);
  if (reason === 'payment_failed') return 'its payments failed';
  if (reason !== null) return null;
  const before = textOf(previousAttributes(event)?.status);
  return before === 'past_due' || before === 'unpaid' ? `it was ${before.replace('_', ' ')}` : null;
}

/** The subscription's price per period, from its first item: `$20.00 per month`. */
function priceLine(subscription: Loose): string | null {
  const items = recordOf(subscription.items)?.data;
  const first = Array.isArray(items) ? recordOf(items[0]) : undefined;
  const price = recordOf(first?.price);
  const amount = moneyText(price?.unit_amount, price?.currency);
  if (amount === null) return null;
  const interval = textOf(recordOf(price?.recurring)?.interval);
  const quantity = typeof first?.quantity === 'number' && first.quantity > 1 ? ` x ${first.quantity}` : '';
  return `Price: ${amount}${interval === null ? '' : ` per ${shown(interval, 10)}`}${quantity}`;
}

export function subscriptionEndedUnpaidAlert(event: unknown, facts: AlertEventFacts): AlertContent {
  const subscription = eventObject(event);
  if (subscription === undefined) {
    return skip('subscription_ended_unpaid', 'no_object', 'The event has no subscription in data.object');
  }
  const because = endedUnpaidBecause(event);
  if (because === null) {
    return skip(
      'subscription_ended_unpaid',
      'not_ended_unpaid',
      'The subscription ended for another reason than unpaid invoices',
    );
  }
  const id = idOf(subscription.id, 'sub_');
  const latestInvoice = idOf(subscription.latest_invoice, 'in_');
  const ended = dateText(subscription.ended_at) ?? dateText(subscription.canceled_at);
  const url =
    id === undefined
      ? undefined
      : dashboardUrl(`subscriptions/${id}`, { livemode: isLive(event, subscription), account: facts.account });
  const text = lines(
    `A subscription ended unpaid: Stripe canceled it because ${because}.`,
    customerLine(subscription, 'customer_name', 'customer_email'),
    priceLine(subscription),
    ended === null ? null : `Ended on: ${ended}`,
    latestInvoice === undefined ? null : `Last invoice: ${latestInvoice}`,
    facts.account === undefined ? null : `Connected account: ${facts.account}`,
    url === undefined ? null : `Dashboard: ${url}`,
    id === undefined ? null : `Subscription: ${id}`,
    `Event: ${facts.eventId}`,
  );
  const subject = `Subscription ended unpaid${id === undefined ? '' : `: ${id}`}`;
  return { alert: withUrl({ kind: 'subscription_ended_unpaid', eventId: facts.eventId, subject, text }, url) };
}
