import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { envVarNames, messageAttributeNames, resolveSettings } from '../../config/settings';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { type ConsumerDependencies, consumeEvent } from './consume-event';
import { dynamoDbIdempotencyStore } from './idempotency-store';
import { sesMailer } from './mailer';
import { notifyRecordOutcome } from './outcome-listeners';
import { createSubscriptions } from './subscriptions';

// Created once per container.
const tableName = requireEnv(envVarNames.idempotencyTableName);
const senderAddress = requireEnv(envVarNames.senderAddress);
const retentionDays = process.env[envVarNames.idempotencyRetentionDays];
// The stack passes the deployed values; resolveSettings checks them and supplies the defaults.
const settings = resolveSettings({
  stage: process.env[envVarNames.stage],
  idempotencyRetentionDays: retentionDays ? Number(retentionDays) : undefined,
});
const logger = createLogger('stripe-webhook-consumer');
const dependencies: ConsumerDependencies = {
  registry: createSubscriptions(),
  store: dynamoDbIdempotencyStore(new DynamoDBClient({ maxAttempts: 3 }), tableName),
  mailer: sesMailer(new SESClient({ maxAttempts: 3 }), senderAddress),
  now: () => new Date(),
  logger,
  inProgressExpirySeconds: settings.inProgressExpirySeconds,
  retentionDays: settings.idempotencyRetentionDays,
};
const processor = new BatchProcessor(EventType.SQS);

async function handleRecord(record: SQSRecord, context: Context): Promise<void> {
  try {
    const outcome = await consumeEvent(record.body, dependencies, {
      remainingTimeMs: context.getRemainingTimeInMillis(),
    });
    notifyRecordOutcome({ ...outcome, messageId: record.messageId });
  } catch (error) {
    const eventId = record.messageAttributes[messageAttributeNames.eventId]?.stringValue;
    const eventType = record.messageAttributes[messageAttributeNames.eventType]?.stringValue;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    logger.error('Event failed; it will be retried', {
      eventId,
      eventType,
      outcome: 'failed',
      receiveCount: record.attributes.ApproximateReceiveCount,
      error: message,
    });
    notifyRecordOutcome({ status: 'failed', messageId: record.messageId, eventId, eventType, error: message });
    throw error;
  }
}

/**
 * Reports failed records individually, so one bad event never makes its batch-mates run again.
 * Records run one after the other: a duplicate in the same batch then finds its twin done instead of
 * in progress (which would delay it by a whole visibility timeout), and SES sends stay paced.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, (record: SQSRecord) => handleRecord(record, context), processor, {
    context,
    throwOnFullBatchFailure: false,
    processInParallel: false,
  });
