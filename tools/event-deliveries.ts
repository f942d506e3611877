/**
 * Builds the other shapes in which Stripe delivers events, at test time and for the local pipeline:
 * a thin event notification as an event destination posts it (`"object": "v2.core.event"`, with
 * `related_object` and, for Connect, `context`), and the Amazon EventBridge envelope Stripe's partner
 * event source puts a snapshot or thin event in (`detail-type` is the event type, `detail` the event).
 * Shapes from https://docs.stripe.com/api/v2/core/events and https://docs.stripe.com/event-destinations/eventbridge.
 */
import { randomBytes } from 'node:crypto';

export interface ThinEventOptions {
  readonly id?: string;
  /** ISO time; thin events carry an ISO string where snapshots carry epoch seconds. @default now */
  readonly created?: string;
  readonly livemode?: boolean;
  /** The connected account (Connect), sent by Stripe as `context`. */
  readonly context?: string;
  /** @default a billing meter, the related object of `v1.billing.meter.*` events */
  readonly relatedObject?: { readonly id: string; readonly type: string; readonly url: string } | null;
}

const randomId = (prefix: string): string => `${prefix}${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;

export function buildThinEvent(type: string, options: ThinEventOptions = {}) {
  const meterId = randomId('mtr_test_');
  const relatedObject =
    options.relatedObject === undefined
      ? { id: meterId, type: 'billing.meter', url: `/v1/billing/meters/${meterId}` }
      : options.relatedObject;
  return {
    id: options.id ?? randomId('evt_test_'),
    object: 'v2.core.event',
    type,
    livemode: options.livemode ?? false,
    created: options.created ?? new Date().toISOString(),
    ...(options.context === undefined ? {} : { context: options.context }),
    ...(relatedObject === null ? {} : { related_object: relatedObject }),
    reason: { type: 'request', request: { id: randomId('req_'), idempotency_key: randomId('') } },
  };
}

/** A made-up partner event source name in Stripe's format, for tests and `npm start`. */
export const localStripeEventSourceName = 'aws.partner/stripe.com/ed_test_local';

export interface EnvelopeOptions {
  readonly source?: string;
  readonly account?: string;
  readonly region?: string;
  readonly time?: string;
}

/** The EventBridge event as a rule's SQS target receives it: the envelope, with the Stripe event as `detail`. */
export function eventBridgeEnvelope(event: { readonly type: string }, options: EnvelopeOptions = {}) {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': event.type,
    source: options.source ?? localStripeEventSourceName,
    account: options.account ?? '000000000000',
    time: options.time ?? new Date().toISOString(),
    region: options.region ?? 'us-east-1',
    resources: [],
    detail: event,
  };
}
