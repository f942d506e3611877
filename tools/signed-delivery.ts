/**
 * The request Stripe makes to deliver an event, for `npm run trigger` and the local console's trigger
 * and resend buttons: the pretty-printed body, signed with the endpoint's secret, and Stripe's headers;
 * or, via EventBridge, the envelope unsigned (the partner event source and IAM stand for Stripe there).
 */
import { eventBridgeEnvelope } from './event-deliveries';
import { signStripePayload, stripeDeliveryHeaders } from './stripe-events';

export type DeliveryRoute = 'webhook' | 'eventbridge';

export interface SignedDelivery {
  /** Path on the local pipeline: `/webhook`, or `/_local/eventbridge` where it plays the EventBridge rule. */
  readonly path: '/webhook' | '/_local/eventbridge';
  readonly body: string;
  /** The `Stripe-Signature` header; empty via EventBridge. */
  readonly signature: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Builds the delivery of `event`; the same event delivered twice has the same body, a fresh signature. */
export function signedDelivery(
  event: { readonly type: string },
  options: { readonly secret: string; readonly via?: DeliveryRoute },
): SignedDelivery {
  if (options.via === 'eventbridge') {
    return {
      path: '/_local/eventbridge',
      body: JSON.stringify(eventBridgeEnvelope(event)),
      signature: '',
      headers: { 'content-type': 'application/json' },
    };
  }
  // Stripe posts the event pretty-printed with 2 spaces, and signs exactly those bytes.
  const body = JSON.stringify(event, null, 2);
  const signature = signStripePayload(body, options.secret);
  return { path: '/webhook', body, signature, headers: { ...stripeDeliveryHeaders, 'stripe-signature': signature } };
}
