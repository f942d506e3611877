/**
 * The objects the fake knows: the latest `data.object` of each event it observed, by id. Stripe knows an
 * object before it sends an event about it, so the fake learns objects from the events the pipeline gets.
 * Events may arrive out of order (Stripe does not guarantee order): an event created earlier than the one
 * already seen for that object never replaces it.
 */

/** The `object` values the fake serves, with the noun Stripe uses in "No such ..." messages. */
export const servedObjectTypes = {
  customer: 'customer',
  subscription: 'subscription',
  invoice: 'invoice',
  charge: 'charge',
  'checkout.session': 'checkout.session',
  // A thin event's related object; never in a snapshot event's data, so always Stripe's example.
  'billing.meter': 'billing.meter',
} as const;

export type ServedObjectType = keyof typeof servedObjectTypes;

type StripeObject = Record<string, unknown>;

interface Known {
  /** The `created` of the event it came from. */
  eventCreated: number;
  object: StripeObject;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isServed(type: unknown): type is ServedObjectType {
  return typeof type === 'string' && Object.hasOwn(servedObjectTypes, type);
}

export class ObjectStore {
  private readonly known = new Map<string, Known>();

  /** Learns the event's object; returns its id, or undefined when the event carries no object the fake serves. */
  observeEvent(event: unknown): string | undefined {
    if (!isRecord(event) || !isRecord(event.data) || !isRecord(event.data.object)) return undefined;
    const object = event.data.object;
    const { id } = object;
    if (typeof id !== 'string' || !isServed(object.object)) return undefined;
    const eventCreated = typeof event.created === 'number' ? event.created : 0;
    const key = `${object.object}:${id}`;
    const previous = this.known.get(key);
    if (previous !== undefined && eventCreated < previous.eventCreated) return id;
    // Stripe answers a deleted customer with this stub, not the last state.
    const stored: StripeObject =
      event.type === 'customer.deleted' ? { id, object: 'customer', deleted: true } : structuredClone(object);
    this.known.set(key, { eventCreated, object: stored });
    return id;
  }

  /** Forgets every object. */
  clear(): void {
    this.known.clear();
  }

  get(type: ServedObjectType, id: string): StripeObject | undefined {
    const found = this.known.get(`${type}:${id}`);
    return found === undefined ? undefined : structuredClone(found.object);
  }
}
