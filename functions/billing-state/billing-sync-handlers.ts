/**
 * The built-in billing sync as subscriptions, included by the consumer when the feature is on (like
 * `builtInEmails()`): each handler takes only the customer id, the account and the event's `created`
 * from the event, and asks for a sync of that customer. What is stored comes from Stripe's API, never
 * from the payload, which is a snapshot of one moment that may arrive after later ones.
 */
import { defineSubscriptions, type Subscriptions } from '../consumer/define-subscriptions';
import type { EventHandler } from '../consumer/event-registry';
import type { HandlerContext } from '../consumer/handler-context';
import { enabledBillingSyncTypes } from './billing-sync-types';

export interface BuiltInBillingSyncOptions {
  /** Event types not to sync from (the receiver then stops queueing them unless another handler wants them). @default none */
  readonly off?: readonly string[];
}

type Loose = Record<string, unknown>;

function record(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
}

function stripeId(value: unknown, prefix: string): string | undefined {
  const id = typeof value === 'string' ? value : record(value)?.id;
  return typeof id === 'string' && id.startsWith(prefix) ? id : undefined;
}

/**
 * The customer an event is about: the object itself for `customer.created|updated|deleted`, else the
 * object's `customer` (an id, or the customer expanded). Undefined when there is none, e.g. a guest
 * Checkout (`customer: null`) or a payload that lost the field.
 */
export function customerIdOfEvent(event: { readonly type?: unknown; readonly data?: unknown }): string | undefined {
  const object = record(record(event.data)?.object);
  if (object === undefined) return undefined;
  const type = typeof event.type === 'string' ? event.type : '';
  if (type.startsWith('customer.') && !type.startsWith('customer.subscription.') && object.object === 'customer') {
    return stripeId(object.id, 'cus_');
  }
  return stripeId(object.customer, 'cus_');
}

/** Asks for a sync of the event's customer, or skips (logged and counted) an event that names none. */
export const syncCustomerOfEvent: EventHandler<
  { readonly type: string; readonly created?: unknown },
  HandlerContext
> = async (event, context) => {
  const customerId = customerIdOfEvent(event as { type: string; data?: unknown });
  if (customerId === undefined) {
    context.metrics.count('BillingSyncNoCustomer');
    context.logger.info('Event names no customer; no billing state to sync', {
      eventId: context.eventId,
      eventType: context.eventType,
      outcome: 'skipped_no_customer',
    });
    return;
  }
  const created = typeof event.created === 'number' && Number.isFinite(event.created) ? event.created : undefined;
  const result = await context.billingState.requestSync({
    customerId,
    account: context.account ?? null,
    eventId: context.eventId,
    ...(created === undefined ? {} : { eventCreated: created }),
  });
  context.logger.info(
    result === 'fresh' ? 'Billing state already newer than the event; no sync needed' : 'Billing sync requested',
    { eventId: context.eventId, eventType: context.eventType, customerId, outcome: `billing_sync_${result}` },
  );
};

/** The billing sync's subscriptions: every type of `billingSyncEventTypes` but those switched `off`. */
export function builtInBillingSync(options: BuiltInBillingSyncOptions = {}): Subscriptions {
  const types = enabledBillingSyncTypes(options.off);
  return defineSubscriptions((on) => {
    for (const type of types) {
      (on as (type: string, handler: EventHandler<never, HandlerContext>) => void)(
        type,
        syncCustomerOfEvent as EventHandler<never, HandlerContext>,
      );
    }
  });
}
