/**
 * What `npm run stripe:sync` does, without its command line: syncs one customer, or every customer of
 * the account page after page (the backfill), through the same `syncCustomer` as the webhooks' sync
 * (the same reads of Stripe's API, the same "never backwards" write), forced (no freshness skip) and
 * with `sourceEventId: null`. A dry run reads and compares through a store that writes nothing.
 *
 * Stripe does not list deleted customers, so after the listing the table's states of customers this run
 * did not list are checked one by one (one customer retrieve each): those Stripe says are deleted (or no
 * longer knows) are synced, which stores them as deleted.
 */
import type { BillingState } from '../functions/billing-state/billing-state';
import type { BillingStateStore, StoredBillingState } from '../functions/billing-state/billing-state-store';
import { type SyncOutcome, syncCustomer } from '../functions/billing-state/sync-customer';
import type { LoggerPort } from '../functions/shared/logger';
import type { StripeBillingApi } from '../functions/shared/stripe-api/billing';
import { StripeObjectNotFoundError, type StripeRequestScope } from '../functions/shared/stripe-api/port';

export interface StripeSyncRunOptions {
  /** One customer (forced), or every customer of the account. */
  readonly target: { readonly customer: string } | { readonly all: true; readonly startingAfter?: string };
  /** The connected account (Connect) whose customers to sync; null for the platform's own. */
  readonly account: string | null;
  /** Fetch and compare, write nothing. */
  readonly dryRun: boolean;
  /** Customers per `GET /v1/customers` page, 1 to 100. @default 100 */
  readonly pageSize?: number;
}

/** What one customer's sync came to, as the counts name it. */
export type CustomerResult = 'synced' | 'unchanged' | 'deleted' | 'failed';

export interface StripeSyncCounts {
  /** The stored state was missing or said something else; the new one was written (a dry run: would be). */
  synced: number;
  /** Stripe says what the table says (the sync time is refreshed), or a newer sync had already written. */
  unchanged: number;
  /** Stripe says the customer is deleted (or does not know it) and the table did not: stored as deleted. */
  deleted: number;
  /** The sync failed (its error is in `failures`); the run went on. */
  failed: number;
}

export interface StripeSyncSummary extends StripeSyncCounts {
  readonly dryRun: boolean;
  /** Customers Stripe listed (the backfill), or 1. */
  readonly listed: number;
  readonly pages: number;
  /** Stored customers this run did not list, checked for deletion at the end. */
  readonly checked: number;
  /** Of `unchanged`, those where a sync that started later had already stored a state. */
  readonly superseded: number;
  /** The last customer listed and done, for `--starting-after`; undefined when none was. */
  readonly lastCustomerId: string | undefined;
  readonly failures: readonly { readonly customerId: string; readonly error: string }[];
  /** The state of the one customer of a `--customer` run, when its sync did not fail. */
  readonly state?: BillingState;
}

export interface StripeSyncPageProgress extends StripeSyncCounts {
  readonly page: number;
  readonly listed: number;
  /** The page's last customer: `--starting-after` it resumes after this page. */
  readonly lastCustomerId: string | undefined;
}

export interface StripeSyncDependencies {
  readonly stripe: StripeBillingApi;
  readonly store: BillingStateStore;
  readonly now: () => Date;
  /** Where `syncCustomer` logs; the command line keeps it quiet. */
  readonly logger: LoggerPort;
  /** After each page of the listing. */
  readonly onPage?: (progress: StripeSyncPageProgress) => void;
  /** After each customer, whatever its result (the command line tracks the resume point with it). */
  readonly onCustomer?: (customerId: string, result: CustomerResult, error?: string) => void;
  /** After each listed customer is done, whatever its result: `--starting-after` it resumes after it. */
  readonly onResumePoint?: (customerId: string) => void;
  /** Before the check of the stored customers the listing did not return. */
  readonly onCheckStart?: (candidates: number) => void;
}

/** Thrown when a page of the listing fails for good: the run cannot go on, but can resume after `lastCustomerId`. */
export class CustomerListingError extends Error {
  readonly lastCustomerId: string | undefined;
  constructor(cause: unknown, lastCustomerId: string | undefined) {
    super(
      `Listing the customers failed${lastCustomerId === undefined ? '' : ` after ${lastCustomerId}`}: ${errorText(cause)}`,
      { cause },
    );
    this.name = 'CustomerListingError';
    this.lastCustomerId = lastCustomerId;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The store a dry run syncs through: reads the real one, and answers a write as the real one would
 * (`superseded` when a state from a sync that started at the same time or later is stored) without writing.
 */
export function dryRunStore(store: BillingStateStore): BillingStateStore {
  return {
    get: (customerId, account) => store.get(customerId, account),
    async put(state, syncedAtMs) {
      const stored: StoredBillingState | undefined = await store.get(state.customerId, state.account);
      return stored !== undefined && stored.syncedAtMs >= syncedAtMs ? 'superseded' : 'written';
    },
    list: (page) => store.list(page),
  };
}

/** `synced` here means a write that changed what is stored; one that refreshed the same facts is `unchanged`. */
export function resultOf(outcome: SyncOutcome): CustomerResult {
  if (outcome.status !== 'synced' || !outcome.changed) return 'unchanged';
  return outcome.state.deleted ? 'deleted' : 'synced';
}

const defaultPageSize = 100;

export async function runStripeSync(
  options: StripeSyncRunOptions,
  deps: StripeSyncDependencies,
): Promise<StripeSyncSummary> {
  const store = options.dryRun ? dryRunStore(deps.store) : deps.store;
  const counts: StripeSyncCounts = { synced: 0, unchanged: 0, deleted: 0, failed: 0 };
  const failures: { customerId: string; error: string }[] = [];
  let superseded = 0;
  let lastState: BillingState | undefined;
  const scope: StripeRequestScope = options.account === null ? {} : { account: options.account };

  async function syncOne(customerId: string): Promise<CustomerResult> {
    let result: CustomerResult;
    let error: string | undefined;
    try {
      // No eventCreated: forced, as the app's "sync now" is; no event asked, so sourceEventId is null.
      const outcome = await syncCustomer(
        { customerId, account: options.account, eventId: null },
        { store, stripe: deps.stripe, now: deps.now, logger: deps.logger, metrics: { count: () => undefined } },
      );
      if (outcome.status === 'superseded') superseded += 1;
      lastState = outcome.state;
      result = resultOf(outcome);
    } catch (caught) {
      result = 'failed';
      error = errorText(caught);
      failures.push({ customerId, error });
    }
    counts[result] += 1;
    deps.onCustomer?.(customerId, result, error);
    return result;
  }

  if ('customer' in options.target) {
    await syncOne(options.target.customer);
    return {
      ...counts,
      dryRun: options.dryRun,
      listed: 1,
      pages: 0,
      checked: 0,
      superseded,
      lastCustomerId: undefined,
      failures,
      ...(lastState === undefined || counts.failed > 0 ? {} : { state: lastState }),
    };
  }

  const seen = new Set<string>();
  let startingAfter = options.target.startingAfter;
  let lastCustomerId: string | undefined;
  let pages = 0;
  for (;;) {
    let page: Awaited<ReturnType<StripeBillingApi['listCustomers']>>;
    try {
      page = await deps.stripe.listCustomers(
        { limit: options.pageSize ?? defaultPageSize, ...(startingAfter === undefined ? {} : { startingAfter }) },
        scope,
      );
    } catch (error) {
      throw new CustomerListingError(error, lastCustomerId ?? options.target.startingAfter);
    }
    pages += 1;
    for (const customer of page.data) {
      seen.add(customer.id);
      await syncOne(customer.id);
      lastCustomerId = customer.id;
      deps.onResumePoint?.(customer.id);
    }
    deps.onPage?.({ ...counts, page: pages, listed: seen.size, lastCustomerId });
    const last = page.data.at(-1);
    if (!page.hasMore || last === undefined) break;
    startingAfter = last.id;
  }

  // Stripe lists no deleted customer: the table's customers this run did not list may be deleted.
  const candidates: string[] = [];
  let startKey: string | undefined;
  do {
    const stored = await deps.store.list({ limit: 100, ...(startKey === undefined ? {} : { startKey }) });
    for (const state of stored.states) {
      if (state.account === options.account && !state.deleted && !seen.has(state.customerId)) {
        candidates.push(state.customerId);
      }
    }
    startKey = stored.nextKey;
  } while (startKey !== undefined);
  deps.onCheckStart?.(candidates.length);
  for (const customerId of candidates) {
    let gone: boolean;
    try {
      const customer = await deps.stripe.retrieveCustomer(customerId, scope);
      gone = customer.deleted === true;
    } catch (error) {
      if (error instanceof StripeObjectNotFoundError) gone = true;
      else {
        const text = errorText(error);
        failures.push({ customerId, error: text });
        counts.failed += 1;
        deps.onCustomer?.(customerId, 'failed', text);
        continue;
      }
    }
    // Alive but not listed: created since the listing started, or listed before --starting-after; the webhooks keep it.
    if (gone) await syncOne(customerId);
  }

  return {
    ...counts,
    dryRun: options.dryRun,
    listed: seen.size,
    pages,
    checked: candidates.length,
    superseded,
    lastCustomerId,
    failures,
  };
}
