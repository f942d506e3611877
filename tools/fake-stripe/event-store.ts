/**
 * The events the fake knows, for `GET /v1/events`, `GET /v1/events/:id` and `GET /v2/core/events/:id`.
 * Like Stripe, it knows an event because it sent it: the local pipeline records each event its endpoint
 * was given, delivered (the receiver answered 2xx) or not (it answered 5xx, so Stripe would retry). An
 * event delivered after failing becomes delivered, as Stripe's `delivery_success` filter sees it once a
 * retry succeeds. Snapshot events (`"object": "event"`) and thin events (`"object": "v2.core.event"`)
 * are kept apart, as Stripe lists only snapshot events under /v1/events.
 */

type StripeObject = Record<string, unknown>;

interface KnownEvent {
  event: StripeObject;
  delivered: boolean;
  /** Order of first sight: of two events of the same second, the later one lists first, as on Stripe. */
  sequence: number;
}

function isRecord(value: unknown): value is StripeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class EventStore {
  private readonly snapshots = new Map<string, KnownEvent>();
  private readonly thin = new Map<string, { event: StripeObject; sequence: number }>();
  private sequence = 0;

  /** Records an event; returns its id, or undefined when it is not a Stripe event. */
  record(event: unknown, delivered: boolean): string | undefined {
    if (!isRecord(event) || typeof event.id !== 'string') return undefined;
    if (event.object === 'v2.core.event') {
      const previous = this.thin.get(event.id);
      if (previous === undefined) this.sequence += 1;
      this.thin.set(event.id, { event: structuredClone(event), sequence: previous?.sequence ?? this.sequence });
      return event.id;
    }
    if (event.object !== 'event' || typeof event.type !== 'string' || typeof event.created !== 'number')
      return undefined;
    const previous = this.snapshots.get(event.id);
    if (previous === undefined) this.sequence += 1;
    this.snapshots.set(event.id, {
      event: structuredClone(previous?.event ?? event),
      delivered: delivered || (previous?.delivered ?? false),
      sequence: previous?.sequence ?? this.sequence,
    });
    return event.id;
  }

  /** A snapshot event as Stripe lists it: `pending_webhooks` is 0 once delivered, else 1. */
  snapshot(id: string): { event: StripeObject; delivered: boolean } | undefined {
    const known = this.snapshots.get(id);
    if (known === undefined) return undefined;
    return {
      event: { ...structuredClone(known.event), pending_webhooks: known.delivered ? 0 : 1 },
      delivered: known.delivered,
    };
  }

  /** Every snapshot event, newest first. */
  snapshotsNewestFirst(): Array<{ event: StripeObject; delivered: boolean }> {
    return [...this.snapshots.values()]
      .sort((a, b) => (b.event.created as number) - (a.event.created as number) || b.sequence - a.sequence)
      .map((known) => ({
        event: { ...structuredClone(known.event), pending_webhooks: known.delivered ? 0 : 1 },
        delivered: known.delivered,
      }));
  }

  thinEvent(id: string): StripeObject | undefined {
    const found = this.thin.get(id);
    return found === undefined ? undefined : structuredClone(found.event);
  }

  /** Every thin event, newest first (`created` is an RFC 3339 time; the same instant: the later seen first). */
  thinEventsNewestFirst(): StripeObject[] {
    const time = (event: StripeObject) => Date.parse(String(event.created));
    return [...this.thin.values()]
      .sort((a, b) => time(b.event) - time(a.event) || b.sequence - a.sequence)
      .map((known) => structuredClone(known.event));
  }

  clear(): void {
    this.snapshots.clear();
    this.thin.clear();
    this.sequence = 0;
  }
}
