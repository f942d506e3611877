import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { deadLetterAttributeNames, messageAttributeNames } from '../../config/contract';

/** How many times SES already throttled the event this record carries. */
export function throttleRetriesOf(record: SQSRecord): number {
  const value = Number(record.messageAttributes[messageAttributeNames.throttleRetries]?.stringValue ?? 0);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

const deadLetterOnly = new Set<string>(Object.values(deadLetterAttributeNames));

/**
 * A record's message attributes as SendMessage takes them, but for the dead-letter ones: a message
 * moved back by SQS's own redrive (not `npm run redrive`) still has its old reason, which must not
 * travel on with a fresh copy.
 */
export function copiedAttributes(record: SQSRecord): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(record.messageAttributes)) {
    if (deadLetterOnly.has(name)) continue;
    attributes[name] = {
      DataType: value.dataType,
      ...(value.stringValue !== undefined ? { StringValue: value.stringValue } : {}),
      ...(value.binaryValue !== undefined ? { BinaryValue: Buffer.from(value.binaryValue, 'base64') } : {}),
    };
  }
  return attributes;
}

/**
 * Puts a fresh copy of the record on the queue, visible after `delaySeconds`: the original message
 * body (for a large event, the S3 pointer, not the resolved body) and attributes, with the throttle
 * count. Once SQS has the copy, the caller deletes the original.
 */
export function sqsRequeue(client: SQSClient, queueUrl: string) {
  return async (record: SQSRecord, delaySeconds: number, throttleRetries: number): Promise<void> => {
    const attributes = copiedAttributes(record);
    attributes[messageAttributeNames.throttleRetries] = { DataType: 'Number', StringValue: String(throttleRetries) };
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: record.body,
        MessageAttributes: attributes,
        DelaySeconds: delaySeconds,
      }),
    );
  };
}
