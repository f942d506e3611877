/**
 * One customer's sync: read what Stripe's API says now and store it, unless what is stored is already
 * newer than the event that asked. The three guarantees of the billing state live here:
 * - from the API, never from the payload: the event only names the customer;
 * - never backwards: the sync's start time is taken before its first call, and the write only lands
 *   over a state from a sync that started earlier (`BillingStateStore.put`);
 * - coalesced: a state fetched after the asking event happened (plus a margin) answers it already.
 */
import type { LoggerPort } from '../shared/logger';
import type { StripeBillingApi } from '../shared/stripe-api/billing';
import { StripeObjectNotFoundError, type StripeRequestScope } from '../shared/stripe-api/port';
import type { AccessPolicy, BillingState } from './billing-state';
import type { BillingStateStore } from './billing-state-store';
import { billingStateOf, type FetchedCustomer, sameBillingFacts } from './state-mapping';

/**
 * Seconds after an event's `created` from which a fetched state includes what the event reported:
 * 1 s because `created` is whole seconds (the event happened up to 999 ms after it), and 1 s for the
 * difference between Stripe's clock and this one (both NTP-disciplined, normally milliseconds apart)
 * and for the write behind the event to be read back by the list calls. Erring long costs one
 * redundant sync; erring short would keep a state that misses the event, so this is the side to err on.
 */
export const freshnessMarginSeconds = 2;

export interface SyncRequest {
  readonly customerId: string;
  /** The connected account (Connect) the customer belongs to; null for the platform's own. */
  readonly account: string | null;
  /** The event that asked, stored as the state's `sourceEventId`; null when the app or the backfill asks. */
  readonly eventId: string | null;
  /**
   * Epoch seconds the asking event was created: a state whose sync started {@link freshnessMarginSeconds}
   * after it is fresh, and no call is made. Undefined forces the sync (the app's "sync now", the backfill).
   */
  readonly eventCreated?: number;
}

export type SyncOutcome =
  /** The stored state was fetched after the event: nothing was asked of Stripe. */
  | { readonly status: 'fresh'; readonly state: BillingState }
  /** Fetched and written; `changed` says whether the facts differ from what was stored. */
  | { readonly status: 'synced'; readonly state: BillingState; readonly changed: boolean }
  /** Fetched, but a sync that started later had already written: this (older) answer was dropped. */
  | { readonly status: 'superseded'; readonly state: BillingState };

export interface SyncMetrics {
  count(name: string, value?: number): void;
}

export interface BillingSyncDependencies {
  readonly store: BillingStateStore;
  readonly stripe: StripeBillingApi;
  readonly now: () => Date;
  readonly policy?: AccessPolicy;
  readonly logger: LoggerPort;
  readonly metrics: SyncMetrics;
}

/** Whether a state synced at `syncedAtMs` already includes what an event created at `eventCreated` reported. */
export function isFreshFor(syncedAtMs: number, eventCreated: number): boolean {
  return syncedAtMs >= (eventCreated + freshnessMarginSeconds) * 1000;
}

async function fetchCustomer(
  stripe: StripeBillingApi,
  customerId: string,
  scope: StripeRequestScope,
): Promise<FetchedCustomer> {
  let customer: FetchedCustomer['customer'];
  try {
    customer = await stripe.retrieveCustomer(customerId, scope);
  } catch (error) {
    // Stripe does not know it (another mode or account, or deleted long ago): stored as deleted, not an error.
    if (!(error instanceof StripeObjectNotFoundError)) throw error;
    customer = null;
  }
  if (customer === null || customer.deleted === true) return { customer, subscriptions: [], entitlements: [] };
  const [subscriptions, entitlements] = await Promise.all([
    stripe.listSubscriptions(customerId, scope),
    stripe.listActiveEntitlements(customerId, scope),
  ]);
  return { customer, subscriptions, entitlements };
}

/** Syncs one customer; throws only on a failure worth retrying (Stripe's API or the table unavailable). */
export async function syncCustomer(request: SyncRequest, deps: BillingSyncDependencies): Promise<SyncOutcome> {
  const { store, logger, metrics } = deps;
  // Customer and account ids are the business's own references, not personal data: safe in logs.
  const ids = { customerId: request.customerId, account: request.account ?? undefined, eventId: request.eventId };
  const stored = await store.get(request.customerId, request.account);
  if (
    stored !== undefined &&
    request.eventCreated !== undefined &&
    isFreshFor(stored.syncedAtMs, request.eventCreated)
  ) {
    metrics.count('BillingSyncFresh');
    logger.info('Billing state already fetched after the event; no sync needed', { ...ids, outcome: 'fresh' });
    return { status: 'fresh', state: stored.state };
  }
  // Taken before the first call: whatever this sync reads happened no later than Stripe answering it.
  const startedAt = deps.now();
  const scope: StripeRequestScope = {
    ...(request.account === null ? {} : { account: request.account }),
    ...(request.eventId === null ? {} : { eventId: request.eventId }),
  };
  const fetched = await fetchCustomer(deps.stripe, request.customerId, scope);
  const state = billingStateOf(fetched, {
    customerId: request.customerId,
    account: request.account,
    syncedAt: startedAt,
    sourceEventId: request.eventId,
    policy: deps.policy,
  });
  if ((await store.put(state, startedAt.getTime())) === 'superseded') {
    metrics.count('BillingSyncSuperseded');
    logger.info('A sync that started later already stored this customer; this older answer is dropped', {
      ...ids,
      outcome: 'superseded',
    });
    return { status: 'superseded', state };
  }
  const changed = stored === undefined || !sameBillingFacts(stored.state, state);
  metrics.count('BillingSynced');
  logger.info('Billing state synced from Stripe', {
    ...ids,
    outcome: 'synced',
    changed,
    access: state.access,
    deleted: state.deleted,
    subscriptions: state.subscriptions.length,
    entitlements: state.entitlements.length,
  });
  return { status: 'synced', state, changed };
}
