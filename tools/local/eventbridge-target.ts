/**
 * Plays the part of the EventBridge rule locally (`POST /_local/eventbridge`): takes an event as Stripe's
 * partner event source publishes it (the envelope, with the Stripe event in `detail`), applies the
 * rule's pattern (a Stripe partner source, a subscribed `detail-type`), and sends the envelope to the
 * event queue unchanged, as the rule's SQS target does: no message attributes, the envelope as the body.
 * moto emulates SQS but not partner event sources, so this is what lets that path run end to end.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { subscribedTypeMatcher } from '../../config/subscribed-types';
import { stripePartnerSourcePrefix } from '../../functions/consumer/incoming-event';
import { localClientConfig } from './resources';

export type EventBridgeTargetResult =
  | { readonly status: 'queued'; readonly id: string; readonly type: string }
  | { readonly status: 'not_matched'; readonly id: string; readonly type: string; readonly reason: string }
  | { readonly status: 'invalid'; readonly message: string };

export interface EventBridgeTarget {
  put(body: string): Promise<EventBridgeTargetResult>;
}

/** At most 256 KB per event: EventBridge's PutEvents limit. */
export const eventBridgeMaxEventBytes = 256 * 1024;

export function localEventBridgeTarget(options: {
  readonly emulatorEndpoint: string;
  readonly queueUrl: string;
  /** The receiver's list (`SUBSCRIBED_EVENT_TYPES`): the stack derives the rule's pattern from the same one. */
  readonly subscribedTypes: string;
}): EventBridgeTarget {
  const sqs = new SQSClient(localClientConfig(options.emulatorEndpoint));
  const isSubscribed = subscribedTypeMatcher(options.subscribedTypes);
  return {
    async put(body) {
      if (Buffer.byteLength(body) > eventBridgeMaxEventBytes) {
        return { status: 'invalid', message: `EventBridge events are at most ${eventBridgeMaxEventBytes} bytes.` };
      }
      let envelope: Record<string, unknown>;
      try {
        envelope = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return { status: 'invalid', message: 'The body is not JSON.' };
      }
      const detail = envelope?.detail as Record<string, unknown> | undefined;
      const type = envelope?.['detail-type'];
      if (typeof type !== 'string' || typeof detail !== 'object' || detail === null || typeof detail.id !== 'string') {
        return {
          status: 'invalid',
          message:
            'Expected an EventBridge event: {"detail-type": "<event type>", "source": "aws.partner/stripe.com/ed_...", "detail": <the Stripe event>}.',
        };
      }
      const ids = { id: detail.id, type };
      const source = envelope.source;
      if (typeof source !== 'string' || !source.startsWith(stripePartnerSourcePrefix)) {
        return { status: 'not_matched', ...ids, reason: `source is not ${stripePartnerSourcePrefix}...` };
      }
      if (!isSubscribed(type)) return { status: 'not_matched', ...ids, reason: 'no handler subscribes to its type' };
      await sqs.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: body }));
      return { status: 'queued', ...ids };
    },
  };
}
