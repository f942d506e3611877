/**
 * The two shapes in which Stripe delivers an event, told apart by `object`, for the receiver (which
 * must accept both) and the consumer (which parses both, also inside an EventBridge envelope):
 * - a snapshot event (`"object": "event"`): the object as it was, in `data.object`, rendered in the
 *   endpoint's API version;
 * - a thin event notification (`"object": "v2.core.event"`): unversioned, with only a reference to the
 *   object (`related_object`), which the handler fetches (https://docs.stripe.com/event-destinations#thin-events).
 * No import beyond the language: the receiver bundles this.
 */

export type EventPayloadKind = 'snapshot' | 'thin';

export interface StripeEventIdentity {
  readonly id: string;
  readonly type: string;
  readonly payload: EventPayloadKind;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Stripe's `related_object` of a thin event: absent or null for some types, else `{ id, type, url }`. */
function isRelatedObjectOrNone(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  return isRecord(value) && isNonEmptyString(value.id) && isNonEmptyString(value.type) && isNonEmptyString(value.url);
}

/** The id, type and shape of a parsed body, or undefined when it is neither a snapshot nor a thin event. */
export function identifyStripeEvent(value: unknown): StripeEventIdentity | undefined {
  if (
    !isRecord(value) ||
    !isNonEmptyString(value.id) ||
    !value.id.startsWith('evt_') ||
    !isNonEmptyString(value.type)
  ) {
    return undefined;
  }
  if (value.object === 'event') {
    const { data } = value;
    return isRecord(data) && isRecord(data.object)
      ? { id: value.id, type: value.type, payload: 'snapshot' }
      : undefined;
  }
  if (value.object === 'v2.core.event') {
    return isRelatedObjectOrNone(value.related_object)
      ? { id: value.id, type: value.type, payload: 'thin' }
      : undefined;
  }
  return undefined;
}

/** What to tell a sender whose JSON is neither shape. */
export const expectedEventShapes =
  'expected a snapshot event {"object": "event", "id": "evt_...", "type": "...", "data": {"object": {...}}} ' +
  'or a thin event {"object": "v2.core.event", "id": "evt_...", "type": "...", "related_object": {...}}';
