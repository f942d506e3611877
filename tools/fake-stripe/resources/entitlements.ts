/**
 * `GET /v1/entitlements/active_entitlements?customer=cus_...`, as Stripe lists a customer's active
 * entitlements: `customer` is required (else Stripe's 400 "Missing required param: customer."), cursor
 * pages (`limit` 1-100, default 10, `starting_after`, `ending_before`, `has_more`; pagination.ts). The
 * objects are `{ id, object: "entitlements.active_entitlement", feature, livemode, lookup_key }`, only
 * those set through the control API for that customer (Stripe's object does not name its customer, and no
 * event carries one, so the fake keeps the customer it was given beside the object and never serves it).
 * They have no `created`: the most recently set first. `expand[]` is accepted but expands nothing here:
 * any path (Stripe's `data.feature` included) is Stripe's 400 "This property cannot be expanded"; any
 * other parameter is the 400 "Received unknown parameter". A customer nobody set entitlements for has
 * none, an empty list, as on Stripe.
 */
import type { ObjectStore } from '../object-store';
import { paginate } from '../pagination';
import { type Route, requestAccount } from '../router';
import { answerWithParams } from '../stripe-errors';
import { expandParam, parseStripeParams, rejectUnknown, requiredStringParam } from '../stripe-params';

const listParams = ['customer', 'ending_before', 'expand', 'limit', 'starting_after'];

export function entitlementRoutes(store: ObjectStore): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v1\/entitlements\/active_entitlements$/,
      handle: (_params, request) =>
        answerWithParams(() => {
          const params = parseStripeParams(request.query);
          rejectUnknown(params, listParams);
          const customer = requiredStringParam(params, 'customer');
          expandParam(params, []);
          const entitlements = store.list('entitlements.active_entitlement', {
            account: requestAccount(request),
            customer,
          });
          return {
            status: 200,
            body: paginate(entitlements, params, '/v1/entitlements/active_entitlements', 'active entitlement'),
          };
        }),
    },
  ];
}
