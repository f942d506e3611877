/**
 * What the app asks: "what does this customer have?". One state per customer (and connected account),
 * as Stripe's API described the customer when the sync that wrote it started. Plain JSON, so that the
 * table, `GET /_local/customers/<id>` and the app read the same shape.
 */

/** A subscription item: which price of which product, how many. */
export interface BillingSubscriptionItem {
  readonly priceId: string | null;
  /** The price's `lookup_key`, the stable name a team gives a price (`pro_monthly`). */
  readonly lookupKey: string | null;
  readonly productId: string | null;
  readonly quantity: number | null;
}

export interface BillingSubscription {
  readonly id: string;
  /** Stripe's status: `active`, `trialing`, `past_due`, `incomplete`, `incomplete_expired`, `unpaid`, `canceled`, `paused`. */
  readonly status: string;
  readonly cancelAtPeriodEnd: boolean;
  /** ISO time the current period ends (the latest item's, from API 2025-03-31 on), or null when Stripe gave none. */
  readonly currentPeriodEnd: string | null;
  /** ISO time the trial ends, or null. */
  readonly trialEnd: string | null;
  readonly items: readonly BillingSubscriptionItem[];
}

export interface BillingEntitlement {
  /** The feature's id (`feat_...`). */
  readonly featureId: string;
  /** The feature's `lookup_key`, what `hasEntitlement` compares. */
  readonly lookupKey: string;
}

export interface BillingState {
  readonly customerId: string;
  /** The connected account (Connect) the customer belongs to; null for the platform's own customers. */
  readonly account: string | null;
  readonly email: string | null;
  readonly name: string | null;
  /** The customer is deleted, or Stripe does not know it: then there is no access. */
  readonly deleted: boolean;
  /** Whether the customer should have access now, from its subscriptions (see `accessFromSubscriptions`). */
  readonly access: boolean;
  /** The default payment method's card brand and last 4, when it is a card. */
  readonly defaultPaymentMethod: { readonly brand: string | null; readonly last4: string | null } | null;
  /** Every subscription, whatever its status, newest first as Stripe lists them. */
  readonly subscriptions: readonly BillingSubscription[];
  /** Every active entitlement (all pages, not the webhook's 10). */
  readonly entitlements: readonly BillingEntitlement[];
  /** ISO time the sync that wrote this state started, before its first API call. */
  readonly syncedAt: string;
  /** The event that asked for the sync; null for a sync asked by the app or the backfill. */
  readonly sourceEventId: string | null;
}

/** Which subscription statuses give access. */
export interface AccessPolicy {
  /**
   * `past_due` gives access: Stripe is still retrying the payment (Smart Retries run for up to weeks before
   * the subscription is canceled or marked unpaid), and cutting a paying customer off on the first failed
   * card is worse than a few days of grace. @default true
   */
  readonly pastDueAccess?: boolean;
}

const accessStatuses = new Set(['active', 'trialing']);

/** `active` and `trialing` give access, `past_due` too unless the policy says no; every other status does not. */
export function subscriptionGivesAccess(status: string, policy: AccessPolicy = {}): boolean {
  if (accessStatuses.has(status)) return true;
  return status === 'past_due' && (policy.pastDueAccess ?? true);
}

export function accessFromSubscriptions(
  subscriptions: readonly Pick<BillingSubscription, 'status'>[],
  policy: AccessPolicy = {},
): boolean {
  return subscriptions.some((subscription) => subscriptionGivesAccess(subscription.status, policy));
}

/** Whether the state gives access: a customer with no state, or a deleted one, has none. */
export function hasAccess(state: BillingState | null | undefined): boolean {
  return state !== null && state !== undefined && !state.deleted && state.access;
}

/** Whether the customer has an active entitlement to the feature with this lookup key. */
export function hasEntitlement(state: BillingState | null | undefined, lookupKey: string): boolean {
  if (state === null || state === undefined || state.deleted) return false;
  return state.entitlements.some((entitlement) => entitlement.lookupKey === lookupKey);
}

/** The customer's key in the table: one state per account and customer, since ids are per account. */
export function billingStateKey(customerId: string, account: string | null | undefined): string {
  return `${account ?? 'platform'}/${customerId}`;
}
