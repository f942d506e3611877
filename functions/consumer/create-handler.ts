import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { messageAttributeNames, serviceNames } from '../../config/contract';
import type { AlertDestination, DisputeReminderScheduler } from '../alerts/alert-ports';
import { builtInBusinessAlerts } from '../alerts/business-alert-handlers';
import { businessAlertsFromEnvironment } from '../alerts/from-environment';
import { builtInBillingSync } from '../billing-state/billing-sync-handlers';
import { billingStateFromEnvironment } from '../billing-state/from-environment';
import { s3AddressingFor } from '../shared/aws-client-config';
import { errorSummary } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { dimensionedCounter } from '../shared/metrics';
import { stripeApiFromEnvironment } from '../shared/stripe-api/from-environment';
import { dynamoDbSuppressionStore } from '../shared/suppression-store';
import { createTracing } from '../shared/tracing';
import { createApiVersionCheck } from './api-version-check';
import type { ConsumerDependencies } from './consume-event';
import { readConsumerConfig } from './consumer-config';
import { countRecordOutcome, createConsumerMetrics } from './consumer-metrics';
import { type DeadLetterTarget, deadLetterReasonOf, sqsDeadLetter } from './dead-letter';
import { buildRegistry, defineSubscriptions, type Subscriptions, subscriptionsOfModule } from './define-subscriptions';
import { readDeliverabilityConfig } from './deliverability-config';
import type { HandlerMetrics } from './handler-context';
import { dynamoDbIdempotencyStore } from './idempotency-store';
import { eventIdentityOfBody } from './incoming-event';
import { livemodeFilter } from './livemode-filter';
import { sesMailer } from './mailer';
import { notifyRecordOutcome, type RecordOutcome } from './outcome-listeners';
import { pacedMailer } from './paced-mailer';
import { processRecord } from './process-record';
import { queuedEventBodyResolver, s3StoredBodyReader } from './queued-event-body';
import { sqsRequeue, throttleRetriesOf } from './requeue';

/** Time kept back from the invocation's end for the event to finish after its last send. */
const sendDeadlineMarginMs = 5_000;

/** The consumer's Lambda handler: an SQS batch in, the failed records out (partial batch response). */
export type ConsumerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * Dependencies given instead of the ones made from the environment, so that a test runs this exact
 * handler (its logs and metrics included) with fakes; the AWS clients it replaces are never called.
 */
export interface ConsumerHandlerOverrides
  extends Partial<Pick<ConsumerDependencies, 'store' | 'mailer' | 'suppressions' | 'stripe' | 'now' | 'billingState'>> {
  /** Reads a record's raw body (a large event's from S3). */
  readonly resolveBody?: (record: SQSRecord) => Promise<string>;
  /** Puts a throttled event back on the queue with a delay. */
  readonly requeue?: (record: SQSRecord, delaySeconds: number, throttleRetries: number) => Promise<void>;
  /** Sends an event failing its last attempt to the dead-letter queue with the reason (used when the environment names the queue). */
  readonly sendToDeadLetterQueue?: DeadLetterTarget['send'];
  /**
   * Where business alerts go instead of the SNS topic and webhook (the local pipeline's recorder). Given,
   * the business alerts are on even without `ALERT_TOPIC_ARN`.
   */
  readonly alertDestinations?: readonly AlertDestination[];
  /** Schedules dispute reminders instead of EventBridge Scheduler (the local pipeline's setTimeout scheduler). */
  readonly disputeReminders?: DisputeReminderScheduler;
}

/**
 * Builds the consumer's Lambda handler for a set of subscriptions: reads the environment and creates
 * the AWS clients once (per container), adds the stage's livemode filter, and runs each record through
 * `processRecord`. The bundled entry (`lambda-entry.ts`) calls it with the construct's
 * `subscriptionsEntry`; the local pipeline calls it with the same module.
 */
export function createConsumerHandler(
  subscriptions: Subscriptions,
  env: NodeJS.ProcessEnv = process.env,
  overrides: ConsumerHandlerOverrides = {},
): ConsumerHandler {
  const config = readConsumerConfig(env);
  const { settings } = config;
  const logger = createLogger(serviceNames.consumer);
  const metrics = createConsumerMetrics(settings.stage);
  // Off unless the stack turns it on (tracing=true): a subsegment per record, annotated with the event id.
  const tracing = createTracing(serviceNames.consumer, env);
  // Both optional: without them (a stack without EmailDeliverability), no configuration set and no lookups.
  const { configurationSetName, suppressionTableName } = readDeliverabilityConfig(env);
  const handlerMetrics: HandlerMetrics = dimensionedCounter(metrics);
  const accountSenders = [...config.connectedAccountEmails.values()].flatMap((account) =>
    account.senderAddress === undefined ? [] : [account.senderAddress],
  );
  const now = overrides.now ?? (() => new Date());
  // The feature (BILLING_STATE_TABLE_NAME set) adds its handlers beside the team's, as the construct adds their types.
  const billing = billingStateFromEnvironment(env, {
    logger,
    metrics: handlerMetrics,
    now,
    captureClient: (client) => tracing.captureClient(client),
  });
  // The business alerts (ALERT_TOPIC_ARN set, or destinations given) add theirs the same way.
  const alerts = businessAlertsFromEnvironment(env, {
    logger,
    metrics: handlerMetrics,
    now,
    captureClient: (client) => tracing.captureClient(client),
    ...withoutUndefined({ destinations: overrides.alertDestinations, reminders: overrides.disputeReminders }),
  });
  const teamSubscriptions = subscriptionsOfModule(subscriptions, 'The subscriptions given to the consumer');
  const dependencies: ConsumerDependencies = {
    registry: buildRegistry(
      billing === undefined && alerts === undefined
        ? teamSubscriptions
        : defineSubscriptions((_on, { include }) => {
            include(teamSubscriptions);
            if (billing !== undefined) include(builtInBillingSync({ off: billing.config.offTypes }));
            if (alerts !== undefined) include(builtInBusinessAlerts({ off: alerts.config.off }));
          }),
      { filters: [livemodeFilter(settings.acceptedLivemode)] },
    ),
    store: dynamoDbIdempotencyStore(tracing.captureClient(new DynamoDBClient({ maxAttempts: 3 })), config.tableName),
    mailer: pacedMailer(
      sesMailer(tracing.captureClient(new SESClient({ maxAttempts: 3 })), config.senderAddress, {
        configurationSetName,
        otherSenders: accountSenders,
      }),
      config.emailSendIntervalMs,
    ),
    ...(suppressionTableName === undefined
      ? {}
      : {
          suppressions: dynamoDbSuppressionStore(
            tracing.captureClient(new DynamoDBClient({ maxAttempts: 3 })),
            suppressionTableName,
          ),
        }),
    now,
    logger,
    metrics: handlerMetrics,
    inProgressExpirySeconds: settings.inProgressExpirySeconds,
    retentionDays: settings.idempotencyRetentionDays,
    // The client is made on the first lookup only: a consumer whose emails never need one pays nothing.
    stripe: stripeApiFromEnvironment(env, {
      secretsManager: () => tracing.captureClient(new SecretsManagerClient({ maxAttempts: 3 })),
      logger,
    }),
    emailSettings: config.emailSettings,
    connectedAccountEmails: config.connectedAccountEmails,
    apiVersionCheck: createApiVersionCheck(logger, handlerMetrics),
    ...(billing === undefined ? {} : { billingState: billing.service }),
    ...(alerts === undefined ? {} : { businessAlerts: alerts.service }),
    ...withoutUndefined({
      store: overrides.store,
      mailer: overrides.mailer,
      suppressions: overrides.suppressions,
      stripe: overrides.stripe,
      now: overrides.now,
      billingState: overrides.billingState,
    }),
  };
  // Large events arrive as a pointer to their body in S3; this reads it back, so consumeEvent always gets the raw body.
  const resolveBody =
    overrides.resolveBody ??
    queuedEventBodyResolver(
      s3StoredBodyReader(tracing.captureClient(new S3Client({ maxAttempts: 3, ...s3AddressingFor() }))),
      config.largeEventBucket,
    );
  const requeue =
    overrides.requeue ?? sqsRequeue(tracing.captureClient(new SQSClient({ maxAttempts: 3 })), config.queueUrl);
  // On the last attempt the consumer dead-letters a failing event itself, so the message says why (dead-letter.ts).
  const deadLetter: DeadLetterTarget | undefined =
    config.deadLetter === undefined
      ? undefined
      : {
          maxReceiveCount: config.deadLetter.maxReceiveCount,
          send:
            overrides.sendToDeadLetterQueue ??
            sqsDeadLetter(tracing.captureClient(new SQSClient({ maxAttempts: 3 })), config.deadLetter.queueUrl),
        };
  const processor = new BatchProcessor(EventType.SQS);

  function report(outcome: RecordOutcome): void {
    countRecordOutcome(metrics, outcome);
    notifyRecordOutcome(outcome);
  }

  async function handleRecord(record: SQSRecord, context: Context): Promise<void> {
    return tracing.inSubsegment('## record', (annotate) => {
      const { eventId } = identityOf(record);
      if (eventId !== undefined) annotate('eventId', eventId);
      return runRecord(record, context);
    });
  }

  async function runRecord(record: SQSRecord, context: Context): Promise<void> {
    const identity = () => identityOf(record);
    let decision: Awaited<ReturnType<typeof processRecord>>;
    try {
      const remainingTimeMs = context.getRemainingTimeInMillis();
      decision = await processRecord(await resolveBody(record), throttleRetriesOf(record), dependencies, {
        remainingTimeMs,
        // A send that would wait past this is requeued instead: the margin lets the event finish.
        sendDeadlineMs: Date.now() + remainingTimeMs - sendDeadlineMarginMs,
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
      const { eventId, eventType } = identity();
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
    const { eventId, eventType } = identity();
    if (await deadLetteredWithReason(record, decision.error, { eventId, eventType })) {
      report({ status: 'failed', messageId: record.messageId, eventId, eventType, error: message, deadLettered: true });
      return;
    }
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
   * On the record's last attempt (its receive count has reached the queue's `maxReceiveCount`), puts a copy
   * with the reason on the dead-letter queue; true when it did, and the original is then deleted as done.
   * When the send fails the record fails as any other: SQS's redrive moves it, without a reason, never lost.
   */
  async function deadLetteredWithReason(
    record: SQSRecord,
    error: unknown,
    ids: { eventId?: string; eventType?: string },
  ): Promise<boolean> {
    const attempts = Number(record.attributes.ApproximateReceiveCount);
    if (deadLetter === undefined || !(attempts >= deadLetter.maxReceiveCount)) return false;
    const reason = deadLetterReasonOf(error, attempts, now());
    try {
      await deadLetter.send(record, reason);
    } catch (sendError) {
      logger.error('Could not put the failed event on the dead-letter queue; SQS moves it there without its reason', {
        ...ids,
        error: errorSummary(sendError),
      });
      return false;
    }
    logger.error('Event failed its last attempt; moved to the dead-letter queue with the reason', {
      ...ids,
      outcome: 'dead_lettered',
      receiveCount: attempts,
      error: reason.error,
      ...(reason.handler === null ? {} : { handler: reason.handler }),
      ...(reason.step === null ? {} : { step: reason.step }),
      ...(reason.field === null ? {} : { field: reason.field }),
    });
    return true;
  }

  /**
   * Reports failed records individually, so one bad event never makes its batch-mates run again.
   * Records run one after the other: a duplicate in the same batch then finds its twin done instead of
   * in progress (which would delay it by a whole visibility timeout), and SES sends stay paced.
   */
  return async (event, context) => {
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
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

/** The record's event id and type. EventBridge's messages carry no attributes: then the body says. */
function identityOf(record: SQSRecord): { eventId?: string; eventType?: string } {
  const eventId = record.messageAttributes[messageAttributeNames.eventId]?.stringValue;
  const eventType = record.messageAttributes[messageAttributeNames.eventType]?.stringValue;
  return eventId === undefined ? eventIdentityOfBody(record.body) : { eventId, eventType };
}
