/**
 * Reads a queued message into the event the handlers get, whichever way Stripe delivered it:
 * - the receiver's message: the raw webhook body, a snapshot or a thin event;
 * - an EventBridge rule's message: the envelope `{ "detail-type", "source", "detail", ... }` whose
 *   `detail` is the Stripe event (Stripe's partner event source puts the event there unchanged).
 * Both carry Stripe's event id, so the same event arriving both ways is claimed once in the idempotency table.
 */
import { type EventPayloadKind, expectedEventShapes } from '../shared/stripe-event-shape';
import type { IncomingEvent } from './event-registry';

export type EventDelivery = 'webhook' | 'eventbridge';

/** Stripe's partner event sources are named `aws.partner/stripe.com/<event destination id>`. */
export const stripePartnerSourcePrefix = 'aws.partner/stripe.com/';

export interface ParsedEvent extends IncomingEvent {
  /** Seconds since the epoch: a snapshot's `created`, or a thin event's ISO `created` converted. */
  readonly created?: number;
  readonly data?: unknown;
  readonly payload: EventPayloadKind;
  readonly delivery: EventDelivery;
  /** The connected account the event is from (Connect): a snapshot's `account`, a thin event's `context`. */
  readonly account?: string;
  /** The API version a snapshot event was rendered in; thin events are unversioned. */
  readonly apiVersion?: string;
  /** The Stripe event itself (the envelope's `detail` for EventBridge): what the handlers get. */
  readonly body: Record<string, unknown>;
}

export class MalformedMessageError extends Error {
  constructor(reason: string) {
    super(
      `The queued message is not a Stripe event (${reason}); the receiver and the EventBridge rule only queue Stripe's events, so check what else sends to this queue.`,
    );
    this.name = 'MalformedMessageError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function createdSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function isEventBridgeEnvelope(value: Record<string, unknown>): boolean {
  return 'detail-type' in value && 'detail' in value && 'source' in value;
}

/** The Stripe event inside an EventBridge envelope, checked against the envelope's own fields. */
function unwrapEnvelope(envelope: Record<string, unknown>): Record<string, unknown> {
  const source = envelope.source;
  if (typeof source !== 'string' || !source.startsWith(stripePartnerSourcePrefix)) {
    throw new MalformedMessageError(
      `an EventBridge event from source ${JSON.stringify(source)}, not from a Stripe partner event source (${stripePartnerSourcePrefix}...)`,
    );
  }
  const detail = envelope.detail;
  if (!isRecord(detail)) throw new MalformedMessageError('an EventBridge event whose "detail" is not an object');
  if (detail.type !== envelope['detail-type']) {
    throw new MalformedMessageError(
      `an EventBridge event whose detail-type ${JSON.stringify(envelope['detail-type'])} is not its detail's type ${JSON.stringify(detail.type)}`,
    );
  }
  return detail;
}

export function parseQueuedEvent(body: string): ParsedEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('body is not JSON');
  }
  if (!isRecord(value)) throw new MalformedMessageError('body is not a JSON object');
  const delivery: EventDelivery = isEventBridgeEnvelope(value) ? 'eventbridge' : 'webhook';
  const event = delivery === 'eventbridge' ? unwrapEnvelope(value) : value;
  // The receiver checked the shape in full before queuing; here an id and a type are enough to route and dedupe.
  if (typeof event.id !== 'string' || typeof event.type !== 'string') {
    throw new MalformedMessageError(`no string "id" and "type"; ${expectedEventShapes}`);
  }
  const payload: EventPayloadKind = event.object === 'v2.core.event' ? 'thin' : 'snapshot';
  const account = payload === 'thin' ? optionalString(event.context) : optionalString(event.account);
  const created = createdSeconds(event.created);
  const apiVersion = optionalString(event.api_version);
  return {
    id: event.id,
    type: event.type,
    payload,
    delivery,
    ...(typeof event.livemode === 'boolean' ? { livemode: event.livemode } : {}),
    ...(created === undefined ? {} : { created }),
    data: event.data,
    ...(account === undefined ? {} : { account }),
    ...(apiVersion === undefined ? {} : { apiVersion }),
    body: event,
  };
}

/** The event's id and type for log lines about a message that may not parse (never throws). */
export function eventIdentityOfBody(body: string): { eventId?: string; eventType?: string } {
  try {
    const value: unknown = JSON.parse(body);
    if (!isRecord(value)) return {};
    const event = isEventBridgeEnvelope(value) && isRecord(value.detail) ? value.detail : value;
    return {
      ...(typeof event.id === 'string' ? { eventId: event.id } : {}),
      ...(typeof event.type === 'string' ? { eventType: event.type } : {}),
    };
  } catch {
    return {};
  }
}
