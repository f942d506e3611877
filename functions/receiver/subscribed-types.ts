import type { EventRegistry } from '../consumer/event-registry';

/**
 * Whether the consumer would run any handler for a type, answered by the consumer's own registry
 * (`createSubscriptions()`), so the receiver's filter and the consumer's subscriptions cannot drift:
 * exact types, prefixes and catch-all subscriptions all count. Importing the registry brings the email
 * templates into the receiver's bundle, about 7 KB of 500 KB minified, which is cheaper than keeping a
 * second list in step with it.
 */
export function subscribedTypeFilter<C>(registry: Pick<EventRegistry<C>, 'handlersFor'>): (type: string) => boolean {
  return (type) => registry.handlersFor(type).length > 0;
}
