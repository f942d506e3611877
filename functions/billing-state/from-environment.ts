/**
 * The billing state service as a function's environment configures it (the consumer's `ctx.billingState`
 * and the sync function): undefined when the feature is off. The AWS clients are made here, once per
 * container; nothing is called until the first read or sync.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { LoggerPort } from '../shared/logger';
import { stripeBillingApiFromEnvironment } from '../shared/stripe-api/from-environment';
import { type BillingStateConfig, readBillingStateConfig } from './billing-state-config';
import { type BillingStateAccess, createBillingStateService } from './billing-state-service';
import { dynamoDbBillingStateStore } from './billing-state-store';
import type { SyncMetrics } from './sync-customer';
import { sqsBillingSyncQueue } from './sync-queue';

export interface BillingStateEnvironmentDeps {
  readonly logger: LoggerPort;
  readonly metrics: SyncMetrics;
  readonly now: () => Date;
  /** Wraps each AWS client (X-Ray tracing, when on). @default unwrapped */
  readonly captureClient?: <T>(client: T) => T;
}

export function billingStateFromEnvironment(
  env: NodeJS.ProcessEnv,
  deps: BillingStateEnvironmentDeps,
): { readonly config: BillingStateConfig; readonly service: BillingStateAccess } | undefined {
  const config = readBillingStateConfig(env);
  if (config === undefined) return undefined;
  const capture = deps.captureClient ?? (<T>(client: T) => client);
  const service = createBillingStateService({
    store: dynamoDbBillingStateStore(capture(new DynamoDBClient({ maxAttempts: 3 })), config.tableName),
    stripe: stripeBillingApiFromEnvironment(env, {
      secretsManager: () => capture(new SecretsManagerClient({ maxAttempts: 3 })),
      logger: deps.logger,
    }),
    ...(config.syncQueueUrl === undefined
      ? {}
      : {
          queue: sqsBillingSyncQueue(capture(new SQSClient({ maxAttempts: 3 })), config.syncQueueUrl, {
            delaySeconds: config.delaySeconds,
            now: deps.now,
          }),
        }),
    policy: { pastDueAccess: config.pastDueAccess },
    logger: deps.logger,
    metrics: deps.metrics,
    now: deps.now,
  });
  return { config, service };
}
