/**
 * What the handlers use of Stripe's API (`ctx.stripe`), and the errors they can tell apart. Types
 * only from the `stripe` package: a consumer that never calls Stripe never loads it.
 */
import type Stripe from 'stripe';

export interface StripeApi {
  /** A customer (a deleted one comes back with `deleted: true`), cached per container. */
  retrieveCustomer(id: string): Promise<Stripe.Customer | Stripe.DeletedCustomer>;
  /** A subscription, cached per container. */
  retrieveSubscription(id: string): Promise<Stripe.Subscription>;
}

/** No Stripe API key is configured, so no call can be made. */
export class StripeApiNotConfiguredError extends Error {
  /** @param reason what is missing, when more is known than "nothing is set" */
  constructor(reason?: string) {
    super(
      `No Stripe API key is configured${reason === undefined ? '' : ` (${reason})`}: set context ` +
        'stripeApiKeySecretName (construct prop of the same name) to a Secrets Manager secret holding a ' +
        'restricted key (rk_live_... or rk_test_...) with read access to customers and subscriptions.',
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
};
