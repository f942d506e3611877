/**
 * `createBillingStateReader`: the billing state from a team's own code (an API Lambda, the checkout
 * success page), with nothing else of the pipeline. Reading needs the table (`grantRead`); syncing
 * also needs the Stripe API key (`grantSync`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { envVarNames } from '../../config/contract';
import type { LoggerPort } from '../shared/logger';
import { secretsManagerApiKey } from '../shared/stripe-api/api-key';
import { createStripeBillingApi, type StripeBillingApi } from '../shared/stripe-api/billing';
import { type BillingStateReader, createBillingStateService } from './billing-state-service';
import { dynamoDbBillingStateStore } from './billing-state-store';

export interface BillingStateReaderOptions {
  /** The table's name: the stack output `BillingStateTableName` (or `pipeline.billingState.table.tableName`). */
  readonly tableName: string;
  /**
   * Name or ARN of the Secrets Manager secret with the restricted Stripe key, for `syncCustomer`
   * (the pipeline's `stripeApiKeySecretName`). @default none: `syncCustomer` throws, reads work
   */
  readonly stripeApiKeySecretId?: string;
  /** Whether `past_due` gives access in states this reader syncs (keep it as the pipeline's). @default true */
  readonly pastDueAccess?: boolean;
  /** @default a new client of the function's region */
  readonly dynamodb?: DynamoDBClient;
  /** @default a new client, made on the first sync */
  readonly secretsManager?: SecretsManagerClient;
  /** Stripe's API for `syncCustomer`, instead of one from the key secret (tests, the fake Stripe API). */
  readonly stripe?: StripeBillingApi;
  /**
   * Base URL of the Stripe API; only for the fake Stripe API.
   * @default `STRIPE_API_URL` when set (as the pipeline's functions read it locally), else https://api.stripe.com
   */
  readonly stripeApiUrl?: string;
  /** Where the sync logs (identifiers and outcomes only). @default nowhere */
  readonly logger?: LoggerPort;
}

const silent: LoggerPort = { info: () => undefined, warn: () => undefined, error: () => undefined };

export function createBillingStateReader(options: BillingStateReaderOptions): BillingStateReader {
  const logger = options.logger ?? silent;
  const secretId = options.stripeApiKeySecretId;
  let secrets: SecretsManagerClient | undefined;
  let readKey: (() => Promise<string>) | undefined;
  const stripe =
    options.stripe ??
    (secretId === undefined
      ? undefined
      : createStripeBillingApi({
          apiKey: () => {
            secrets ??= options.secretsManager ?? new SecretsManagerClient({ maxAttempts: 3 });
            readKey ??= secretsManagerApiKey(secrets, secretId, logger);
            return readKey();
          },
          apiUrl: options.stripeApiUrl ?? (process.env[envVarNames.stripeApiUrl]?.trim() || undefined),
          logger,
        }));
  const service = createBillingStateService({
    store: dynamoDbBillingStateStore(options.dynamodb ?? new DynamoDBClient({ maxAttempts: 3 }), options.tableName),
    ...(stripe === undefined ? {} : { stripe }),
    policy: { pastDueAccess: options.pastDueAccess ?? true },
    logger,
    metrics: { count: () => undefined },
    now: () => new Date(),
  });
  return {
    getCustomer: service.getCustomer,
    hasAccess: service.hasAccess,
    hasEntitlement: service.hasEntitlement,
    syncCustomer: service.syncCustomer,
  };
}
