import { envVarNames } from '../../config/contract';
import { InvalidEnvironmentVariableError, optionalIntegerEnv, requireEnv } from '../shared/env';
import { enabledBillingSyncTypes, parseBillingSyncOffTypes } from './billing-sync-types';
import { defaultSyncDelaySeconds, maxSyncDelaySeconds } from './sync-queue';

/** The billing state feature as the environment configures it, read once per container. */
export interface BillingStateConfig {
  readonly tableName: string;
  /** Where the consumer's handlers queue their delayed syncs; the sync function itself does not need it. */
  readonly syncQueueUrl: string | undefined;
  readonly delaySeconds: number;
  /** Whether `past_due` gives access. */
  readonly pastDueAccess: boolean;
  /** Event types switched off (`off`). */
  readonly offTypes: readonly string[];
}

/** Undefined when `BILLING_STATE_TABLE_NAME` is unset: the feature is off. */
export function readBillingStateConfig(env: NodeJS.ProcessEnv = process.env): BillingStateConfig | undefined {
  const tableName = env[envVarNames.billingStateTableName]?.trim();
  if (tableName === undefined || tableName === '') return undefined;
  const delaySeconds = optionalIntegerEnv(envVarNames.billingSyncDelaySeconds, env) ?? defaultSyncDelaySeconds;
  if (delaySeconds > maxSyncDelaySeconds) {
    throw new InvalidEnvironmentVariableError(
      envVarNames.billingSyncDelaySeconds,
      String(delaySeconds),
      `a whole number of seconds from 0 to ${maxSyncDelaySeconds} (SQS's longest delay)`,
    );
  }
  const pastDue = env[envVarNames.billingStatePastDueAccess]?.trim();
  if (pastDue !== undefined && pastDue !== '' && pastDue !== 'true' && pastDue !== 'false') {
    throw new InvalidEnvironmentVariableError(envVarNames.billingStatePastDueAccess, pastDue, 'true or false');
  }
  const offTypes = parseBillingSyncOffTypes(env[envVarNames.billingSyncOffTypes]);
  try {
    enabledBillingSyncTypes(offTypes);
  } catch (error) {
    throw new InvalidEnvironmentVariableError(
      envVarNames.billingSyncOffTypes,
      offTypes.join(','),
      error instanceof Error ? error.message : String(error),
    );
  }
  const queueUrl = env[envVarNames.billingSyncQueueUrl]?.trim();
  return {
    tableName: requireEnv(envVarNames.billingStateTableName, env),
    syncQueueUrl: queueUrl === undefined || queueUrl === '' ? undefined : queueUrl,
    delaySeconds,
    pastDueAccess: pastDue !== 'false',
    offTypes,
  };
}
