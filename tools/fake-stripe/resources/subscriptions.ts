/**
 * `GET /v1/subscriptions`, as Stripe lists subscriptions: those the fake knows in the request's account
 * (the `data.object` of `customer.subscription.*` events, or set through the control API), newest first
 * by `created`, cursor-paginated (`limit` 1-100, default 10, `starting_after`, `ending_before`,
 * `has_more`; pagination.ts).
 *
 * - `status`: absent, every subscription but `canceled` and `incomplete_expired` (Stripe's default lists
 *   the ones not ended); `all`, every status; `ended`, `canceled` and `incomplete_expired`; any other of
 *   Stripe's statuses, that one only; anything else is Stripe's 400.
 * - `customer` (absent: every customer's), `price` (a subscription with an item of that price), `created`.
 * - `expand[]`: `data.default_payment_method` and `data.default_source` (expand.ts).
 *
 * Any other parameter (Stripe's `collection_method`, `current_period_*`, `test_clock`...) is the 400
 * "Received unknown parameter", so a caller relying on one finds out.
 */
import type { ObjectStore } from '../object-store';
import { paginate } from '../pagination';
import { type Route, requestAccount } from '../router';
import { answerWithParams } from '../stripe-errors';
import {
  expandParam,
  InvalidStripeParamError,
  inRange,
  parseStripeParams,
  rangeParam,
  rejectUnknown,
  stringParam,
} from '../stripe-params';
import { itemPaths, objectExpander } from './expand';

const listParams = ['created', 'customer', 'ending_before', 'expand', 'limit', 'price', 'starting_after', 'status'];

/** The `status` values Stripe's list takes: a subscription's statuses, plus `all` and `ended`. */
export const subscriptionListStatuses = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
] as const;

const endedStatuses: readonly unknown[] = ['canceled', 'incomplete_expired'];

function statusMatcher(status: string | undefined): (subscriptionStatus: unknown) => boolean {
  if (status === undefined) return (candidate) => !endedStatuses.includes(candidate);
  if (status === 'all') return () => true;
  if (status === 'ended') return (candidate) => endedStatuses.includes(candidate);
  if (!subscriptionListStatuses.some((known) => known === status)) {
    const choices = subscriptionListStatuses.slice(0, -1).join(', ');
    throw new InvalidStripeParamError(
      'status',
      `Invalid status: must be one of ${choices}, or ${subscriptionListStatuses.at(-1)}`,
    );
  }
  return (candidate) => candidate === status;
}

function hasPrice(subscription: Record<string, unknown>, price: string): boolean {
  const items = subscription.items as { data?: Array<{ price?: unknown }> } | undefined;
  return (items?.data ?? []).some(
    (item) => item.price === price || (item.price as { id?: unknown } | undefined)?.id === price,
  );
}

export function subscriptionRoutes(store: ObjectStore): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v1\/subscriptions$/,
      handle: (_params, request) =>
        answerWithParams(() => {
          const params = parseStripeParams(request.query);
          rejectUnknown(params, listParams);
          const paths = itemPaths(expandParam(params, ['data.default_payment_method', 'data.default_source']));
          const matchesStatus = statusMatcher(stringParam(params, 'status'));
          const customer = stringParam(params, 'customer');
          const price = stringParam(params, 'price');
          const created = rangeParam(params, 'created');
          const account = requestAccount(request);
          const subscriptions = store
            .list('subscription', { account, ...(customer === undefined ? {} : { customer }) })
            .filter(
              (subscription) =>
                matchesStatus(subscription.status) &&
                (price === undefined || hasPrice(subscription, price)) &&
                inRange(typeof subscription.created === 'number' ? subscription.created : 0, created),
            );
          const page = paginate(subscriptions, params, '/v1/subscriptions', 'subscription');
          const expand = objectExpander(store, account);
          return { status: 200, body: { ...page, data: page.data.map((item) => expand(item, paths)) } };
        }),
    },
  ];
}
