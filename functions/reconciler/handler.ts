/**
 * Lambda entry of the reconciler, invoked by EventBridge Scheduler: reads the environment once, runs
 * {@link reconcile}, publishes its metrics, and fails the invocation if any event could not be queued
 * (Scheduler retries it, and the failure shows in the function's Errors metric).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { envVarNames, serviceNames } from '../../config/contract';
import { subscribedTypeMatcher } from '../../config/subscribed-types';
import { isEventDone } from '../consumer/idempotency-store';
import { largeEventThresholdBytes } from '../receiver/tuning';
import { replayEventQueue } from '../replay/replay-queue';
import { sdkLargeEventStore, sdkSqsSender } from '../replay/sdk-queue';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { createPowertoolsMetrics } from '../shared/metrics';
import { createStripeAdminApi } from '../shared/stripe-api/admin';
import { secretsManagerApiKey } from '../shared/stripe-api/api-key';
import { reconcile } from './reconcile';

const logger = createLogger(serviceNames.reconciler);
const metrics = createPowertoolsMetrics(serviceNames.reconciler, requireEnv(envVarNames.stage));
const queueUrl = requireEnv(envVarNames.queueUrl);
const tableName = requireEnv(envVarNames.idempotencyTableName);
const bucket = requireEnv(envVarNames.largeEventBucketName);
const isSubscribed = subscribedTypeMatcher(requireEnv(envVarNames.subscribedEventTypes));
const apiKeySecretId = requireEnv(envVarNames.stripeApiKeySecretId);
const sqs = new SQSClient({ maxAttempts: 3 });
const dynamodb = new DynamoDBClient({ maxAttempts: 3 });
const s3 = new S3Client({ maxAttempts: 3 });
const secrets = new SecretsManagerClient({ maxAttempts: 3 });
const stripe = createStripeAdminApi({
  apiKey: secretsManagerApiKey(secrets, apiKeySecretId, logger),
  apiUrl: process.env[envVarNames.stripeApiUrl]?.trim() || undefined,
  // A background job: a small share of the account's rate limit, leaving the rest to the consumer.
  ratePerSecond: 5,
  logger,
});

export async function handler(): Promise<{ found: number; alreadyDone: number; queued: number; failed: number }> {
  try {
    const summary = await reconcile({
      stripe,
      enqueue: replayEventQueue(sdkSqsSender(sqs, queueUrl), 'reconciler', {
        largeEvents: { store: sdkLargeEventStore(s3, bucket), thresholdBytes: largeEventThresholdBytes },
      }),
      isDone: (eventId) => isEventDone(dynamodb, tableName, eventId),
      isSubscribed,
      now: () => new Date(),
      metrics: { count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value) },
    });
    const { found, alreadyDone, queued, failed } = summary;
    logger.info('Reconciled undelivered Stripe events', { found, alreadyDone, queued, failed, pages: summary.pages });
    if (failed > 0) {
      // Ids only; the errors are AWS or Stripe messages, which never hold a payload.
      logger.error('Some undelivered events could not be queued', { failures: summary.failures.slice(0, 20) });
      throw new Error(`${failed} undelivered Stripe event(s) could not be queued; the next run retries them.`);
    }
    return { found, alreadyDone, queued, failed };
  } finally {
    metrics.publishStoredMetrics();
  }
}
