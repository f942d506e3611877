/**
 * What the handlers use of Stripe's API (`ctx.stripe`), and the errors they can tell apart. Types
 * only from the `stripe` package: a consumer that never calls Stripe never loads it.
 */
import type Stripe from 'stripe';

/**
 * Whose data a call reads. Stripe answers for the account the key belongs to unless told otherwise:
 * a Connect platform reads a connected account's objects with `Stripe-Account` (v1), and fetches what
 * a thin event refers to with `Stripe-Context` (the event's `context`), as stripe-node's own
 * `fetchRelatedObject` does.
 */
export interface StripeRequestScope {
  /** A connected account id (`acct_...`), sent as `Stripe-Account`. */
  readonly account?: string;
  /** A thin event's `context`, sent as `Stripe-Context`; takes the place of `account`. */
  readonly context?: string;
  /** The event the call is made for, sent as `Stripe-Request-Trigger: event=<id>` like stripe-node does. */
  readonly eventId?: string;
}

export interface StripeApi {
  /** A customer (a deleted one comes back with `deleted: true`), cached per container and account. */
  retrieveCustomer(id: string, scope?: StripeRequestScope): Promise<Stripe.Customer | Stripe.DeletedCustomer>;
  /** A subscription, cached per container and account. */
  retrieveSubscription(id: string, scope?: StripeRequestScope): Promise<Stripe.Subscription>;
  /** A snapshot event (GET /v1/events/:id), in the API version of the key's account. Not cached. */
  retrieveEvent(id: string, scope?: StripeRequestScope): Promise<Stripe.Event>;
  /** A thin event's full event, with its `data` (GET /v2/core/events/:id). Not cached. */
  retrieveThinEvent(id: string, scope?: StripeRequestScope): Promise<Stripe.V2.Core.Event>;
  /**
   * The object at a thin event's `related_object.url` (a path such as `/v1/billing/meters/mtr_...`), in
   * its current state. Not cached: a thin event says "look now".
   */
  retrieveRelatedObject(url: string, scope?: StripeRequestScope): Promise<unknown>;
  /** A dispute in its current state (GET /v1/disputes/:id): the dispute reminder asks whether it still needs a response. Not cached. */
  retrieveDispute(id: string, scope?: StripeRequestScope): Promise<Stripe.Dispute>;
  /** A charge in its current state (GET /v1/charges/:id), e.g. whether it was refunded since an event. Not cached. */
  retrieveCharge(id: string, scope?: StripeRequestScope): Promise<Stripe.Charge>;
}

/** The same API with every call made in `scope` (unless the caller gives one): what `ctx.stripe` is for an event. */
export function scopedStripeApi(api: StripeApi, scope: StripeRequestScope): StripeApi {
  if (scope.account === undefined && scope.context === undefined && scope.eventId === undefined) return api;
  return {
    retrieveCustomer: (id, given) => api.retrieveCustomer(id, given ?? scope),
    retrieveSubscription: (id, given) => api.retrieveSubscription(id, given ?? scope),
    retrieveEvent: (id, given) => api.retrieveEvent(id, given ?? scope),
    retrieveThinEvent: (id, given) => api.retrieveThinEvent(id, given ?? scope),
    retrieveRelatedObject: (url, given) => api.retrieveRelatedObject(url, given ?? scope),
    retrieveDispute: (id, given) => api.retrieveDispute(id, given ?? scope),
    retrieveCharge: (id, given) => api.retrieveCharge(id, given ?? scope),
  };
}

/** No Stripe API key is configured, so no call can be made. */
export class StripeApiNotConfiguredError extends Error {
  /** @param reason what is missing, when more is known than "nothing is set" */
  constructor(reason?: string) {
    super(
      `No Stripe API key is configured${reason === undefined ? '' : ` (${reason})`}: set context ` +
        'stripeApiKeySecretName (construct prop of the same name) to a Secrets Manager secret holding a ' +
        'restricted key (rk_live_... or rk_test_...) with read access to customers and subscriptions (and, for billingState, entitlements).',
    );
    this.name = 'StripeApiNotConfiguredError';
  }
}

/** Stripe answered 404 `resource_missing`: the object does not exist in this account and mode. Never retried. */
export class StripeObjectNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StripeObjectNotFoundError';
  }
}

/** Any other failure, after the retries: the status and Stripe's error type and code say what to check. */
export class StripeApiError extends Error {
  readonly status: number | undefined;
  readonly type: string | undefined;
  readonly code: string | undefined;
  /** Stripe's `Request-Id`, to find the call in the Dashboard's request log. */
  readonly requestId: string | undefined;
  constructor(message: string, details: { status?: number; type?: string; code?: string; requestId?: string } = {}) {
    super(message);
    this.name = 'StripeApiError';
    this.status = details.status;
    this.type = details.type;
    this.code = details.code;
    this.requestId = details.requestId;
  }
}

const notConfigured = async (): Promise<never> => {
  throw new StripeApiNotConfiguredError();
};

/** A Stripe API whose every call rejects with {@link StripeApiNotConfiguredError}. */
export const unconfiguredStripeApi: StripeApi = {
  retrieveCustomer: notConfigured,
  retrieveSubscription: notConfigured,
  retrieveEvent: notConfigured,
  retrieveThinEvent: notConfigured,
  retrieveRelatedObject: notConfigured,
  retrieveDispute: notConfigured,
  retrieveCharge: notConfigured,
};
