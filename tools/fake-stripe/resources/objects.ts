/**
 * GET /v1/{customers,subscriptions,invoices,charges,checkout/sessions,billing/meters}/:id. An object seen in an event is
 * served as that event had it; any other id gets Stripe's example object of that resource with the
 * requested id, so a test can make up ids freely; an unobserved id containing `missing` (e.g.
 * `cus_missing1`) gets Stripe's 404 `resource_missing`. The examples are Stripe's (MIT, stripe/openapi
 * commit f6c2a48f), read from the project's vendored copy in `events/stripe-fixtures/fixtures.json`.
 */
import fixturesFile from '../../../events/stripe-fixtures/fixtures.json';
import type { ObjectStore, ServedObjectType } from '../object-store';
import type { Route } from '../router';
import { resourceMissing } from '../stripe-errors';

const fixtures = (fixturesFile as unknown as { resources: Record<string, Record<string, unknown> | undefined> })
  .resources;

/** Stripe's example object for the type, with the id asked for. */
export function exampleObject(type: ServedObjectType, id: string): Record<string, unknown> | undefined {
  const fixture = fixtures[type];
  if (fixture === undefined) return undefined;
  const object: Record<string, unknown> = { ...structuredClone(fixture), id };
  // Stripe's example customer has no email; one on example.com (which never receives mail) lets emails be sent.
  if (type === 'customer') object.email = `${id.toLowerCase()}@example.com`;
  return object;
}

const families: Array<{ path: string; type: ServedObjectType; noun: string }> = [
  { path: 'customers', type: 'customer', noun: 'customer' },
  { path: 'subscriptions', type: 'subscription', noun: 'subscription' },
  { path: 'invoices', type: 'invoice', noun: 'invoice' },
  { path: 'charges', type: 'charge', noun: 'charge' },
  { path: 'checkout/sessions', type: 'checkout.session', noun: 'checkout.session' },
  // What a `v1.billing.meter.*` thin event's related_object.url names.
  { path: 'billing/meters', type: 'billing.meter', noun: 'billing.meter' },
];

export function objectRoutes(store: ObjectStore): Route[] {
  return families.map(({ path, type, noun }) => ({
    method: 'GET',
    pattern: new RegExp(`^/v1/${path}/([^/]+)$`),
    handle: ([id = '']) => {
      // Stripe's ids have no spaces or quotes; anything else is an id it cannot have issued.
      if (!/^[A-Za-z0-9_]+$/.test(id)) return resourceMissing(noun, id);
      // A way for tests to get Stripe's 404 for an object nobody observed: an id with `missing` in it.
      if (id.includes('missing') && store.get(type, id) === undefined) return resourceMissing(noun, id);
      const body = store.get(type, id) ?? exampleObject(type, id);
      return body === undefined ? resourceMissing(noun, id) : { status: 200, body };
    },
  }));
}
