/**
 * The Stripe API key, read from Secrets Manager once per container. The secret's value is the key itself:
 * a restricted key (`rk_live_...` / `rk_test_...`) with read access to customers and subscriptions. A
 * secret key (`sk_...`) works but can do anything to the account, so it is accepted with a warning.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { errorSummary } from '../errors';
import type { LoggerPort } from '../logger';

export class InvalidStripeApiKeySecretError extends Error {
  constructor(secretId: string, problem: string) {
    super(
      `Secrets Manager secret ${secretId} ${problem}. Store the Stripe API key itself as the secret string: a ` +
        'restricted key (rk_live_... or rk_test_...) with read access to customers and subscriptions ' +
        '(Dashboard > Developers > API keys > Create restricted key).',
    );
    this.name = 'InvalidStripeApiKeySecretError';
  }
}

export class StripeApiKeyReadError extends Error {
  constructor(secretId: string, cause: unknown) {
    super(
      `Could not read the Stripe API key from Secrets Manager secret ${secretId} (${errorSummary(cause)}). Check ` +
        "that it exists in this region and that this function's role (the consumer's, the reconciler's or the " +
        "managed endpoint's) may call secretsmanager:GetSecretValue on it.",
      { cause },
    );
    this.name = 'StripeApiKeyReadError';
  }
}

const keyPattern = /^(rk|sk)_(live|test)_[A-Za-z0-9_]+$/;

/** Checks the secret's value; the message never repeats it, since it may be a key pasted with a typo. */
export function parseStripeApiKey(secretId: string, value: string | undefined): { key: string; secretKey: boolean } {
  if (value === undefined) throw new InvalidStripeApiKeySecretError(secretId, 'has no string value');
  const key = value.trim();
  if (key === '') throw new InvalidStripeApiKeySecretError(secretId, 'is empty');
  if (key.startsWith('{')) {
    throw new InvalidStripeApiKeySecretError(secretId, 'holds JSON (key/value pairs), not the key string');
  }
  // Keys that are Stripe's but the wrong kind: name the kind (never the value) so the fix is obvious.
  if (key.startsWith('pk_')) {
    throw new InvalidStripeApiKeySecretError(secretId, 'holds a publishable key (pk_...), which cannot read customers');
  }
  if (key.startsWith('whsec_')) {
    throw new InvalidStripeApiKeySecretError(secretId, 'holds a webhook signing secret (whsec_...), not an API key');
  }
  const match = keyPattern.exec(key);
  if (match === null) {
    throw new InvalidStripeApiKeySecretError(
      secretId,
      `does not hold a Stripe API key (it is ${key.length} characters and does not look like rk_live_... or rk_test_...)`,
    );
  }
  return { key, secretKey: match[1] === 'sk' };
}

/** A key source that reads the secret on first use and keeps it; a failed read is retried on the next call. */
export function secretsManagerApiKey(
  client: SecretsManagerClient,
  secretId: string,
  logger: LoggerPort,
): () => Promise<string> {
  let pending: Promise<string> | undefined;
  const read = async (): Promise<string> => {
    let value: string | undefined;
    try {
      const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      value = output.SecretString;
    } catch (error) {
      throw new StripeApiKeyReadError(secretId, error);
    }
    const { key, secretKey } = parseStripeApiKey(secretId, value);
    // Once per container, since the read is memoized.
    if (secretKey) {
      logger.warn('The Stripe API key is a secret key (sk_...); prefer a restricted key', {
        secretId,
        advice: 'Create a restricted key with read access to customers and subscriptions and store it instead.',
      });
    }
    return key;
  };
  return () => {
    pending ??= read().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
