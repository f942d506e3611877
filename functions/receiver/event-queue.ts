import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { messageAttributeNames } from '../../config/settings';
import type { QueuedEvent } from './receive-webhook';

/** Sends a verified event to SQS; resolves only once SQS has accepted (durably stored) it. */
export function sqsEventQueue(client: SQSClient, queueUrl: string): (event: QueuedEvent) => Promise<void> {
  return async (event) => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: event.body,
        MessageAttributes: {
          [messageAttributeNames.eventId]: { DataType: 'String', StringValue: event.eventId },
          [messageAttributeNames.eventType]: { DataType: 'String', StringValue: event.eventType },
          [messageAttributeNames.receivedAt]: { DataType: 'String', StringValue: event.receivedAt },
        },
      }),
    );
  };
}
