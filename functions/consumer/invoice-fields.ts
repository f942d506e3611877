/**
 * Invoice fields Stripe moved in API version 2025-03-31 (basil), read from either shape, so a handler
 * works with events of an endpoint still pinned to an older version (see "Thin events, Connect and API versions" in docs/handlers-and-construct.md).
 * Before basil: `invoice.subscription` and `invoice.payment_intent`. Since: `invoice.parent.subscription_details
 * .subscription`, and the payment intent in `invoice.payments` (only when the event or a retrieve expands it).
 */
import type Stripe from 'stripe';
import { recordOf } from './emails/fields';

/** The id of an expandable field, whether Stripe sent the id or the expanded object. */
function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id;
  }
  return null;
}

/** The subscription that generated the invoice, in either shape; null for a one-off invoice. */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const current = idOf(recordOf(recordOf(recordOf(invoice)?.parent)?.subscription_details)?.subscription);
  if (current !== null) return current;
  return idOf(recordOf(invoice)?.subscription);
}

/**
 * The payment intent that pays the invoice, in either shape: the default payment of `invoice.payments`
 * (else its first paid one, else its first), or pre-basil `invoice.payment_intent`. Null when neither is
 * there: since basil, webhooks leave `payments` out unless it is expanded, so fetch the invoice with
 * `expand: ['payments']` when you need it.
 */
export function invoicePaymentIntentId(invoice: Stripe.Invoice): string | null {
  // Read as any payload may be: a field missing, null or of another type is as good as absent.
  const data = recordOf(recordOf(invoice)?.payments)?.data;
  const payments = (Array.isArray(data) ? data : []).flatMap((entry) => {
    const payment = recordOf(recordOf(entry)?.payment);
    return payment?.type === 'payment_intent' ? [{ entry: recordOf(entry) ?? {}, payment }] : [];
  });
  const chosen =
    payments.find(({ entry }) => entry.is_default === true) ??
    payments.find(({ entry }) => entry.status === 'paid') ??
    payments[0];
  const current = idOf(chosen?.payment.payment_intent);
  if (current !== null) return current;
  return idOf(recordOf(invoice)?.payment_intent);
}
