import type Stripe from 'stripe';
import {
  type EventFilter,
  type EventHandler,
  type EventOfType,
  EventRegistry,
  type EventsWithPrefix,
  type Prefix,
  type StripeEventType,
  type ThinEventFetchers,
  type ThinEventOfType,
  type ThinEventType,
} from './event-registry';
import type { HandlerContext } from './handler-context';

/** Subscribes a handler to one event type (typed from the `stripe` package) or to every type with a prefix. */
export interface On {
  <T extends StripeEventType>(type: T, handler: EventHandler<EventOfType<T>, HandlerContext>): void;
  /** A thin (v2) event type: the handler gets the notification, and fetches what it needs through the context. */
  <T extends ThinEventType>(
    type: T,
    handler: EventHandler<ThinEventOfType<T>, ThinEventFetchers<T> & HandlerContext>,
  ): void;
  <P extends Prefix>(prefix: P, handler: EventHandler<EventsWithPrefix<P>, HandlerContext>): void;
}

/** What a subscriptions module registers with, in the spirit of the StripeEvent gem. */
export interface SubscriptionBuilder {
  /** `on('invoice.paid', fn)` for one type, `on('charge.dispute.', fn)` for every type with that prefix. */
  readonly on: On;
  /** A handler for every event (an audit log, say): the receiver then queues every type. */
  readonly onAny: (handler: EventHandler<Stripe.Event, HandlerContext>) => void;
  /** Skips events before any handler runs; the reason is logged and counted (`Filtered`). */
  readonly filter: (filter: EventFilter) => void;
  /** Adds another set of subscriptions, e.g. `include(builtInEmails({ off: ['invoice.paid'] }))`. */
  readonly include: (subscriptions: Subscriptions) => void;
}

/**
 * A set of subscriptions: what a subscriptions module exports as its default, and what
 * `builtInEmails()` returns. Plain data with a string tag rather than a class, so that a copy of this
 * package bundled twice (the construct's and the team's) still recognises it.
 */
export interface Subscriptions {
  readonly kind: typeof subscriptionsKind;
  readonly register: (builder: SubscriptionBuilder) => void;
}

const subscriptionsKind = 'stripe-webhooks-aws.subscriptions';

/**
 * Declares a team's subscriptions:
 * `export default defineSubscriptions((on, { include }) => { include(builtInEmails()); on('customer.subscription.deleted', async (event, ctx) => { ... }); })`.
 * The callback runs once per container (and once at synth, to tell the receiver which types to queue):
 * keep side effects inside the handlers.
 */
export function defineSubscriptions(register: (on: On, builder: SubscriptionBuilder) => void): Subscriptions {
  return { kind: subscriptionsKind, register: (builder) => register(builder.on, builder) };
}

export class InvalidSubscriptionsError extends Error {
  constructor(what: string) {
    super(
      `${what} is not a set of subscriptions: a subscriptions module must \`export default defineSubscriptions((on) => { ... })\` (from 'stripe-webhooks-aws/handlers').`,
    );
    this.name = 'InvalidSubscriptionsError';
  }
}

export function isSubscriptions(value: unknown): value is Subscriptions {
  const candidate = value as Partial<Subscriptions> | null | undefined;
  return candidate?.kind === subscriptionsKind && typeof candidate.register === 'function';
}

/** The default export of a loaded module, checked: what a bundler or `require` hands over. */
export function subscriptionsOfModule(module: unknown, what: string): Subscriptions {
  const value = (module as { default?: unknown } | null | undefined)?.default ?? module;
  if (!isSubscriptions(value)) throw new InvalidSubscriptionsError(what);
  return value;
}

/** Registers every subscription (included sets first, in order) into a registry the consumer dispatches with. */
export function buildRegistry(
  subscriptions: Subscriptions,
  options: { readonly filters?: readonly EventFilter[] } = {},
): EventRegistry<HandlerContext> {
  const registry = new EventRegistry<HandlerContext>();
  for (const filter of options.filters ?? []) registry.filter(filter);
  const builder: SubscriptionBuilder = {
    on: ((typeOrPrefix: string, handler: EventHandler<never, HandlerContext>) => {
      registry.register(typeOrPrefix, handler);
    }) as On,
    onAny: (handler) => {
      registry.onAny(handler);
    },
    filter: (filter) => {
      registry.filter(filter);
    },
    include: (included) => {
      if (!isSubscriptions(included)) throw new InvalidSubscriptionsError('What was passed to include()');
      included.register(builder);
    },
  };
  subscriptions.register(builder);
  return registry;
}

/**
 * The types the receiver must queue for these subscriptions: exact types, `prefix.*` and `*`, in
 * the format of `config/subscribed-types.ts`.
 */
export function subscribedTypesOf(subscriptions: Subscriptions): string[] {
  return [...new Set(buildRegistry(subscriptions).subscriptions())];
}
