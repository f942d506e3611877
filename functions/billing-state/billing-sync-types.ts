import type Stripe from 'stripe';
import { parseCommaList } from '../shared/env';

/**
 * The event types the built-in billing sync listens to. Plain data, no Stripe or AWS import: the
 * construct reads it at synth (to queue and enable these types) and the consumer registers from it.
 */

/**
 * Every one of them names a customer (`data.object.customer`, or the customer itself for `customer.*`).
 * Exact types, every `customer.subscription.*` listed, rather than a prefix: a managed endpoint enables
 * exactly these (a prefix would make it `*`, every event Stripe has), and a unit test checks the list
 * against the pinned `stripe` package's `customer.subscription.*` types, so a new one is not missed.
 */
export const billingSyncEventTypes = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'customer.subscription.pending_update_applied',
  'customer.subscription.pending_update_expired',
  'customer.subscription.trial_will_end',
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.payment_action_required',
  'invoice.marked_uncollectible',
  'entitlements.active_entitlement_summary.updated',
] as const satisfies readonly Stripe.Event.Type[];

export type BillingSyncEventType = (typeof billingSyncEventTypes)[number];

export class UnknownBillingSyncTypeError extends Error {
  constructor(type: string) {
    super(
      `${JSON.stringify(type)} is not an event type the billing sync listens to; it listens to ${billingSyncEventTypes.join(', ')}.`,
    );
    this.name = 'UnknownBillingSyncTypeError';
  }
}

/** The types synced from, less those switched `off`; throws on a type the sync does not know. */
export function enabledBillingSyncTypes(off: readonly string[] = []): BillingSyncEventType[] {
  for (const type of off) {
    if (!(billingSyncEventTypes as readonly string[]).includes(type)) throw new UnknownBillingSyncTypeError(type);
  }
  return billingSyncEventTypes.filter((type) => !off.includes(type));
}

/** The enabled types, in the receiver's format (`config/subscribed-types.ts`). */
export function billingSyncSubscribedTypes(off: readonly string[] = []): string[] {
  return enabledBillingSyncTypes(off);
}

/** Parses the comma-separated `off` list of the environment (`BILLING_SYNC_OFF_TYPES`). */
export const parseBillingSyncOffTypes = parseCommaList;
