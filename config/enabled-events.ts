import { splitSubscribedTypes } from './subscribed-types';

/**
 * The subscribed event types (`config/subscribed-types.ts`) as a Stripe webhook endpoint's
 * `enabled_events`, shared by the construct (the managed endpoint's property) and `npm run stripe:endpoint`.
 * Stripe takes exact types or `*`, not prefixes: a registry with a prefix (`charge.dispute.*`) or `*` needs
 * `*` (the receiver acknowledges, without queueing, any type no handler wants). Thin event types (`v1.`,
 * `v2.`) are delivered by event destinations, not webhook endpoints, so they are left out.
 */
export function enabledEventsFor(subscribedTypes: readonly string[]): string[] {
  const { snapshot: snapshotTypes } = splitSubscribedTypes(subscribedTypes);
  if (snapshotTypes.some((type) => type === '*' || type.endsWith('.*') || type.endsWith('.'))) return ['*'];
  return [...new Set(snapshotTypes)].sort();
}
