/**
 * The consumer's Stripe API as its environment configures it: none at all (every call rejects with
 * `StripeApiNotConfiguredError`) unless a key secret is named.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { envVarNames } from '../../../config/contract';
import { InvalidEnvironmentVariableError } from '../env';
import type { LoggerPort } from '../logger';
import { secretsManagerApiKey } from './api-key';
import { createStripeApi } from './client';
import { type StripeApi, unconfiguredStripeApi } from './port';

export interface StripeApiEnvironmentDeps {
  /** Called only when a key secret is configured, so an unconfigured consumer builds no client. */
  secretsManager: () => SecretsManagerClient;
  logger: LoggerPort;
}

function optionalPositiveNumber(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidEnvironmentVariableError(name, value, 'a positive number');
  return parsed;
}

export function stripeApiFromEnvironment(env: NodeJS.ProcessEnv, deps: StripeApiEnvironmentDeps): StripeApi {
  const secretId = env[envVarNames.stripeApiKeySecretId]?.trim();
  if (secretId === undefined || secretId === '') return unconfiguredStripeApi;
  const apiUrl = env[envVarNames.stripeApiUrl]?.trim();
  // The Secrets Manager client too is made on the first call, not at cold start.
  let apiKey: (() => Promise<string>) | undefined;
  return createStripeApi({
    apiKey: () => {
      apiKey ??= secretsManagerApiKey(deps.secretsManager(), secretId, deps.logger);
      return apiKey();
    },
    apiUrl: apiUrl === '' ? undefined : apiUrl,
    ratePerSecond: optionalPositiveNumber(envVarNames.stripeApiRatePerSecond, env),
    logger: deps.logger,
  });
}
