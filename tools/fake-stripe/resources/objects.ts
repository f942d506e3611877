/**
 * GET /v1/{customers,subscriptions,invoices,charges,checkout/sessions,billing/meters}/:id. An object seen in an
 * event or set through the control API is served as it was, to requests of its Connect account (the
 * `Stripe-Account` header; none for the platform); any other id gets Stripe's example object of that
 * resource with the requested id, so a test can make up ids freely; an unknown id containing `missing` (e.g.
 * `cus_missing1`) gets Stripe's 404 `resource_missing`. The examples are Stripe's (MIT, stripe/openapi
 * commit f6c2a48f), read from the project's vendored copy in `events/stripe-fixtures/fixtures.json`.
 *
 * A customer takes `expand[]` as Stripe's does for `invoice_settings.default_payment_method` and
 * `default_source` (expand.ts); any other parameter, or another path, is Stripe's 400. The other
 * resources ignore their query, as the consumer sends none.
 */
import { type ObjectStore, type ServedObjectType, stripeIdPattern } from '../object-store';
import { type FakeRequest, type FakeResponse, type Route, requestAccount } from '../router';
import { answerWithParams, resourceMissing } from '../stripe-errors';
import { expandParam, parseStripeParams, rejectUnknown } from '../stripe-params';
import { exampleObject } from './examples';
import { objectExpander } from './expand';

export { exampleObject } from './examples';

/** What Stripe can expand on a customer and the fake does too. */
export const customerExpandable = ['invoice_settings.default_payment_method', 'default_source'] as const;

const families: Array<{ path: string; type: ServedObjectType; noun: string }> = [
  { path: 'customers', type: 'customer', noun: 'customer' },
  { path: 'subscriptions', type: 'subscription', noun: 'subscription' },
  { path: 'invoices', type: 'invoice', noun: 'invoice' },
  { path: 'charges', type: 'charge', noun: 'charge' },
  { path: 'checkout/sessions', type: 'checkout.session', noun: 'checkout.session' },
  // What a `v1.billing.meter.*` thin event's related_object.url names.
  { path: 'billing/meters', type: 'billing.meter', noun: 'billing.meter' },
];

function retrieve(
  store: ObjectStore,
  type: ServedObjectType,
  noun: string,
  id: string,
  request: FakeRequest,
): FakeResponse {
  // Stripe's ids have no spaces or quotes; anything else is an id it cannot have issued.
  if (!stripeIdPattern.test(id)) return resourceMissing(noun, id);
  const account = requestAccount(request);
  const known = store.get(type, id, account);
  // A way for tests to get Stripe's 404 for an object nobody observed: an id with `missing` in it.
  if (id.includes('missing') && known === undefined) return resourceMissing(noun, id);
  const body = known ?? exampleObject(type, id);
  return body === undefined ? resourceMissing(noun, id) : { status: 200, body };
}

export function objectRoutes(store: ObjectStore): Route[] {
  return families.map(({ path, type, noun }) => ({
    method: 'GET',
    pattern: new RegExp(`^/v1/${path}/([^/]+)$`),
    handle: ([id = ''], request) => {
      if (type !== 'customer') return retrieve(store, type, noun, id, request);
      return answerWithParams(() => {
        // Stripe checks the parameters before looking the customer up.
        const params = parseStripeParams(request.query);
        rejectUnknown(params, ['expand']);
        const paths = expandParam(params, customerExpandable);
        const answer = retrieve(store, type, noun, id, request);
        if (answer.status !== 200 || paths.length === 0) return answer;
        const expand = objectExpander(store, requestAccount(request));
        return { status: 200, body: expand(answer.body as Record<string, unknown>, paths) };
      });
    },
  }));
}
