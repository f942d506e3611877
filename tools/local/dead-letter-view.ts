/**
 * What is in the local dead-letter queue, for the console: read without taking the messages away
 * (visibility timeout 0, so they stay visible to `npm run redrive` and the redrive button).
 */
import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { messageAttributeNames } from '../../config/contract';
import { type DeadLetterReason, readDeadLetterReason } from '../../functions/consumer/dead-letter';

export interface DeadLetter {
  readonly messageId: string;
  readonly eventId: string | undefined;
  readonly eventType: string | undefined;
  /** When SQS first received the message (ISO). */
  readonly sentAt: string | undefined;
  /** SQS's receive count: the consumer's attempts before it was moved here, plus every peek of this view. */
  readonly receiveCount: number;
  /** Why it is here: the last attempt's error, handler, step and field; null when SQS moved it without one. */
  readonly reason: DeadLetterReason | null;
}

/** Reads the event id and type from the attributes the receiver sets, else from the body (an EventBridge envelope has none). */
function describe(message: Message): DeadLetter {
  let eventId = message.MessageAttributes?.[messageAttributeNames.eventId]?.StringValue;
  let eventType = message.MessageAttributes?.[messageAttributeNames.eventType]?.StringValue;
  if (eventId === undefined || eventType === undefined) {
    try {
      const body = JSON.parse(message.Body ?? '') as {
        id?: unknown;
        type?: unknown;
        detail?: { id?: unknown; type?: unknown };
      };
      const event = body.detail ?? body;
      eventId ??= typeof event.id === 'string' ? event.id : undefined;
      eventType ??= typeof event.type === 'string' ? event.type : undefined;
    } catch {
      // not JSON: shown by message id only
    }
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId ?? '',
    eventId,
    eventType,
    sentAt: Number.isFinite(sent) ? new Date(sent).toISOString() : undefined,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    reason: readDeadLetterReason(message.MessageAttributes) ?? null,
  };
}

/** Lists up to `max` dead letters. */
export async function peekDeadLetters(sqs: SQSClient, deadLetterQueueUrl: string, max = 100): Promise<DeadLetter[]> {
  const seen = new Map<string, DeadLetter>();
  for (let round = 0; round < 10 && seen.size < max; round += 1) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    const fresh = Messages.filter((message) => !seen.has(message.MessageId ?? ''));
    if (fresh.length === 0) break;
    for (const message of fresh) seen.set(message.MessageId ?? '', describe(message));
  }
  return [...seen.values()];
}
