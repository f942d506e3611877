/**
 * From what Stripe's API answered to a {@link BillingState}. The answers are data from outside: any
 * field may be missing or null (older API versions move fields: `current_period_end` went from the
 * subscription to its items in 2025-03-31), so every read is checked and a missing part is left out.
 */
import type Stripe from 'stripe';
import {
  type AccessPolicy,
  accessFromSubscriptions,
  type BillingEntitlement,
  type BillingState,
  type BillingSubscription,
  type BillingSubscriptionItem,
} from './billing-state';

/** What one sync read from Stripe: the customer (null when Stripe does not know it), its subscriptions and entitlements. */
export interface FetchedCustomer {
  readonly customer: Stripe.Customer | Stripe.DeletedCustomer | null;
  readonly subscriptions: readonly Stripe.Subscription[];
  readonly entitlements: readonly Stripe.Entitlements.ActiveEntitlement[];
}

type Loose = Record<string, unknown>;

function record(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** An id field that may be expanded into its object. */
function idOf(value: unknown): string | null {
  return text(value) ?? text(record(value)?.id);
}

function isoFromSeconds(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  const date = new Date(value * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function listData(value: unknown): unknown[] {
  const data = record(value)?.data;
  return Array.isArray(data) ? data : [];
}

function itemOf(value: unknown): BillingSubscriptionItem | undefined {
  const item = record(value);
  if (item === undefined) return undefined;
  // `plan` is the pre-2018 name of the price, still sent beside it.
  const price = record(item.price) ?? record(item.plan);
  const quantity = item.quantity;
  return {
    priceId: text(price?.id) ?? (typeof item.price === 'string' ? item.price : null),
    lookupKey: text(price?.lookup_key),
    productId: idOf(price?.product),
    quantity: typeof quantity === 'number' && Number.isFinite(quantity) ? quantity : null,
  };
}

function subscriptionOf(value: unknown): BillingSubscription | undefined {
  const subscription = record(value);
  const id = text(subscription?.id);
  if (subscription === undefined || id === null) return undefined;
  const rawItems = listData(subscription.items);
  // Before 2025-03-31 the period is the subscription's; from then on each item's (the latest one counts).
  const itemPeriodEnds = rawItems
    .map((item) => record(item)?.current_period_end)
    .filter((end): end is number => typeof end === 'number' && Number.isFinite(end));
  const periodEnd =
    typeof subscription.current_period_end === 'number'
      ? subscription.current_period_end
      : itemPeriodEnds.length > 0
        ? Math.max(...itemPeriodEnds)
        : undefined;
  return {
    id,
    status: text(subscription.status) ?? 'unknown',
    cancelAtPeriodEnd: subscription.cancel_at_period_end === true,
    currentPeriodEnd: isoFromSeconds(periodEnd),
    trialEnd: isoFromSeconds(subscription.trial_end),
    items: rawItems.map(itemOf).filter((item): item is BillingSubscriptionItem => item !== undefined),
  };
}

function entitlementOf(value: unknown): BillingEntitlement | undefined {
  const entitlement = record(value);
  const lookupKey = text(entitlement?.lookup_key);
  const featureId = idOf(entitlement?.feature);
  if (lookupKey === null || featureId === null) return undefined;
  return { featureId, lookupKey };
}

/** The card of the customer's default payment method (a PaymentMethod, or an older Card source). */
function defaultPaymentMethodOf(customer: Loose): BillingState['defaultPaymentMethod'] {
  const method = record(record(customer.invoice_settings)?.default_payment_method) ?? record(customer.default_source);
  if (method === undefined) return null;
  // A PaymentMethod has its card under `card`; a Card source is the card itself.
  const card = record(method.card) ?? (method.object === 'card' ? method : undefined);
  if (card === undefined) return null;
  return { brand: text(card.brand), last4: text(card.last4) };
}

export interface MappingContext {
  readonly customerId: string;
  readonly account: string | null;
  readonly syncedAt: Date;
  readonly sourceEventId: string | null;
  readonly policy?: AccessPolicy;
}

/** The state to store for what the sync fetched. A deleted or unknown customer has no access, whatever else it had. */
export function billingStateOf(fetched: FetchedCustomer, context: MappingContext): BillingState {
  const customer = record(fetched.customer);
  const deleted = customer === undefined || customer.deleted === true;
  const subscriptions = fetched.subscriptions
    .map(subscriptionOf)
    .filter((subscription): subscription is BillingSubscription => subscription !== undefined);
  const entitlements = fetched.entitlements
    .map(entitlementOf)
    .filter((entitlement): entitlement is BillingEntitlement => entitlement !== undefined);
  return {
    customerId: context.customerId,
    account: context.account,
    email: deleted ? null : text(customer?.email),
    name: deleted ? null : text(customer?.name),
    deleted,
    access: !deleted && accessFromSubscriptions(subscriptions, context.policy),
    defaultPaymentMethod: deleted || customer === undefined ? null : defaultPaymentMethodOf(customer),
    subscriptions: deleted ? [] : subscriptions,
    entitlements: deleted ? [] : entitlements,
    syncedAt: context.syncedAt.toISOString(),
    sourceEventId: context.sourceEventId,
  };
}

/** Whether two states say the same of the customer (the sync's time and source aside): a backfill counts it unchanged. */
export function sameBillingFacts(a: BillingState, b: BillingState): boolean {
  const facts = ({ syncedAt: _syncedAt, sourceEventId: _source, ...rest }: BillingState) => JSON.stringify(rest);
  return facts(a) === facts(b);
}
