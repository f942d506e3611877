/**
 * The billing state as code reads it: `ctx.billingState` in a handler, and what
 * `createBillingStateReader` (`stripe-webhooks-aws/billing-state`) gives a team's own Lambda. One
 * object over the store, the sync and the queue, so that the success page's "sync now" runs the same
 * code, with the same guards, as the sync the webhooks ask for.
 */
import { type AccessPolicy, type BillingState, hasAccess, hasEntitlement } from './billing-state';
import type { BillingStateStore } from './billing-state-store';
import {
  type BillingSyncDependencies,
  isFreshFor,
  type SyncOutcome,
  type SyncRequest,
  syncCustomer,
} from './sync-customer';
import type { BillingSyncQueue } from './sync-queue';

export interface CustomerOptions {
  /** The connected account (Connect) the customer belongs to. @default the platform's own customer */
  readonly account?: string | null;
}

export interface BillingStateReader {
  /** The stored state of the customer, or null when it was never synced. */
  getCustomer(customerId: string, options?: CustomerOptions): Promise<BillingState | null>;
  /** Whether the state gives access (`active`, `trialing`, `past_due` unless switched off); false for none. */
  hasAccess(state: BillingState | null | undefined): boolean;
  /** Whether the state has an active entitlement with this feature lookup key. */
  hasEntitlement(state: BillingState | null | undefined, lookupKey: string): boolean;
  /**
   * Fetches the customer from Stripe now and stores it (the checkout success page, which the user reaches
   * before the webhooks): the same sync as the webhooks', never writing over a newer state.
   */
  syncCustomer(customerId: string, options?: CustomerOptions): Promise<SyncOutcome>;
}

/** What a handler gets as `ctx.billingState`: the reader, and the delayed sync the built-in handlers ask for. */
export interface BillingStateAccess extends BillingStateReader {
  /** Queues a sync of the customer for after the event's burst; skipped when the stored state is already newer. */
  requestSync(request: SyncRequest): Promise<'queued' | 'fresh'>;
  /** Runs one sync as requested (the sync function, the backfill): skipped when fresh for the request's event. */
  runSync(request: SyncRequest): Promise<SyncOutcome>;
}

export class BillingStateNotConfiguredError extends Error {
  constructor(what = 'The billing state') {
    super(
      `${what} is not configured: turn the feature on with context billingState=true (construct prop billingState), which needs stripeApiKeySecretName; a team's own Lambda passes the table name (output BillingStateTableName) to createBillingStateReader({ tableName }).`,
    );
    this.name = 'BillingStateNotConfiguredError';
  }
}

export interface BillingStateServiceDependencies extends Omit<BillingSyncDependencies, 'stripe'> {
  readonly store: BillingStateStore;
  /** Stripe's API; without it `syncCustomer` throws (a reader that only reads needs no key). */
  readonly stripe?: BillingSyncDependencies['stripe'];
  /** Where delayed syncs go; without it `requestSync` syncs at once. */
  readonly queue?: BillingSyncQueue;
  readonly policy?: AccessPolicy;
}

export function createBillingStateService(deps: BillingStateServiceDependencies): BillingStateAccess {
  const sync = (request: SyncRequest): Promise<SyncOutcome> => {
    const { stripe } = deps;
    if (stripe === undefined) {
      return Promise.reject(new BillingStateNotConfiguredError('syncCustomer (no Stripe API key given)'));
    }
    return syncCustomer(request, { ...deps, stripe });
  };
  return {
    async getCustomer(customerId, options = {}) {
      return (await deps.store.get(customerId, options.account ?? null))?.state ?? null;
    },
    hasAccess,
    hasEntitlement,
    syncCustomer: (customerId, options = {}) => sync({ customerId, account: options.account ?? null, eventId: null }),
    runSync: sync,
    async requestSync(request) {
      if (request.eventCreated !== undefined) {
        const stored = await deps.store.get(request.customerId, request.account);
        // A replayed or late event older than the stored state: neither a message nor a call.
        if (stored !== undefined && isFreshFor(stored.syncedAtMs, request.eventCreated)) {
          deps.metrics.count('BillingSyncFresh');
          return 'fresh';
        }
      }
      if (deps.queue === undefined) {
        await sync(request);
        return 'queued';
      }
      await deps.queue.request(request);
      deps.metrics.count('BillingSyncRequested');
      return 'queued';
    },
  };
}

const notConfigured = (): Promise<never> => Promise.reject(new BillingStateNotConfiguredError());

/** `ctx.billingState` when the feature is off: reading says nothing is stored, syncing says how to turn it on. */
export const unconfiguredBillingState: BillingStateAccess = {
  getCustomer: notConfigured,
  hasAccess,
  hasEntitlement,
  syncCustomer: notConfigured,
  requestSync: notConfigured,
  runSync: notConfigured,
};
