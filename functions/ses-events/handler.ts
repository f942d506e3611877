/**
 * The SES events function: subscribed to the SNS topic SES publishes bounces, complaints, rejects and
 * delivery delays to, it records permanent bounces and complaints in the suppression table. A failed
 * write is thrown, so Lambda retries the notification and then hands it to the dead-letter queue.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import { envVarNames, serviceNames } from '../../config/contract';
import { requireEnv } from '../shared/env';
import { errorSummary } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { createPowertoolsMetrics } from '../shared/metrics';
import { dynamoDbSuppressionStore } from '../shared/suppression-store';
import {
  handleSesNotification,
  type SesNotificationDependencies,
  type SesNotificationOutcome,
} from './handle-ses-notification';

// Read and created once per container.
const tableName = requireEnv(envVarNames.suppressionTableName);
const logger = createLogger(serviceNames.sesEvents);
const metrics = createPowertoolsMetrics(serviceNames.sesEvents, process.env[envVarNames.stage] ?? 'dev');
const dependencies: SesNotificationDependencies = {
  store: dynamoDbSuppressionStore(new DynamoDBClient({ maxAttempts: 3 }), tableName),
  logger,
  metrics: { count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value) },
  now: () => new Date(),
};

/** SNS delivers one record per invocation; the outcomes are returned for the local pipeline, Lambda ignores them. */
export async function handler(event: SNSEvent): Promise<SesNotificationOutcome[]> {
  const outcomes: SesNotificationOutcome[] = [];
  try {
    for (const record of event.Records) {
      try {
        outcomes.push(await handleSesNotification(record.Sns.Message, dependencies));
      } catch (error) {
        logger.error('Could not record the SES notification; it will be delivered again', {
          snsMessageId: record.Sns.MessageId,
          error: errorSummary(error),
        });
        throw error;
      }
    }
    return outcomes;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
