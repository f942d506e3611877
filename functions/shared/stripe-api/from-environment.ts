/**
 * The consumer's Stripe API as its environment configures it: none at all (every call rejects with
 * `StripeApiNotConfiguredError`) unless a key secret is named.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { envVarNames } from '../../../config/contract';
import { InvalidEnvironmentVariableError, optionalIntegerEnv } from '../env';
import type { LoggerPort } from '../logger';
import { secretsManagerApiKey } from './api-key';
import { createStripeBillingApi, type StripeBillingApi } from './billing';
import { type CreateStripeApiOptions, createStripeApi } from './client';
import { type StripeApi, unconfiguredStripeApi } from './port';

export interface StripeApiEnvironmentDeps {
  /**
   * The client that reads the key secret, or a factory for it; a factory is called on the first Stripe
   * call only, so a consumer that never calls Stripe builds no client.
   */
  secretsManager: SecretsManagerClient | (() => SecretsManagerClient);
  logger: LoggerPort;
}

/** The construct allows 1 to 100 (Stripe's live-mode limit for the whole account); 0 would stop every call. */
function ratePerSecondOf(env: NodeJS.ProcessEnv): number | undefined {
  const name = envVarNames.stripeApiRatePerSecond;
  const rate = optionalIntegerEnv(name, env);
  if (rate !== undefined && (rate < 1 || rate > 100)) {
    throw new InvalidEnvironmentVariableError(name, String(rate), 'a whole number from 1 to 100');
  }
  return rate;
}

/**
 * Reads `STRIPE_API_KEY_SECRET_ID`, `STRIPE_API_URL` and `STRIPE_API_RATE_PER_SECOND`. Nothing is read or
 * built beyond the environment until the first call: neither the Secrets Manager client, nor the key, nor
 * the `stripe` module.
 */
export function stripeApiFromEnvironment(env: NodeJS.ProcessEnv, deps: StripeApiEnvironmentDeps): StripeApi {
  const options = apiOptionsFromEnvironment(env, deps);
  return options === undefined ? unconfiguredStripeApi : createStripeApi(options);
}

/**
 * The billing sync's reads of Stripe's API, configured like {@link stripeApiFromEnvironment}; undefined
 * when no key secret is named.
 */
export function stripeBillingApiFromEnvironment(
  env: NodeJS.ProcessEnv,
  deps: StripeApiEnvironmentDeps,
): StripeBillingApi | undefined {
  const options = apiOptionsFromEnvironment(env, deps);
  return options === undefined ? undefined : createStripeBillingApi(options);
}

function apiOptionsFromEnvironment(
  env: NodeJS.ProcessEnv,
  deps: StripeApiEnvironmentDeps,
): Pick<CreateStripeApiOptions, 'apiKey' | 'apiUrl' | 'ratePerSecond' | 'logger'> | undefined {
  const secretId = env[envVarNames.stripeApiKeySecretId]?.trim();
  if (secretId === undefined || secretId === '') return undefined;
  const apiUrl = env[envVarNames.stripeApiUrl]?.trim();
  // The Secrets Manager client too is made on the first call, not at cold start.
  let apiKey: (() => Promise<string>) | undefined;
  return {
    apiKey: () => {
      if (apiKey === undefined) {
        const client = typeof deps.secretsManager === 'function' ? deps.secretsManager() : deps.secretsManager;
        apiKey = secretsManagerApiKey(client, secretId, deps.logger);
      }
      return apiKey();
    },
    apiUrl: apiUrl === '' ? undefined : apiUrl,
    ratePerSecond: ratePerSecondOf(env),
    logger: deps.logger,
  };
}
