/**
 * The billing sync function: reads the sync queue (delayed "sync this customer" requests from the
 * consumer's billing handlers) and syncs each customer. A request whose sync fails (Stripe's API or
 * the table unavailable) is reported as a batch item failure: SQS redelivers it, and after the queue's
 * `maxReceiveCount` it rests in the sync dead-letter queue, where its alarm says so. Nothing is half
 * written: a sync writes once, at its end.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { envVarNames, serviceNames } from '../../config/contract';
import { errorSummary } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { createPowertoolsMetrics } from '../shared/metrics';
import { createTracing } from '../shared/tracing';
import type { BillingStateAccess } from './billing-state-service';
import { billingStateFromEnvironment } from './from-environment';
import { parseSyncRequest } from './sync-queue';

export type BillingSyncHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export class BillingStateOffError extends Error {
  constructor() {
    super(
      `The billing sync function has no ${envVarNames.billingStateTableName}: the construct sets it with billingState on; for sam local invoke pass it in events/env.json.`,
    );
    this.name = 'BillingStateOffError';
  }
}

export interface BillingSyncHandlerOverrides {
  /** The service to sync through instead of the one the environment configures (tests). */
  readonly service?: BillingStateAccess;
}

export function createBillingSyncHandler(
  env: NodeJS.ProcessEnv = process.env,
  overrides: BillingSyncHandlerOverrides = {},
): BillingSyncHandler {
  const logger = createLogger(serviceNames.billingSync);
  const metrics = createPowertoolsMetrics(serviceNames.billingSync, env[envVarNames.stage] ?? 'unknown');
  const tracing = createTracing(serviceNames.billingSync, env);
  const count = (name: string, value = 1) => metrics.addMetric(name, MetricUnit.Count, value);
  const configured =
    overrides.service ??
    billingStateFromEnvironment(env, {
      logger,
      metrics: { count },
      now: () => new Date(),
      captureClient: (client) => tracing.captureClient(client),
    })?.service;
  if (configured === undefined) throw new BillingStateOffError();
  const service: BillingStateAccess = configured;
  const processor = new BatchProcessor(EventType.SQS);

  async function syncRecord(record: SQSRecord): Promise<void> {
    const request = parseSyncRequest(record.body);
    try {
      // Same guards as every sync: skipped when a state fetched after the event is stored.
      await service.runSync(request);
    } catch (error) {
      count('BillingSyncFailed');
      logger.error('Billing sync failed; it will be retried', {
        customerId: request.customerId,
        account: request.account ?? undefined,
        eventId: request.eventId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: errorSummary(error),
      });
      throw error;
    }
  }

  return async (event, context) => {
    try {
      return await processPartialResponse(event, syncRecord, processor, {
        context,
        throwOnFullBatchFailure: false,
        processInParallel: false,
      });
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
