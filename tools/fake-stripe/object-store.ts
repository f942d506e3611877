/**
 * The objects the fake knows: the latest `data.object` of each event it observed, by id, and the objects a
 * test set (`set`, `POST /_fake/objects`). Stripe knows an object before it sends an event about it, so the
 * fake learns objects from the events the pipeline gets. Events may arrive out of order (Stripe does not
 * guarantee order): an event created earlier than the one already seen for that object never replaces it.
 * An object set by a test is the current state from the moment it was set (the fake's clock): an event
 * created before then does not replace it, a later one does.
 *
 * Objects are kept per Connect account, as Stripe keeps them: an event's object under the event's `account`
 * (the platform's when it has none), a set object under its top-level `account`. A request sees only the
 * objects of the account its `Stripe-Account` header names (the platform's without one).
 */

/** The `object` values the fake serves, with the noun Stripe uses in "No such ..." messages. */
export const servedObjectTypes = {
  customer: 'customer',
  subscription: 'subscription',
  invoice: 'invoice',
  charge: 'charge',
  'checkout.session': 'checkout.session',
  // Learned from `charge.dispute.*` events (their data.object is the dispute), served by resources/disputes.ts.
  dispute: 'dispute',
  // A thin event's related object; never in a snapshot event's data, so always Stripe's example.
  'billing.meter': 'billing.meter',
  // What a customer's or a subscription's default payment method or default source expands to.
  payment_method: 'payment_method',
  card: 'card',
  source: 'source',
  // Listed per customer; Stripe's object does not name its customer, so only `set` can file one.
  'entitlements.active_entitlement': 'entitlements.active_entitlement',
} as const;

export type ServedObjectType = keyof typeof servedObjectTypes;

type StripeObject = Record<string, unknown>;

interface Known {
  /** The `created` of the event it came from, or the second it was set. */
  eventCreated: number;
  /** Order of first sight: of two objects created in the same second, the later seen lists first. */
  sequence: number;
  type: ServedObjectType;
  /** The Connect account it lives in; undefined for the platform. */
  account: string | undefined;
  /** The customer it belongs to, for the lists' `customer` filter. */
  customer: string | undefined;
  object: StripeObject;
}

/** A valid object for `set`, taken apart. */
export interface FakeObject {
  type: ServedObjectType;
  id: string;
  account: string | undefined;
  customer: string | undefined;
  /** As it will be served: without the fake's own top-level `account` (and an entitlement's `customer`). */
  object: StripeObject;
}

export class InvalidFakeObjectError extends Error {
  constructor(message: string) {
    super(`Invalid fake Stripe object: ${message}.`);
    this.name = 'InvalidFakeObjectError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isServedObjectType(type: unknown): type is ServedObjectType {
  return typeof type === 'string' && Object.hasOwn(servedObjectTypes, type);
}

/** Stripe's ids are letters, digits and underscores; anything else is an id it cannot have issued. */
export const stripeIdPattern = /^[A-Za-z0-9_]+$/;

/** The customer an object names, as an id or (expanded) as an object. */
function customerOf(object: StripeObject): string | undefined {
  const { customer } = object;
  if (typeof customer === 'string') return customer;
  return isRecord(customer) && typeof customer.id === 'string' ? customer.id : undefined;
}

function deletedCustomer(id: string): StripeObject {
  // Stripe answers a deleted customer with this stub, not the last state.
  return { id, object: 'customer', deleted: true };
}

/**
 * Checks an object for `set`; throws InvalidFakeObjectError saying what is wrong and what a valid one
 * looks like.
 */
export function parseFakeObject(value: unknown): FakeObject {
  const example = 'e.g. {"id":"cus_123","object":"customer","created":1700000000}';
  if (!isRecord(value)) throw new InvalidFakeObjectError(`the body must be one Stripe object as JSON, ${example}`);
  const { id, object: type, account, created } = value;
  if (typeof id !== 'string' || !stripeIdPattern.test(id)) {
    throw new InvalidFakeObjectError(
      `id must be a Stripe id (letters, digits and _), got ${JSON.stringify(id) ?? 'nothing'}; ${example}`,
    );
  }
  if (!isServedObjectType(type)) {
    throw new InvalidFakeObjectError(
      `object must be one of ${Object.keys(servedObjectTypes).join(', ')}, got ${JSON.stringify(type) ?? 'nothing'}`,
    );
  }
  if (account !== undefined && (typeof account !== 'string' || !/^acct_[A-Za-z0-9]+$/.test(account))) {
    throw new InvalidFakeObjectError(
      `account, when given, must be the id of the connected account that owns the object (acct_...), got ${JSON.stringify(account)}`,
    );
  }
  if (created !== undefined && (typeof created !== 'number' || !Number.isInteger(created) || created < 0)) {
    throw new InvalidFakeObjectError(`created must be Unix seconds, a whole number, got ${JSON.stringify(created)}`);
  }
  const { account: _account, ...object } = value;
  if (type === 'subscription' && typeof object.customer !== 'string') {
    throw new InvalidFakeObjectError(
      `a subscription needs its customer's id as a string, e.g. "customer":"cus_123", got ${JSON.stringify(object.customer) ?? 'nothing'}`,
    );
  }
  if (type === 'entitlements.active_entitlement') {
    const { customer, ...entitlement } = object;
    if (typeof customer !== 'string' || !stripeIdPattern.test(customer)) {
      throw new InvalidFakeObjectError(
        'an entitlements.active_entitlement needs a top-level "customer" (the id of the customer it is listed for, e.g. "cus_123"); Stripe\'s object has no such field, so the fake keeps it for the list\'s filter and does not serve it',
      );
    }
    if (typeof entitlement.lookup_key !== 'string') {
      throw new InvalidFakeObjectError('an entitlements.active_entitlement needs its lookup_key, a string');
    }
    if (typeof entitlement.feature !== 'string' && !isRecord(entitlement.feature)) {
      throw new InvalidFakeObjectError(
        'an entitlements.active_entitlement needs its feature, the feature\'s id (e.g. "feat_123")',
      );
    }
    return { type, id, account: typeof account === 'string' ? account : undefined, customer, object: entitlement };
  }
  const stored = type === 'customer' && object.deleted === true ? deletedCustomer(id) : object;
  return {
    type,
    id,
    account: typeof account === 'string' ? account : undefined,
    customer: customerOf(stored),
    object: stored,
  };
}

export interface ListFilter {
  /** The Connect account asked about; undefined for the platform. */
  account: string | undefined;
  /** Only objects of this customer. */
  customer?: string;
}

export class ObjectStore {
  private readonly known = new Map<string, Known>();
  private sequence = 0;

  private static key(account: string | undefined, type: ServedObjectType, id: string): string {
    return JSON.stringify([account ?? null, type, id]);
  }

  private put(entry: Omit<Known, 'sequence'>, id: string): void {
    const key = ObjectStore.key(entry.account, entry.type, id);
    const previous = this.known.get(key);
    if (previous === undefined) this.sequence += 1;
    this.known.set(key, {
      ...entry,
      object: structuredClone(entry.object),
      sequence: previous?.sequence ?? this.sequence,
    });
  }

  /** Learns the event's object; returns its id, or undefined when the event carries no object the fake serves. */
  observeEvent(event: unknown): string | undefined {
    if (!isRecord(event) || !isRecord(event.data) || !isRecord(event.data.object)) return undefined;
    const object = event.data.object;
    if (event.type === 'entitlements.active_entitlement_summary.updated') return this.observeEntitlementSummary(event);
    const { id } = object;
    const type = object.object;
    // An entitlement in an event would not say whose it is: nothing to list it under.
    if (typeof id !== 'string' || !isServedObjectType(type) || type === 'entitlements.active_entitlement') {
      return undefined;
    }
    const eventCreated = typeof event.created === 'number' ? event.created : 0;
    const account = typeof event.account === 'string' ? event.account : undefined;
    const previous = this.known.get(ObjectStore.key(account, type, id));
    if (previous !== undefined && eventCreated < previous.eventCreated) return id;
    const stored = event.type === 'customer.deleted' ? deletedCustomer(id) : object;
    this.put({ eventCreated, type, account, customer: customerOf(stored), object: stored }, id);
    return id;
  }

  /**
   * The customer's active entitlements as the summary event lists them (at most 10 in a real webhook), so
   * that a triggered summary shows locally; set ones (`set`) and those of a newer event are kept, as an
   * older event never replaces a newer state.
   */
  private observeEntitlementSummary(event: Record<string, unknown>): string | undefined {
    const summary = isRecord(event.data) && isRecord(event.data.object) ? event.data.object : {};
    const customer = typeof summary.customer === 'string' ? summary.customer : undefined;
    const listed = isRecord(summary.entitlements) ? summary.entitlements.data : undefined;
    if (customer === undefined || !Array.isArray(listed)) return undefined;
    const eventCreated = typeof event.created === 'number' ? event.created : 0;
    const account = typeof event.account === 'string' ? event.account : undefined;
    const type = 'entitlements.active_entitlement' as const;
    const current = [...this.known.entries()].filter(
      ([, entry]) => entry.type === type && entry.account === account && entry.customer === customer,
    );
    // Anything newer than this event stands; the rest is what this event says.
    if (current.some(([, entry]) => entry.eventCreated > eventCreated)) return customer;
    for (const [key] of current) this.known.delete(key);
    for (const item of listed) {
      if (!isRecord(item) || typeof item.id !== 'string' || typeof item.lookup_key !== 'string') continue;
      this.put({ eventCreated, type, account, customer, object: structuredClone(item) }, item.id);
    }
    return customer;
  }

  /**
   * Sets an object as the current state from `atSeconds` on (an event created earlier does not replace
   * it); throws InvalidFakeObjectError for one that is not valid. Returns its id.
   */
  set(value: unknown, atSeconds: number): string {
    const { type, id, account, customer, object } = parseFakeObject(value);
    this.put({ eventCreated: atSeconds, type, account, customer, object }, id);
    return id;
  }

  /** Forgets one object; false when it was not known. */
  delete(type: ServedObjectType, id: string, account?: string): boolean {
    return this.known.delete(ObjectStore.key(account, type, id));
  }

  /** Forgets every object. */
  clear(): void {
    this.known.clear();
    this.sequence = 0;
  }

  get(type: ServedObjectType, id: string, account?: string): StripeObject | undefined {
    const found = this.known.get(ObjectStore.key(account, type, id));
    return found === undefined ? undefined : structuredClone(found.object);
  }

  /**
   * The objects of a type in one account, newest first by their `created` (as Stripe lists), of the same
   * second the later seen first; an object without `created` (an entitlement) sorts by when it was seen.
   */
  list(type: ServedObjectType, filter: ListFilter): Array<StripeObject & { id: string }> {
    const created = (entry: Known) => (typeof entry.object.created === 'number' ? entry.object.created : 0);
    return [...this.known.values()]
      .filter(
        (entry) =>
          entry.type === type &&
          entry.account === filter.account &&
          (filter.customer === undefined || entry.customer === filter.customer),
      )
      .sort((a, b) => created(b) - created(a) || b.sequence - a.sequence)
      .map((entry) => ({ ...structuredClone(entry.object), id: String(entry.object.id) }));
  }
}
