/**
 * The queue and large-event store of replay and the reconciler, through the AWS SDK. The receiver sends
 * through its own light client (functions/shared/aws-json-client.ts) for its cold start; these run in a
 * tool (with the operator's profile, SSO or role credentials, which only the SDK resolves) or in a
 * scheduled function where a cold start costs no one a wait. The message shape and the object key are
 * the receiver's own (`createEventQueue`, `largeEventKey`), so the consumer cannot tell them apart.
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SendToQueue } from '../receiver/event-queue';
import { LargeEventStoreError, largeEventKey, type StoreLargeEvent } from '../receiver/large-event-store';

/** SendMessage with the message's attributes as String attributes, as the receiver sends them. */
export function sdkSqsSender(client: SQSClient, queueUrl: string): SendToQueue {
  return async (message, signal) => {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(message.attributes)) {
      attributes[name] = { DataType: 'String', StringValue: value };
    }
    await client.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message.body, MessageAttributes: attributes }),
      { abortSignal: signal },
    );
  };
}

/** PutObject of a body too large for SQS, under the receiver's key layout. */
export function sdkLargeEventStore(client: S3Client, bucket: string, newUnique = randomUUID): StoreLargeEvent {
  return async (event, signal) => {
    const body = Buffer.from(event.body, 'utf8');
    const key = largeEventKey(event, newUnique());
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: 'application/json; charset=utf-8',
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw new LargeEventStoreError(bucket, key, error);
    }
    return { bucket, key, bytes: body.length };
  };
}
