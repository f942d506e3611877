/**
 * What the billing sync reads of Stripe's API: the customer as it is now (never from the cache that
 * `ctx.stripe` keeps, since a sync is asked for because something changed), every subscription of any
 * status and every active entitlement, page after page. Each page is one call through the same key,
 * rate limit and retries as `ctx.stripe` (`createStripeCaller`), so a 429 or 5xx on page 3 is retried
 * there, and one that persists fails the whole sync before anything is written.
 */
import type Stripe from 'stripe';
import {
  type CreateStripeApiOptions,
  callOptions,
  createStripeCaller,
  newStripeClient,
  type StripeApiTarget,
  type StripeCallOptions,
} from './client';
import type { StripeRequestScope } from './port';

export interface StripeBillingApi {
  /** The customer now, its default payment method expanded; a deleted one comes back with `deleted: true`. */
  retrieveCustomer(id: string, scope?: StripeRequestScope): Promise<Stripe.Customer | Stripe.DeletedCustomer>;
  /** Every subscription of the customer, of every status (`status=all`), all pages. */
  listSubscriptions(customerId: string, scope?: StripeRequestScope): Promise<Stripe.Subscription[]>;
  /** Every active entitlement of the customer, all pages. */
  listActiveEntitlements(
    customerId: string,
    scope?: StripeRequestScope,
  ): Promise<Stripe.Entitlements.ActiveEntitlement[]>;
  /** One page of the account's customers, newest first (the backfill). */
  listCustomers(
    page: { readonly startingAfter?: string; readonly limit?: number },
    scope?: StripeRequestScope,
  ): Promise<{ readonly data: Stripe.Customer[]; readonly hasMore: boolean }>;
}

interface ListPage<T> {
  readonly data: T[];
  readonly has_more: boolean;
}

/** What of the `stripe` client these calls use: the seam tests replace. */
export interface StripeBillingClientLike {
  customers: {
    retrieve(
      id: string,
      params: { expand: string[] },
      options?: StripeCallOptions,
    ): Promise<Stripe.Customer | Stripe.DeletedCustomer>;
    list(params: Stripe.CustomerListParams, options?: StripeCallOptions): Promise<ListPage<Stripe.Customer>>;
  };
  subscriptions: {
    list(params: Stripe.SubscriptionListParams, options?: StripeCallOptions): Promise<ListPage<Stripe.Subscription>>;
  };
  entitlements: {
    activeEntitlements: {
      list(
        params: Stripe.Entitlements.ActiveEntitlementListParams,
        options?: StripeCallOptions,
      ): Promise<ListPage<Stripe.Entitlements.ActiveEntitlement>>;
    };
  };
}

export type CreateStripeBillingApiOptions = Omit<
  CreateStripeApiOptions,
  'createClient' | 'cacheTtlMs' | 'cacheMaxEntries'
> & {
  /** Test seam. @default the `stripe` package's client */
  readonly createClient?: (apiKey: string, target: StripeApiTarget) => Promise<StripeBillingClientLike>;
};

/** Stripe's largest page: the fewest calls for a customer with many subscriptions or entitlements. */
const pageSize = 100;
/** A customer with more than 100 pages (10,000 subscriptions) is not a customer but a loop: stop and say so. */
const maxPages = 100;

/** The payment method the state shows: the invoice default (PaymentMethod), else an older integration's default source. */
export const customerExpansions = ['invoice_settings.default_payment_method', 'default_source'];

export class TooManyPagesError extends Error {
  constructor(what: string) {
    super(`Stripe kept answering has_more after ${maxPages} pages of ${pageSize} ${what}; stopped rather than loop.`);
    this.name = 'TooManyPagesError';
  }
}

export function createStripeBillingApi(options: CreateStripeBillingApiOptions): StripeBillingApi {
  const call = createStripeCaller<StripeBillingClientLike>({
    ...options,
    createClient:
      options.createClient ??
      ((key: string, target: StripeApiTarget) => newStripeClient(key, target, options.httpClient)),
  });

  async function allPages<T extends { id: string }>(
    what: string,
    path: string,
    page: (startingAfter: string | undefined) => (stripe: StripeBillingClientLike) => Promise<ListPage<T>>,
  ): Promise<T[]> {
    const items: T[] = [];
    let startingAfter: string | undefined;
    for (let count = 0; count < maxPages; count++) {
      const answer = await call(what, 'GET', path, page(startingAfter));
      items.push(...answer.data);
      const last = answer.data.at(-1);
      if (!answer.has_more || last === undefined) return items;
      startingAfter = last.id;
    }
    throw new TooManyPagesError(what);
  }

  const after = (startingAfter: string | undefined) =>
    startingAfter === undefined ? {} : { starting_after: startingAfter };

  return {
    retrieveCustomer: (id, scope) =>
      call('customers', 'GET', `/v1/customers/${id}`, (stripe) =>
        stripe.customers.retrieve(id, { expand: customerExpansions }, ...callOptions(scope)),
      ),
    listSubscriptions: (customerId, scope) =>
      allPages(
        'subscriptions',
        '/v1/subscriptions',
        (startingAfter) => (stripe) =>
          stripe.subscriptions.list(
            { customer: customerId, status: 'all', limit: pageSize, ...after(startingAfter) },
            ...callOptions(scope),
          ),
      ),
    listActiveEntitlements: (customerId, scope) =>
      allPages(
        'active entitlements',
        '/v1/entitlements/active_entitlements',
        (startingAfter) => (stripe) =>
          stripe.entitlements.activeEntitlements.list(
            { customer: customerId, limit: pageSize, ...after(startingAfter) },
            ...callOptions(scope),
          ),
      ),
    listCustomers: async (page, scope) => {
      const answer = await call('customers', 'GET', '/v1/customers', (stripe) =>
        stripe.customers.list({ limit: page.limit ?? pageSize, ...after(page.startingAfter) }, ...callOptions(scope)),
      );
      return { data: answer.data, hasMore: answer.has_more };
    },
  };
}
