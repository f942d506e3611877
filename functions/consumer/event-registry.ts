import type Stripe from 'stripe';

/** Every event type the pinned `stripe` package knows. */
export type StripeEventType = Stripe.Event['type'];

/** The event object of one type, e.g. `EventOfType<'invoice.paid'>` is `Stripe.InvoicePaidEvent`. */
export type EventOfType<T extends StripeEventType> = Extract<Stripe.Event, { type: T }>;

/** Stripe's thin event notifications (v2 event destinations), as the `stripe` package types them. */
type ThinEventNotification = Stripe.V2.Core.EventNotification;

/** Every thin event type the pinned `stripe` package knows, e.g. `v1.billing.meter.error_report_triggered`. */
export type ThinEventType = ThinEventNotification['type'];

/**
 * A thin event as it arrives, plain JSON: the package's notification type without the methods its
 * parser adds (the handler context has them: `ctx.fetchRelatedObject()`, `ctx.fetchEvent()`), and with
 * `context` (the account it is from, for Connect) as the string Stripe sends.
 */
type PlainThinEvent<N> = N extends unknown
  ? Omit<N, 'fetchRelatedObject' | 'fetchEvent' | 'context'> & { readonly context?: string }
  : never;

/** The thin event of one type, e.g. `ThinEventOfType<'v1.billing.meter.error_report_triggered'>`. */
export type ThinEventOfType<T extends ThinEventType> = PlainThinEvent<Extract<ThinEventNotification, { type: T }>>;

/** What a thin event's handler fetches, typed for its type: the related object (null when it has none) and the full event. */
export interface ThinEventFetchers<T extends ThinEventType> {
  fetchRelatedObject(): Promise<
    Extract<ThinEventNotification, { type: T }> extends { fetchRelatedObject(): Promise<infer R> } ? R : null
  >;
  fetchEvent(): Promise<Awaited<ReturnType<Extract<ThinEventNotification, { type: T }>['fetchEvent']>>>;
}

/** The events whose type starts with a prefix, e.g. `'charge.dispute.'` or `'v1.billing.'`. */
export type EventsWithPrefix<P extends string> = Extract<
  Stripe.Event | PlainThinEvent<ThinEventNotification>,
  { type: `${P}${string}` }
>;

export type EventHandler<E, C> = (event: E, context: C) => Promise<void> | void;

/** Anything with a type: an event may be of a type newer than the pinned `stripe` package. */
export interface IncomingEvent {
  readonly id: string;
  readonly type: string;
  readonly livemode?: boolean;
  /** The connected account the event is from (Connect), for filters. */
  readonly account?: string;
}

/** Returns a reason to skip the event (it is acknowledged and counted, not handled), or nothing. */
export type EventFilter = (event: IncomingEvent) => string | undefined;

export type DispatchResult =
  | { readonly status: 'handled'; readonly handlerCount: number }
  | { readonly status: 'unhandled' }
  | { readonly status: 'filtered'; readonly reason: string };

/** Where an event goes: skipped by a filter, to nobody, or to these handlers in order. */
export type Route<C> =
  | { readonly status: 'handled'; readonly handlers: readonly EventHandler<IncomingEvent, C>[] }
  | { readonly status: 'unhandled' }
  | { readonly status: 'filtered'; readonly reason: string };

export type Prefix = `${string}.`;

/**
 * Subscriptions by event type, in the spirit of the StripeEvent gem: `on('invoice.paid', fn)` for
 * one type (the handler gets that type's event from the `stripe` package; a thin type such as
 * `v1.billing.meter.error_report_triggered` gets the thin event), `on('charge.dispute.', fn)`
 * for every type with a prefix, `onAny(fn)` for all, and `filter(fn)` to skip events before any
 * handler runs.
 */
export class EventRegistry<C> {
  private readonly exact = new Map<string, EventHandler<never, C>[]>();
  private readonly prefixed: { prefix: string; handler: EventHandler<never, C> }[] = [];
  private readonly any: EventHandler<never, C>[] = [];
  private readonly filters: EventFilter[] = [];

  on<T extends StripeEventType>(type: T, handler: EventHandler<EventOfType<T>, C>): this;
  on<T extends ThinEventType>(type: T, handler: EventHandler<ThinEventOfType<T>, ThinEventFetchers<T> & C>): this;
  on<P extends Prefix>(prefix: P, handler: EventHandler<EventsWithPrefix<P>, C>): this;
  on(typeOrPrefix: string, handler: EventHandler<never, never>): this {
    // A thin type's handler also wants the fetchers; the context every handler gets has them.
    return this.register(typeOrPrefix, handler as EventHandler<never, C>);
  }

  /** `on` without the typing, for builders that already typed the handler against its type or prefix. */
  register(typeOrPrefix: string, handler: EventHandler<never, C>): this {
    if (typeOrPrefix.endsWith('.')) {
      this.prefixed.push({ prefix: typeOrPrefix, handler });
    } else {
      const handlers = this.exact.get(typeOrPrefix) ?? [];
      handlers.push(handler);
      this.exact.set(typeOrPrefix, handlers);
    }
    return this;
  }

  onAny(handler: EventHandler<Stripe.Event, C>): this {
    this.any.push(handler as EventHandler<never, C>);
    return this;
  }

  filter(filter: EventFilter): this {
    this.filters.push(filter);
    return this;
  }

  /** The handlers that would run for a type, in subscription order: exact, then prefixes, then any. */
  handlersFor(type: string): EventHandler<IncomingEvent, C>[] {
    const handlers = [
      ...(this.exact.get(type) ?? []),
      ...this.prefixed.filter(({ prefix }) => type.startsWith(prefix)).map(({ handler }) => handler),
      ...this.any,
    ];
    // The overloads of `on` tie each handler to the types it is registered for, so a handler is only
    // ever called with an event of a matching type.
    return handlers as EventHandler<IncomingEvent, C>[];
  }

  /** Subscribed types and prefixes (`'*'` when something listens to everything). */
  subscriptions(): string[] {
    return [
      ...this.exact.keys(),
      ...this.prefixed.map(({ prefix }) => `${prefix}*`),
      ...(this.any.length ? ['*'] : []),
    ];
  }

  /** Why the event should be skipped, if a filter says so. */
  filteredBecause(event: IncomingEvent): string | undefined {
    for (const filter of this.filters) {
      const reason = filter(event);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  /** One pass over the filters and the subscriptions: what would happen to the event, without running anything. */
  route(event: IncomingEvent): Route<C> {
    const reason = this.filteredBecause(event);
    if (reason !== undefined) return { status: 'filtered', reason };
    const handlers = this.handlersFor(event.type);
    return handlers.length === 0 ? { status: 'unhandled' } : { status: 'handled', handlers };
  }

  async dispatch(event: IncomingEvent, context: C): Promise<DispatchResult> {
    const route = this.route(event);
    if (route.status !== 'handled') return route;
    for (const handler of route.handlers) await handler(event, context);
    return { status: 'handled', handlerCount: route.handlers.length };
  }
}
