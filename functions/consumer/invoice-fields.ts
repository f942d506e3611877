/**
 * Invoice fields Stripe moved in API version 2025-03-31 (basil), read from either shape, so a handler
 * works with events of an endpoint still pinned to an older version (see the README's API version section).
 * Before basil: `invoice.subscription` and `invoice.payment_intent`. Since: `invoice.parent.subscription_details
 * .subscription`, and the payment intent in `invoice.payments` (only when the event or a retrieve expands it).
 */
import type Stripe from 'stripe';

/** The id of an expandable field, whether Stripe sent the id or the expanded object. */
function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id;
  }
  return null;
}

/** Fields of the pre-basil shape, absent from the `stripe` package's current types. */
interface PreBasilInvoiceFields {
  readonly subscription?: unknown;
  readonly payment_intent?: unknown;
}

/** The subscription that generated the invoice, in either shape; null for a one-off invoice. */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const current = idOf(invoice.parent?.subscription_details?.subscription);
  if (current !== null) return current;
  return idOf((invoice as Stripe.Invoice & PreBasilInvoiceFields).subscription);
}

/**
 * The payment intent that pays the invoice, in either shape: the default payment of `invoice.payments`
 * (else its first paid one, else its first), or pre-basil `invoice.payment_intent`. Null when neither is
 * there: since basil, webhooks leave `payments` out unless it is expanded, so fetch the invoice with
 * `expand: ['payments']` when you need it.
 */
export function invoicePaymentIntentId(invoice: Stripe.Invoice): string | null {
  const payments = (invoice.payments?.data ?? []).filter((entry) => entry.payment?.type === 'payment_intent');
  const chosen =
    payments.find((entry) => entry.is_default) ?? payments.find((entry) => entry.status === 'paid') ?? payments[0];
  const current = idOf(chosen?.payment.payment_intent);
  if (current !== null) return current;
  return idOf((invoice as Stripe.Invoice & PreBasilInvoiceFields).payment_intent);
}
