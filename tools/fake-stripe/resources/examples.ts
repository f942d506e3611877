/**
 * Stripe's example objects (MIT, stripe/openapi commit f6c2a48f), read from the project's vendored copy in
 * `events/stripe-fixtures/fixtures.json`: what the fake serves for an id nobody observed or set.
 */
import fixturesFile from '../../../events/stripe-fixtures/fixtures.json';
import type { ServedObjectType } from '../object-store';

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
