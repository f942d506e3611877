/**
 * `GET /v1/customers`, as Stripe lists customers: the customers the fake knows in the request's account
 * (observed in events or set through the control API), newest first by `created`, cursor-paginated
 * (`limit` 1-100, default 10, `starting_after`, `ending_before`, `has_more`; pagination.ts). A deleted
 * customer is not listed, as on Stripe. Filters: `email` (exact, case-sensitive, as Stripe's) and `created`
 * (`[gte]`, `[gt]`, `[lte]`, `[lt]` or an exact second). `expand[]` takes `data.invoice_settings.default_payment_method`
 * and `data.default_source` (expand.ts). Any other parameter (Stripe's `test_clock` included) is the 400
 * "Received unknown parameter". Example customers (ids nobody observed) are not listed: they exist only
 * when asked for by id.
 */
import type { ObjectStore } from '../object-store';
import { paginate } from '../pagination';
import { type Route, requestAccount } from '../router';
import { answerWithParams } from '../stripe-errors';
import { expandParam, inRange, parseStripeParams, rangeParam, rejectUnknown, stringParam } from '../stripe-params';
import { itemPaths, objectExpander } from './expand';
import { customerExpandable } from './objects';

const listParams = ['created', 'email', 'ending_before', 'expand', 'limit', 'starting_after'];

export function customerRoutes(store: ObjectStore): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v1\/customers$/,
      handle: (_params, request) =>
        answerWithParams(() => {
          const params = parseStripeParams(request.query);
          rejectUnknown(params, listParams);
          const paths = itemPaths(
            expandParam(
              params,
              customerExpandable.map((path) => `data.${path}`),
            ),
          );
          const email = stringParam(params, 'email');
          const created = rangeParam(params, 'created');
          const account = requestAccount(request);
          const customers = store
            .list('customer', { account })
            .filter(
              (customer) =>
                customer.deleted !== true &&
                (email === undefined || customer.email === email) &&
                inRange(typeof customer.created === 'number' ? customer.created : 0, created),
            );
          const page = paginate(customers, params, '/v1/customers', 'customer');
          const expand = objectExpander(store, account);
          return { status: 200, body: { ...page, data: page.data.map((customer) => expand(customer, paths)) } };
        }),
    },
  ];
}
