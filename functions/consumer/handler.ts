import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { envVarNames, messageAttributeNames } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import { s3AddressingFor } from '../shared/aws-client-config';
import { requireEnv } from '../shared/env';
import { errorSummary } from '../shared/errors';
import { createLogger } from '../shared/logger';
import type { ConsumerDependencies } from './consume-event';
import { countRecordOutcome, createConsumerMetrics } from './consumer-metrics';
import { dynamoDbIdempotencyStore } from './idempotency-store';
import { sesMailer } from './mailer';
import { notifyRecordOutcome, type RecordOutcome } from './outcome-listeners';
import { pacedMailer } from './paced-mailer';
import { processRecord } from './process-record';
import { queuedEventBodyResolver, s3StoredBodyReader } from './queued-event-body';
import { sqsRequeue, throttleRetriesOf } from './requeue';
import { createSubscriptions } from './subscriptions';

// Created once per container.
const tableName = requireEnv(envVarNames.idempotencyTableName);
const senderAddress = requireEnv(envVarNames.senderAddress);
const largeEventBucket = requireEnv(envVarNames.largeEventBucketName);
const queueUrl = requireEnv(envVarNames.queueUrl);
const retentionDays = process.env[envVarNames.idempotencyRetentionDays];
// Unset (the local pipeline) means no pacing.
const emailSendIntervalMs = Number(process.env[envVarNames.emailSendIntervalMs] ?? 0);
// The stack passes the deployed values; resolveSettings checks them and supplies the defaults.
const settings = resolveSettings({
  stage: process.env[envVarNames.stage],
  livemode: process.env[envVarNames.acceptedLivemode],
  idempotencyRetentionDays: retentionDays ? Number(retentionDays) : undefined,
});
const logger = createLogger('stripe-webhook-consumer');
const metrics = createConsumerMetrics(settings.stage);
/** When the current invocation must stop waiting to send (its end, less a margin to finish the event). */
let sendDeadline = Number.POSITIVE_INFINITY;
const dependencies: ConsumerDependencies = {
  registry: createSubscriptions({ acceptedLivemode: settings.acceptedLivemode }),
  store: dynamoDbIdempotencyStore(new DynamoDBClient({ maxAttempts: 3 }), tableName),
  mailer: pacedMailer(
    sesMailer(new SESClient({ maxAttempts: 3 }), senderAddress),
    emailSendIntervalMs,
    () => sendDeadline,
  ),
  now: () => new Date(),
  logger,
  inProgressExpirySeconds: settings.inProgressExpirySeconds,
  retentionDays: settings.idempotencyRetentionDays,
};
// Large events arrive as a pointer to their body in S3; this reads it back, so consumeEvent always gets the raw body.
const resolveBody = queuedEventBodyResolver(
  s3StoredBodyReader(new S3Client({ maxAttempts: 3, ...s3AddressingFor() })),
  largeEventBucket,
);
const requeue = sqsRequeue(new SQSClient({ maxAttempts: 3 }), queueUrl);
const processor = new BatchProcessor(EventType.SQS);

function report(outcome: RecordOutcome): void {
  countRecordOutcome(metrics, outcome);
  notifyRecordOutcome(outcome);
}

async function handleRecord(record: SQSRecord, context: Context): Promise<void> {
  const eventId = record.messageAttributes[messageAttributeNames.eventId]?.stringValue;
  const eventType = record.messageAttributes[messageAttributeNames.eventType]?.stringValue;
  let decision: Awaited<ReturnType<typeof processRecord>>;
  try {
    sendDeadline = Date.now() + context.getRemainingTimeInMillis() - 5_000;
    decision = await processRecord(await resolveBody(record), throttleRetriesOf(record), dependencies, {
      remainingTimeMs: context.getRemainingTimeInMillis(),
    });
  } catch (error) {
    // The stored body of a large event could not be read.
    decision = { kind: 'retry', error };
  }
  if (decision.kind === 'done') {
    report({ ...decision.outcome, messageId: record.messageId });
    return;
  }
  if (decision.kind === 'requeue') {
    // Throttling never counts toward the DLQ: a fresh copy comes back later; this one is deleted.
    await requeue(record, decision.delaySeconds, decision.throttleRetries);
    logger.warn('SES throttled; event queued again with a delay', {
      eventId,
      eventType,
      outcome: 'throttled',
      delaySeconds: decision.delaySeconds,
      throttleRetries: decision.throttleRetries,
    });
    report({
      status: 'throttled',
      messageId: record.messageId,
      eventId,
      eventType,
      delaySeconds: decision.delaySeconds,
    });
    return;
  }
  const message = errorSummary(decision.error);
  logger.error('Event failed; it will be retried', {
    eventId,
    eventType,
    outcome: 'failed',
    receiveCount: record.attributes.ApproximateReceiveCount,
    error: message,
  });
  report({ status: 'failed', messageId: record.messageId, eventId, eventType, error: message });
  throw decision.error;
}

/**
 * Reports failed records individually, so one bad event never makes its batch-mates run again.
 * Records run one after the other: a duplicate in the same batch then finds its twin done instead of
 * in progress (which would delay it by a whole visibility timeout), and SES sends stay paced.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    return await processPartialResponse(event, (record: SQSRecord) => handleRecord(record, context), processor, {
      context,
      throwOnFullBatchFailure: false,
      processInParallel: false,
    });
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
